//! The module graph of one crate and its cycles. Nodes are the crate's top-level modules (the
//! first segment after `crate::`); an edge `a → b` is a `crate::b…` path (a `use` or an inline
//! path in code) in a file of module `a`. `super::` and `self::` paths are not followed: they
//! stay inside the file's own module.

use std::collections::{BTreeMap, BTreeSet};

use crate::scan::{self, Tok};

/// Where an edge was first seen, and the path that made it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct At {
    pub file: String,
    pub line: usize,
    pub path: String,
}

/// `from → to → where`; the first place (in file order) an edge was seen is kept.
pub type Graph = BTreeMap<String, BTreeMap<String, At>>;

/// What the crate root (lib.rs) declares: its top-level modules, and the root re-exports
/// (`pub use confusion::Confusion;`) with the module each one comes from.
#[derive(Debug, Default)]
pub struct Root {
    pub modules: BTreeSet<String>,
    pub reexports: BTreeMap<String, String>,
}

impl Root {
    pub fn parse(lib_src: &str) -> Root {
        let toks = scan::lex(lib_src);
        let modules: BTreeSet<String> = toks
            .windows(2)
            .filter(|w| w[0].tok == Tok::Ident("mod".into()))
            .filter_map(|w| match &w[1].tok {
                Tok::Ident(name) => Some(name.clone()),
                _ => None,
            })
            .collect();
        let mut reexports = BTreeMap::new();
        for p in scan::paths_of(&toks).into_iter().filter(|p| p.in_use) {
            let segs: Vec<&String> = p
                .segs
                .iter()
                .skip_while(|s| *s == "crate" || *s == "self")
                .collect();
            if segs.len() >= 2 && modules.contains(segs[0]) {
                reexports.insert(segs[segs.len() - 1].clone(), segs[0].clone());
            }
        }
        Root { modules, reexports }
    }

    /// The module a name right after `crate::` stands for, if any.
    fn module(&self, name: &str) -> Option<String> {
        if self.modules.contains(name) {
            Some(name.to_string())
        } else {
            self.reexports.get(name).cloned()
        }
    }
}

/// The top-level module a file belongs to, from its path relative to the crate's `src/`:
/// `app/run.rs`, `app/mod.rs` and `app.rs` → `app`; `lib.rs` and `main.rs` (the roots) → none.
pub fn module_of_file(rel: &str) -> Option<String> {
    if rel == "lib.rs" || rel == "main.rs" {
        return None;
    }
    let first = rel.split('/').next()?;
    Some(first.strip_suffix(".rs").unwrap_or(first).to_string())
}

/// Adds the edges of one file (`file` is how it is named in messages) of module `from`.
pub fn add_file(graph: &mut Graph, root: &Root, file: &str, from: &str, src: &str) {
    for p in scan::paths(src) {
        if p.segs.len() < 2 || p.segs[0] != "crate" {
            continue;
        }
        let Some(to) = root.module(&p.segs[1]) else {
            continue;
        };
        if to == from {
            continue;
        }
        let at = At {
            file: file.to_string(),
            line: p.line,
            path: p.to_string(),
        };
        let slot = graph
            .entry(from.to_string())
            .or_default()
            .entry(to)
            .or_insert(at.clone());
        if at < *slot {
            *slot = at;
        }
    }
}

/// Every elementary cycle of the graph (at most `cap` of them), each listed once, starting at
/// its smallest module: `[a, b, c]` means a → b → c → a.
pub fn cycles(graph: &Graph, cap: usize) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = graph
        .keys()
        .chain(graph.values().flat_map(|m| m.keys()))
        .collect();
    let mut out = Vec::new();
    for &start in &nodes {
        // Only modules >= start, and only those that can get back to start.
        let mut back: BTreeSet<&String> = BTreeSet::from([start]);
        let mut grew = true;
        while grew {
            grew = false;
            for &n in &nodes {
                if n > start && !back.contains(n) && succ(graph, n).any(|m| back.contains(m)) {
                    back.insert(n);
                    grew = true;
                }
            }
        }
        let mut path = vec![start.clone()];
        walk(graph, &back, start, &mut path, &mut out, cap);
        if out.len() >= cap {
            break;
        }
    }
    out
}

fn succ<'g>(graph: &'g Graph, n: &str) -> impl Iterator<Item = &'g String> {
    graph.get(n).into_iter().flat_map(|m| m.keys())
}

fn walk(
    graph: &Graph,
    allowed: &BTreeSet<&String>,
    start: &String,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
    cap: usize,
) {
    let last = path.last().cloned().unwrap_or_default();
    for next in succ(graph, &last) {
        if out.len() >= cap {
            return;
        }
        if next == start {
            out.push(path.clone());
        } else if allowed.contains(next) && !path.contains(next) {
            path.push(next.clone());
            walk(graph, allowed, start, path, out, cap);
            path.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(root: &Root, files: &[(&str, &str)]) -> Graph {
        let mut g = Graph::new();
        for (rel, src) in files {
            let from = module_of_file(rel).unwrap();
            add_file(&mut g, root, rel, &from, src);
        }
        g
    }

    fn root(lib: &str) -> Root {
        Root::parse(lib)
    }

    #[test]
    fn a_file_belongs_to_the_module_its_path_starts_with() {
        assert_eq!(module_of_file("cli.rs").as_deref(), Some("cli"));
        assert_eq!(module_of_file("cli/run.rs").as_deref(), Some("cli"));
        assert_eq!(module_of_file("app/run/journal.rs").as_deref(), Some("app"));
        assert_eq!(module_of_file("lib.rs"), None);
        assert_eq!(module_of_file("main.rs"), None);
    }

    #[test]
    fn a_two_module_cycle_is_found_with_one_edge_per_hop() {
        let r = root("pub mod a;\npub mod b;\n");
        let g = graph(
            &r,
            &[
                ("a.rs", "use crate::b::X;\n"),
                ("b/c.rs", "\nfn f() { crate::a::g() }"),
            ],
        );
        assert_eq!(cycles(&g, 10), [["a", "b"]]);
        assert_eq!(g["a"]["b"].line, 1);
        assert_eq!((g["b"]["a"].file.as_str(), g["b"]["a"].line), ("b/c.rs", 2));
    }

    #[test]
    fn a_comment_or_a_string_makes_no_edge() {
        let r = root("mod a;\nmod x;\n");
        let src =
            "//! see crate::x::Y\n/// crate::x::Y\n// crate::x\nconst S: &str = \"crate::x\";";
        assert!(graph(&r, &[("a.rs", src)]).is_empty());
    }

    #[test]
    fn a_grouped_multi_line_use_makes_an_edge_per_module() {
        let r = root("mod a;\nmod b;\nmod c;\n");
        let src = "use crate::{\n    b::X,\n    c::{self, Y},\n};\n";
        let g = graph(&r, &[("a/mod.rs", src)]);
        assert_eq!(g["a"].keys().collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(g["a"]["c"].line, 3);
    }

    #[test]
    fn super_and_own_module_paths_make_no_edge_and_reexports_map_to_their_module() {
        let r = root("pub mod a;\npub mod b;\npub use b::Thing;\n");
        let g = graph(
            &r,
            &[(
                "a/x.rs",
                "use super::y::Z;\nuse crate::a::W;\nuse crate::Thing;",
            )],
        );
        assert_eq!(g["a"].keys().collect::<Vec<_>>(), ["b"]);
    }

    #[test]
    fn longer_cycles_and_acyclic_graphs() {
        let r = root("mod a; mod b; mod c; mod d;");
        let files = [
            ("a.rs", "use crate::b::X;"),
            ("b.rs", "use crate::c::X;"),
            ("c.rs", "use crate::{a::X, d::Y};"),
        ];
        assert_eq!(cycles(&graph(&r, &files), 10), [["a", "b", "c"]]);
        assert!(cycles(&graph(&r, &files[..2]), 10).is_empty());
    }
}
