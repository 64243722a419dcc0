//! The key rule of MLflow 3.17.2, measured against its server: a metric, param or tag key may hold
//! only ASCII letters, digits, `_`, `-`, `.`, `:`, `/` and space, must be a normalized relative
//! path (no empty, `.` or `..` segment, no leading or trailing `/`) and at most 250 characters;
//! one bad key rejects a whole `log-batch`. Label, cohort, partition, condition and model names
//! are free text, so they are cleaned here by one documented rule (docs/DESIGN.md, "MLflow").

use std::collections::BTreeMap;

/// MLflow's longest key (`MAX_ENTITY_KEY_LENGTH`).
pub const MAX_KEY: usize = 250;

/// One name made safe as a single segment of a key: every character other than an ASCII letter,
/// digit, `_`, `-`, `.`, `:` or space becomes `_` (so a `/` inside a name never makes a new
/// segment), and a segment that is empty, `.` or `..` becomes `_`.
pub fn segment(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match cleaned.as_str() {
        "" | "." | ".." => "_".repeat(cleaned.len().max(1)),
        _ => cleaned,
    }
}

/// A key from fixed parts (tonebench's own, already safe) and cleaned names, joined with `/`.
pub fn key(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| segment(p))
        .collect::<Vec<_>>()
        .join("/")
}

/// The keys of one MLflow run: two different names that clean to the same key get `_2`, `_3`, …
/// in the order they are added, so no value overwrites another. A key longer than [`MAX_KEY`] is
/// cut to fit before the suffix is chosen.
#[derive(Debug, Default, Clone)]
pub struct KeySet {
    taken: BTreeMap<String, String>,
}

impl KeySet {
    /// The key of `parts` (fixed parts and names, cleaned by [`key`]).
    pub fn claim(&mut self, parts: &[&str]) -> String {
        let original = parts.join("/");
        let base = truncate(&key(parts), MAX_KEY);
        let mut candidate = base.clone();
        let mut n = 1;
        loop {
            match self.taken.get(&candidate) {
                None => {
                    self.taken.insert(candidate.clone(), original);
                    return candidate;
                }
                Some(o) if *o == original => return candidate,
                Some(_) => {
                    n += 1;
                    let suffix = format!("_{n}");
                    candidate = format!("{}{suffix}", truncate(&base, MAX_KEY - suffix.len()));
                }
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    // Keys are ASCII after cleaning, so a byte cut is a character cut.
    let mut t = s[..s.len().min(max)].to_string();
    while t.ends_with('/') {
        t.pop();
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_mlflow_rejects_are_cleaned() {
        assert_eq!(segment("a=b,c+d(e|f@g"), "a_b_c_d_e_f_g");
        assert_eq!(segment("young/female"), "young_female");
        assert_eq!(segment("négatif"), "n_gatif");
        assert_eq!(segment("ok name-1.2:3_x"), "ok name-1.2:3_x");
        assert_eq!(segment(""), "_");
        assert_eq!(segment(".."), "__");
        assert_eq!(key(&["cohort", "age+sex", "f/30"]), "cohort/age_sex/f_30");
    }

    #[test]
    fn colliding_names_get_suffixes_and_long_keys_fit() {
        let mut k = KeySet::default();
        assert_eq!(k.claim(&["per_class", "a+b", "f1"]), "per_class/a_b/f1");
        assert_eq!(k.claim(&["per_class", "a=b", "f1"]), "per_class/a_b/f1_2");
        assert_eq!(k.claim(&["per_class", "a+b", "f1"]), "per_class/a_b/f1");
        let long = "x".repeat(400);
        assert_eq!(k.claim(&[&long]).len(), MAX_KEY);
    }
}
