//! Candidate models paired item by item with a baseline's, whole or within a cohort.

use std::collections::BTreeSet;

use tonebench_core::paired::{self, ItemPred};

use super::{Comparison, GateError};
use crate::input::gate_file::CohortSel;
use crate::store::predictions::cohort_column;

/// Candidate models paired item by item with the baseline's, whole or within a cohort; each
/// pairing and cohort is computed once.
pub(super) struct Pairings<'a> {
    pub(super) cmp: &'a Comparison,
    pub(super) labels: Vec<String>,
    /// The models an entry without its own `models` applies to.
    pub(super) models: Vec<String>,
    pub(super) pairs: Vec<(String, Result<paired::Paired, String>)>,
    pub(super) members: Vec<(String, BTreeSet<String>)>,
}

impl Pairings<'_> {
    pub(super) fn models(&self, entry: &Option<Vec<String>>) -> Vec<String> {
        entry.clone().unwrap_or_else(|| self.models.clone())
    }

    /// Pairs candidate model `m` with the baseline's model of the same name, or with the
    /// baseline's only model; `Err(why)` (an unevaluated verdict) when either has none.
    fn whole(&mut self, m: &str) -> Result<Result<paired::Paired, String>, GateError> {
        if let Some((_, p)) = self.pairs.iter().find(|(n, _)| n == m) {
            return Ok(p.clone());
        }
        let (c_preds, b_preds) = (&self.cmp.candidate_preds, &self.cmp.baseline_preds);
        let name = &self.cmp.baseline;
        let p = match (c_preds.get(m), self.baseline_of(m)) {
            (None, _) => Err(format!(
                "{} has no predictions for model \"{m}\" (it has {})",
                self.cmp.candidate_path.display(),
                c_preds.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            (Some(_), None) => Err(format!(
                "baseline {name} has no model \"{m}\" (it has {})",
                b_preds.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
            (Some(c), Some(base)) => Ok(paired::pair(&self.labels, c, base)
                .map_err(|e| GateError::Pairing(format!("model {m} vs baseline {name}: {e}")))?),
        };
        self.pairs.push((m.to_string(), p.clone()));
        Ok(p)
    }

    fn baseline_of(&self, m: &str) -> Option<&Vec<ItemPred>> {
        let b = &self.cmp.baseline_preds;
        b.get(m).or(if b.len() == 1 {
            b.values().next()
        } else {
            None
        })
    }

    /// The pairing of `m`, restricted to a cohort when one is given: the full pairing is checked
    /// first (same items, same labels), then both sides are filtered to the cohort's ids and
    /// paired again.
    pub(super) fn pairing(
        &mut self,
        m: &str,
        sel: Option<&CohortSel>,
    ) -> Result<Result<paired::Paired, String>, GateError> {
        let full = match self.whole(m)? {
            Ok(p) => p,
            Err(why) => return Ok(Err(why)),
        };
        let Some(sel) = sel else {
            return Ok(Ok(full));
        };
        let ids = self.members(sel)?;
        let keep = |v: &[ItemPred]| -> Vec<ItemPred> {
            v.iter().filter(|i| ids.contains(&i.id)).cloned().collect()
        };
        let c = keep(&self.cmp.candidate_preds[m]);
        let base = keep(self.baseline_of(m).expect("paired above"));
        paired::pair(&self.labels, &c, &base).map(Ok).map_err(|e| {
            GateError::Pairing(format!(
                "model {m} vs baseline {}, cohort {}: {e}",
                self.cmp.baseline,
                sel.text()
            ))
        })
    }

    /// The item ids of a cohort, from the candidate's predictions.
    fn members(&mut self, sel: &CohortSel) -> Result<BTreeSet<String>, GateError> {
        let key = sel.text();
        if let Some((_, m)) = self.members.iter().find(|(k, _)| *k == key) {
            return Ok(m.clone());
        }
        let values = self
            .cmp
            .cohorts
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.as_ref())
            .ok_or_else(|| {
                GateError::Cohort(format!(
                    "{}: cohort \"{key}\": {} has no column \"{}\" and {} beside it no partition \"{}\" (cohorts are speaker, a suite metadata column, or an embedding partition of the run)",
                    sel.at,
                    self.cmp.candidate_path.display(),
                    cohort_column(&sel.partition),
                    crate::store::COHORTS_CSV,
                    sel.partition
                ))
            })?;
        let set: BTreeSet<String> = values
            .iter()
            .filter(|(_, v)| v.as_deref() == Some(sel.value.as_str()))
            .map(|(id, _)| id.clone())
            .collect();
        if set.is_empty() {
            let known: BTreeSet<&str> = values.values().filter_map(|v| v.as_deref()).collect();
            let mut shown: Vec<String> =
                known.iter().take(10).map(|v| format!("\"{v}\"")).collect();
            if known.len() > 10 {
                shown.push(format!("and {} more", known.len() - 10));
            }
            return Err(GateError::Cohort(format!(
                "{}: cohort \"{key}\": no item has {} \"{}\" (values: {})",
                sel.at,
                sel.partition,
                sel.value,
                if shown.is_empty() {
                    "none".to_string()
                } else {
                    shown.join(", ")
                }
            )));
        }
        self.members.push((key, set.clone()));
        Ok(set)
    }
}
