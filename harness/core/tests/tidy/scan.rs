//! A small Rust lexer and path extractor: enough to find which paths a source file names, and
//! on which line, without being fooled by comments, doc comments or string literals; and, for
//! the checks that look at them, the string literals themselves ([`string_literals`]).
//!
//! Not a parser: it knows identifiers, `::`, single punctuation characters, and the use-tree
//! grammar (`use a::{b::C, d::{self, E as F}, *};`). Every other path in code (`crate::a::f()`,
//! `#[derive(clap::Args)]`, `<T as ort::X>`) is read as a run of identifiers joined by `::`.

/// One token of code; comments, char literals, numbers and lifetimes produce none, and string
/// literals produce one only from [`lex_with_strings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    /// `::`
    PathSep,
    Punct(char),
    /// A string literal (plain, byte, C or raw), its text between the quotes with the common
    /// escapes (`\n`, `\t`, `\\`, `\"`, a line continuation) undone.
    Str(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub tok: Tok,
    pub line: usize,
}

/// A path named in code: `segs` as written (a `use` group expanded into one path per leaf,
/// a trailing `self` dropped), the line of its last segment, and whether it came from a `use`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRef {
    pub segs: Vec<String>,
    pub line: usize,
    pub in_use: bool,
}

impl std::fmt::Display for PathRef {
    /// `use a::b` for a path from a `use` declaration, `a::b` for one in code.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = self.segs.join("::");
        if self.in_use {
            write!(f, "use {text}")
        } else {
            f.write_str(&text)
        }
    }
}

impl PathRef {
    pub fn starts_with(&self, prefix: &[&str]) -> bool {
        self.segs.len() >= prefix.len() && self.segs.iter().zip(prefix).all(|(s, p)| s == p)
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Tokenizes `src`, skipping comments (nested block comments included), string, byte-string,
/// raw-string and char literals, numbers and lifetimes. Lines are 1-based.
pub fn lex(src: &str) -> Vec<Token> {
    lex_impl(src, false)
}

/// Like [`lex`], but every string literal is a [`Tok::Str`] token on the line it starts.
pub fn lex_with_strings(src: &str) -> Vec<Token> {
    lex_impl(src, true)
}

/// The text of a non-raw string literal as written between its quotes, common escapes undone
/// (an unknown escape is kept as written).
fn unescape(raw: &[char]) -> String {
    let mut out = String::new();
    let mut k = 0;
    while k < raw.len() {
        if raw[k] != '\\' || k + 1 == raw.len() {
            out.push(raw[k]);
            k += 1;
            continue;
        }
        k += 1;
        match raw[k] {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '0' => out.push('\0'),
            '\\' | '"' | '\'' => out.push(raw[k]),
            '\n' => {
                while k + 1 < raw.len() && raw[k + 1].is_whitespace() {
                    k += 1;
                }
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
        k += 1;
    }
    out
}

fn lex_impl(src: &str, strings: bool) -> Vec<Token> {
    let c: Vec<char> = src.chars().collect();
    let at = |i: usize| c.get(i).copied().unwrap_or('\0');
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    // Skips a quoted literal whose opening quote is at `i`; returns the index after it.
    let skip_quoted = |mut i: usize, quote: char, line: &mut usize| {
        i += 1;
        while i < c.len() && c[i] != quote {
            if c[i] == '\\' {
                i += 1;
            }
            if at(i) == '\n' {
                *line += 1;
            }
            i += 1;
        }
        i + 1
    };
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if is_ident_start(ch) {
            let start = i;
            while i < c.len() && is_ident_char(c[i]) {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            let raw_prefix = matches!(word.as_str(), "r" | "br" | "cr");
            if raw_prefix && (at(i) == '"' || (at(i) == '#' && matches!(at(i + 1), '#' | '"'))) {
                // Raw string: r"..." or r#"..."#, no escapes.
                let first_line = line;
                let mut hashes = 0;
                while at(i) == '#' {
                    hashes += 1;
                    i += 1;
                }
                i += 1;
                let start = i;
                while i < c.len() {
                    if c[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                        if strings {
                            let text = c[start..i].iter().collect();
                            out.push(Token {
                                tok: Tok::Str(text),
                                line: first_line,
                            });
                        }
                        i += 1 + hashes;
                        break;
                    }
                    if c[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            } else if word == "r" && at(i) == '#' && is_ident_start(at(i + 1)) {
                // Raw identifier r#type.
                let start = i + 1;
                i += 1;
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
                let tok = Tok::Ident(c[start..i].iter().collect());
                out.push(Token { tok, line });
            } else if matches!(word.as_str(), "b" | "c") && at(i) == '"' {
                let (start, first_line) = (i, line);
                i = skip_quoted(i, '"', &mut line);
                if strings {
                    let tok = Tok::Str(unescape(&c[start + 1..(i - 1).min(c.len())]));
                    out.push(Token {
                        tok,
                        line: first_line,
                    });
                }
            } else if word == "b" && at(i) == '\'' {
                i = skip_quoted(i, '\'', &mut line);
            } else {
                out.push(Token {
                    tok: Tok::Ident(word),
                    line,
                });
            }
        } else if ch.is_ascii_digit() {
            while i < c.len()
                && (is_ident_char(c[i]) || (c[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
        } else if ch == '"' {
            let (start, first_line) = (i, line);
            i = skip_quoted(i, '"', &mut line);
            if strings {
                let tok = Tok::Str(unescape(&c[start + 1..(i - 1).min(c.len())]));
                out.push(Token {
                    tok,
                    line: first_line,
                });
            }
        } else if ch == '\'' {
            if at(i + 1) == '\\' || (at(i + 2) == '\'' && at(i + 1) != '\n') {
                i = skip_quoted(i, '\'', &mut line);
            } else {
                // A lifetime or label: 'a, 'static.
                i += 1;
                while i < c.len() && is_ident_char(c[i]) {
                    i += 1;
                }
            }
        } else if ch == ':' && at(i + 1) == ':' {
            out.push(Token {
                tok: Tok::PathSep,
                line,
            });
            i += 2;
        } else {
            out.push(Token {
                tok: Tok::Punct(ch),
                line,
            });
            i += 1;
        }
    }
    out
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn is(t: Option<&Token>, want: Tok) -> bool {
    t.is_some_and(|t| t.tok == want)
}

/// Reads one use tree (or plain path) starting at `*i`, pushing one [`PathRef`] per leaf.
fn tree(toks: &[Token], i: &mut usize, prefix: &[String], in_use: bool, out: &mut Vec<PathRef>) {
    if is(toks.get(*i), Tok::PathSep) {
        *i += 1;
    }
    let mut segs = prefix.to_vec();
    let mut line = toks.get(*i).map_or(0, |t| t.line);
    loop {
        match toks.get(*i).map(|t| &t.tok) {
            Some(Tok::Ident(s)) => {
                segs.push(s.clone());
                line = toks[*i].line;
                *i += 1;
                if !is(toks.get(*i), Tok::PathSep) {
                    break;
                }
                *i += 1;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                loop {
                    if is(toks.get(*i), Tok::Punct('}')) || *i >= toks.len() {
                        *i += 1;
                        return;
                    }
                    let before = *i;
                    tree(toks, i, &segs, in_use, out);
                    if is(toks.get(*i), Tok::Punct(',')) {
                        *i += 1;
                    } else if *i == before {
                        *i += 1; // unexpected token: step over it rather than loop
                    }
                }
            }
            Some(Tok::Punct('*')) => {
                segs.push("*".into());
                *i += 1;
                break;
            }
            _ => break,
        }
    }
    if in_use && ident(toks.get(*i)) == Some("as") {
        *i += 2;
    }
    if segs.len() > prefix.len() {
        if segs.last().is_some_and(|s| s == "self") && segs.len() > 1 {
            segs.pop();
        }
        out.push(PathRef { segs, line, in_use });
    }
}

/// Every path the code of `src` names, in order: each `use` declaration expanded per leaf,
/// and every other run of `ident::ident…` (a single identifier is a path of one segment).
pub fn paths(src: &str) -> Vec<PathRef> {
    paths_of(&lex(src))
}

pub fn paths_of(toks: &[Token]) -> Vec<PathRef> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let prev = i.checked_sub(1).map(|p| &toks[p].tok);
        let after_sep = matches!(prev, Some(Tok::PathSep));
        match &toks[i].tok {
            Tok::Ident(s) if s == "use" && !after_sep => {
                i += 1;
                tree(toks, &mut i, &[], true, &mut out);
            }
            Tok::Ident(_) if !after_sep => tree(toks, &mut i, &[], false, &mut out),
            // A leading `::` (`::std::fs`), not the `::` of `Vec::<T>` or `x::y`.
            Tok::PathSep if !matches!(prev, Some(Tok::Ident(_)) | Some(Tok::Punct('>'))) => {
                tree(toks, &mut i, &[], false, &mut out)
            }
            _ => i += 1,
        }
    }
    out
}

/// A finding inside one file: its line and what was found there.
pub type Hit = (usize, String);

/// Uses of clap: any `clap::` path or `use clap`, and clap's helper attributes
/// (`#[arg(…)]`, `#[command(…)]`, `#[clap(…)]`, `#[value(…)]`, `#[group(…)]`).
pub fn clap_uses(src: &str) -> Vec<Hit> {
    let toks = lex(src);
    let mut hits: Vec<Hit> = paths_of(&toks)
        .into_iter()
        .filter(|p| p.segs[0] == "clap" && (p.segs.len() > 1 || p.in_use))
        .map(|p| (p.line, p.to_string()))
        .collect();
    for (k, t) in toks.iter().enumerate() {
        if t.tok != Tok::Punct('#') {
            continue;
        }
        let mut j = k + 1;
        if is(toks.get(j), Tok::Punct('!')) {
            j += 1;
        }
        let helper = ident(toks.get(j + 1));
        if is(toks.get(j), Tok::Punct('['))
            && matches!(helper, Some("arg" | "command" | "clap" | "value" | "group"))
            && is(toks.get(j + 2), Tok::Punct('('))
        {
            hits.push((t.line, format!("#[{}(…)]", helper.unwrap_or_default())));
        }
    }
    hits.sort();
    hits.dedup();
    hits
}

/// File-system access: `std::fs` (also through `use std::{fs, …}`), `fs::…` after importing it,
/// `File::create` / `File::open` / `File::options`, and `OpenOptions`.
pub fn fs_uses(src: &str) -> Vec<Hit> {
    let mut hits: Vec<Hit> = paths(src)
        .into_iter()
        .filter(|p| {
            let file_call = p
                .segs
                .windows(2)
                .any(|w| w[0] == "File" && matches!(w[1].as_str(), "create" | "open" | "options"));
            p.starts_with(&["std", "fs"])
                || (p.segs[0] == "fs" && p.segs.len() > 1)
                || file_call
                || p.segs.iter().any(|s| s == "OpenOptions")
        })
        .map(|p| (p.line, p.to_string()))
        .collect();
    hits.dedup();
    hits
}

/// Uses of ONNX Runtime: any `ort::` path or `use ort`.
pub fn ort_uses(src: &str) -> Vec<Hit> {
    paths(src)
        .into_iter()
        .filter(|p| p.segs[0] == "ort" && (p.segs.len() > 1 || p.in_use))
        .map(|p| (p.line, p.to_string()))
        .collect()
}

/// Imports of the command-line module: `crate::cli…` or `tonebench::cli…`.
pub fn cli_imports(src: &str) -> Vec<Hit> {
    paths(src)
        .into_iter()
        .filter(|p| p.starts_with(&["crate", "cli"]) || p.starts_with(&["tonebench", "cli"]))
        .map(|p| (p.line, p.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(src: &str) -> Vec<String> {
        paths(src)
            .into_iter()
            .filter(|p| p.segs.len() > 1)
            .map(|p| p.segs.join("::"))
            .collect()
    }

    #[test]
    fn comments_and_strings_name_no_paths() {
        let src = r####"
            // crate::a::X
            //! crate::b::X
            /// crate::c::X
            /* crate::d::X /* nested crate::e */ crate::f */
            let s = "crate::g::X";
            let r = r#"crate::h::X "quoted" "#;
            let b = b"crate::i";
            let ch = '"';
            fn f<'a>(x: &'a str) -> char { '\'' }
            let real = crate::real::X;
        "####;
        assert_eq!(segs(src), ["crate::real::X"]);
    }

    #[test]
    fn grouped_multi_line_use_is_expanded_per_leaf_with_its_line() {
        let src = "use crate::{\n    a::X,\n    b::{self, Y as Z},\n    c::*,\n};\nfn f() {}";
        let got: Vec<(String, usize)> = paths(src)
            .into_iter()
            .filter(|p| p.in_use)
            .map(|p| (p.segs.join("::"), p.line))
            .collect();
        let want = [
            ("crate::a::X", 2),
            ("crate::b", 3),
            ("crate::b::Y", 3),
            ("crate::c::*", 4),
        ];
        let want: Vec<(String, usize)> = want.iter().map(|(s, l)| (s.to_string(), *l)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn inline_paths_are_found_in_code() {
        let src = "fn f() -> Vec<crate::a::X> { crate::b::make::<u8>(::std::fs::read(p)) }";
        assert_eq!(
            segs(src),
            ["crate::a::X", "crate::b::make", "std::fs::read"]
        );
    }

    #[test]
    fn clap_in_a_doc_comment_is_not_flagged_but_a_derive_is() {
        let doc = "/// Parsed with `clap::Args`, see #[arg(long)].\npub struct Plan;";
        assert!(clap_uses(doc).is_empty());
        let derive = "/// Args.\n#[derive(Debug, clap::Args)]\npub struct A {\n    #[arg(long)]\n    x: u8,\n}";
        assert_eq!(
            clap_uses(derive),
            [(2, "clap::Args".into()), (4, "#[arg(…)]".into())]
        );
        assert_eq!(clap_uses("use clap::{Args, Parser};").len(), 2);
        assert_eq!(clap_uses("let s = \"clap::Args\";"), []);
    }

    #[test]
    fn fs_is_found_however_it_is_imported() {
        assert_eq!(fs_uses("use std::{fs, io};").len(), 1);
        assert_eq!(fs_uses("fn f() { fs::write(p, b) }").len(), 1);
        assert_eq!(fs_uses("fn f() { std::fs::write(p, b) }").len(), 1);
        assert_eq!(fs_uses("fn f() { File::create(p) }").len(), 1);
        assert_eq!(fs_uses("fn f() { OpenOptions::new() }").len(), 1);
        assert!(fs_uses("/// std::fs::write\nfn f() -> String { format!(\"fs::x\") }").is_empty());
    }

    #[test]
    fn ort_and_cli_paths() {
        assert_eq!(ort_uses("use ort::session::Session;").len(), 1);
        assert!(ort_uses("use crate::infer::ort_error;").is_empty());
        assert_eq!(cli_imports("let d = crate::cli::out_dir(a, b);").len(), 1);
        assert_eq!(cli_imports("use crate::{cli::X, run};").len(), 1);
        assert!(cli_imports("use crate::client::X;").is_empty());
    }
}
