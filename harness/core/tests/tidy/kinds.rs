//! Finders for "every error type has a kind": the types listed in `kinds!(…)` (cli/exit.rs), the
//! `impl HasKind for X` blocks, and the types that derive `thiserror::Error`.

use crate::scan::{self, Tok, Token};

/// A type named somewhere: the line, the path as written, and its last segment (the type's
/// name, which is what the check compares).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub line: usize,
    pub path: String,
    pub name: String,
}

impl Named {
    fn new(line: usize, segs: &[String]) -> Named {
        Named {
            line,
            path: segs.join("::"),
            name: segs.last().cloned().unwrap_or_default(),
        }
    }
}

fn is(t: Option<&Token>, want: &Tok) -> bool {
    t.is_some_and(|t| t.tok == *want)
}

fn ident_is(t: Option<&Token>, want: &str) -> bool {
    matches!(t.map(|t| &t.tok), Some(Tok::Ident(s)) if s == want)
}

/// Reads `a::b::C` (a leading `::` allowed) at `*i`; stops before anything else (`<`, `{`).
fn read_path(toks: &[Token], i: &mut usize) -> Vec<String> {
    let mut segs = Vec::new();
    if is(toks.get(*i), &Tok::PathSep) {
        *i += 1;
    }
    while let Some(Tok::Ident(s)) = toks.get(*i).map(|t| &t.tok) {
        segs.push(s.clone());
        *i += 1;
        if !is(toks.get(*i), &Tok::PathSep) {
            break;
        }
        *i += 1;
    }
    segs
}

/// Steps over a balanced `<…>` at `*i`, if there is one (`impl<T: X<U>>`).
fn skip_generics(toks: &[Token], i: &mut usize) {
    if !is(toks.get(*i), &Tok::Punct('<')) {
        return;
    }
    let mut depth = 0;
    while let Some(t) = toks.get(*i) {
        *i += 1;
        match t.tok {
            Tok::Punct('<') => depth += 1,
            Tok::Punct('>') => {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
            _ => {}
        }
    }
}

/// The types listed in the `kinds!(…)` invocations of `src` (not the `macro_rules! kinds`).
pub fn kinds_list(src: &str) -> Vec<Named> {
    let toks = scan::lex(src);
    let mut out = Vec::new();
    for k in 0..toks.len() {
        if !(ident_is(toks.get(k), "kinds")
            && is(toks.get(k + 1), &Tok::Punct('!'))
            && is(toks.get(k + 2), &Tok::Punct('(')))
        {
            continue;
        }
        let mut i = k + 3;
        while i < toks.len() && !is(toks.get(i), &Tok::Punct(')')) {
            let line = toks[i].line;
            let segs = read_path(&toks, &mut i);
            if segs.is_empty() {
                i += 1; // a comma
            } else {
                out.push(Named::new(line, &segs));
            }
        }
    }
    out
}

/// Every `impl HasKind for X` (also `impl crate::error::HasKind for a::X`, `impl<T> … for X<T>`):
/// the type X, on the line of its `impl`.
pub fn has_kind_impls(src: &str) -> Vec<Named> {
    let toks = scan::lex(src);
    let mut out = Vec::new();
    for k in 0..toks.len() {
        if !ident_is(toks.get(k), "impl") {
            continue;
        }
        let mut i = k + 1;
        skip_generics(&toks, &mut i);
        let the_trait = read_path(&toks, &mut i);
        if the_trait.last().is_some_and(|s| s == "HasKind") && ident_is(toks.get(i), "for") {
            i += 1;
            let ty = read_path(&toks, &mut i);
            if !ty.is_empty() {
                out.push(Named::new(toks[k].line, &ty));
            }
        }
    }
    out
}

/// Every struct or enum deriving `thiserror::Error`, or `Error` in a file that has
/// `use thiserror::Error`: its name, on the line of `struct X` / `enum X`.
pub fn error_types(src: &str) -> Vec<Named> {
    let toks = scan::lex(src);
    let imports_error = scan::paths_of(&toks)
        .iter()
        .any(|p| p.in_use && p.segs == ["thiserror", "Error"]);
    let mut out = Vec::new();
    let mut derives_error = false;
    for k in 0..toks.len() {
        if is(toks.get(k), &Tok::Punct('#'))
            && is(toks.get(k + 1), &Tok::Punct('['))
            && ident_is(toks.get(k + 2), "derive")
            && is(toks.get(k + 3), &Tok::Punct('('))
        {
            let mut i = k + 4;
            while i < toks.len() && !is(toks.get(i), &Tok::Punct(')')) {
                let segs = read_path(&toks, &mut i);
                if segs.is_empty() {
                    i += 1;
                } else if segs == ["thiserror", "Error"] || (imports_error && segs == ["Error"]) {
                    derives_error = true;
                }
            }
        }
        let item = ident_is(toks.get(k), "struct") || ident_is(toks.get(k), "enum");
        if item && derives_error {
            if let Some(Token {
                tok: Tok::Ident(name),
                line,
            }) = toks.get(k + 1)
            {
                out.push(Named::new(*line, std::slice::from_ref(name)));
            }
        }
        // The derive belongs to the next item only; an item ends the attributes before it.
        if item || ident_is(toks.get(k), "fn") || ident_is(toks.get(k), "type") {
            derives_error = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(found: Vec<Named>) -> Vec<(usize, String)> {
        found.into_iter().map(|n| (n.line, n.name)).collect()
    }

    #[test]
    fn the_kinds_list_is_read_from_the_invocation_not_the_macro() {
        let src = "macro_rules! kinds {\n    ($($t:ty),*) => {};\n}\nkinds!(\n    crate::error::UsageError,\n    \
                   crate::app::AppError, // the app\n    tonebench_core::cohorts::CohortError,\n);\n";
        let got = kinds_list(src);
        assert_eq!(
            names(got.clone()),
            [
                (5, "UsageError".to_string()),
                (6, "AppError".to_string()),
                (7, "CohortError".to_string()),
            ]
        );
        assert_eq!(got[2].path, "tonebench_core::cohorts::CohortError");
    }

    #[test]
    fn has_kind_impls_are_found_however_the_trait_is_named() {
        let src = "impl HasKind for GateError {\n}\nimpl crate::error::HasKind for AudioError {}\n\
                   impl<T: Debug> HasKind for Wrapped<T> {}\n\
                   impl HasKind for tonebench_core::cohorts::CohortError {}\n\
                   impl Display for NotKind {}\n// impl HasKind for Commented {}\n";
        let got = has_kind_impls(src);
        assert_eq!(
            names(got.clone()),
            [
                (1, "GateError".to_string()),
                (3, "AudioError".to_string()),
                (4, "Wrapped".to_string()),
                (5, "CohortError".to_string()),
            ]
        );
        assert_eq!(got[3].path, "tonebench_core::cohorts::CohortError");
    }

    #[test]
    fn thiserror_types_are_found_by_path_or_by_import() {
        let by_path = "/// Bad.\n#[derive(Debug, thiserror::Error)]\n#[error(\"{0}\")]\npub struct UsageError(pub String);\n\
                       #[derive(Debug, Clone)]\npub enum Plain { A }\n";
        assert_eq!(names(error_types(by_path)), [(4, "UsageError".to_string())]);
        let imported = "use thiserror::Error;\n\n#[derive(Debug, Error)]\npub enum AudioError {\n    #[error(\"x\")]\n    X,\n}\n";
        assert_eq!(
            names(error_types(imported)),
            [(4, "AudioError".to_string())]
        );
        let other_error = "use std::error::Error;\n#[derive(Debug, Error)]\nenum E { X }\n";
        assert_eq!(error_types(other_error), []);
        let derive_then_fn = "#[derive(thiserror::Error)]\nfn oops() {}\nstruct After;\n";
        assert_eq!(error_types(derive_then_fn), []);
    }
}
