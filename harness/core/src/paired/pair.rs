//! Pairing: candidate and baseline must have scored the same items with the same labels.

/// One scored item of one model: its id, true label and predicted label.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemPred {
    pub id: String,
    pub label: String,
    pub pred: String,
    /// The model's probabilities in label order (predictions.parquet's `p_<label>`), if any.
    pub probs: Option<Vec<f64>>,
}

/// Candidate and baseline predictions on the same items, as label indices in baseline item order.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    pub labels: Vec<String>,
    pub truth: Vec<usize>,
    pub candidate: Vec<usize>,
    pub baseline: Vec<usize>,
    /// `k` probabilities per item in baseline item order, when every item of that side has them.
    pub candidate_probs: Option<Vec<f64>>,
    pub baseline_probs: Option<Vec<f64>>,
}

/// Why candidate and baseline cannot be compared item by item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairingError {
    #[error("{side} lists item \"{id}\" twice")]
    DuplicateId { side: &'static str, id: String },
    #[error("{side} item \"{id}\": {what} \"{value}\" is not one of {labels}")]
    UnknownLabel {
        side: &'static str,
        id: String,
        what: &'static str,
        value: String,
        labels: String,
    },
    #[error("the candidate was not scored on the baseline's items: {0}")]
    Differ(ItemDiff),
}

/// How two item lists differ.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ItemDiff {
    /// Baseline ids the candidate lacks.
    pub missing: Vec<String>,
    /// Candidate ids the baseline lacks.
    pub extra: Vec<String>,
    /// (id, candidate label, baseline label) for ids whose true label differs.
    pub relabeled: Vec<(String, String, String)>,
}

const SHOWN: usize = 5;

fn first<T: std::fmt::Display>(v: &[T]) -> String {
    let mut s: Vec<String> = v.iter().take(SHOWN).map(|x| x.to_string()).collect();
    if v.len() > SHOWN {
        s.push("…".into());
    }
    s.join(", ")
}

impl std::fmt::Display for ItemDiff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.missing.is_empty() {
            parts.push(format!(
                "{} baseline item(s) missing from the candidate (first: {})",
                self.missing.len(),
                first(&self.missing)
            ));
        }
        if !self.extra.is_empty() {
            parts.push(format!(
                "{} candidate item(s) not in the baseline (first: {})",
                self.extra.len(),
                first(&self.extra)
            ));
        }
        if !self.relabeled.is_empty() {
            let shown: Vec<String> = self
                .relabeled
                .iter()
                .map(|(id, c, b)| format!("{id}: candidate {c}, baseline {b}"))
                .collect();
            parts.push(format!(
                "{} item(s) with a different true label (first: {})",
                self.relabeled.len(),
                first(&shown)
            ));
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// Checks that candidate and baseline scored the same items with the same labels and returns
/// them as index vectors in baseline order.
pub fn pair(
    labels: &[String],
    candidate: &[ItemPred],
    baseline: &[ItemPred],
) -> Result<Paired, PairingError> {
    use std::collections::BTreeMap;
    let index = |side: &'static str, id: &str, what: &'static str, v: &str| {
        labels
            .iter()
            .position(|l| l == v)
            .ok_or_else(|| PairingError::UnknownLabel {
                side,
                id: id.into(),
                what,
                value: v.into(),
                labels: labels.join(", "),
            })
    };
    let mut cand: BTreeMap<&str, &ItemPred> = BTreeMap::new();
    for it in candidate {
        if cand.insert(&it.id, it).is_some() {
            return Err(PairingError::DuplicateId {
                side: "candidate",
                id: it.id.clone(),
            });
        }
    }
    let mut seen: BTreeMap<&str, ()> = BTreeMap::new();
    let mut diff = ItemDiff::default();
    for b in baseline {
        if seen.insert(&b.id, ()).is_some() {
            return Err(PairingError::DuplicateId {
                side: "baseline",
                id: b.id.clone(),
            });
        }
        match cand.get(b.id.as_str()) {
            None => diff.missing.push(b.id.clone()),
            Some(c) if c.label != b.label => {
                diff.relabeled
                    .push((b.id.clone(), c.label.clone(), b.label.clone()))
            }
            Some(_) => {}
        }
    }
    diff.extra = candidate
        .iter()
        .filter(|c| !seen.contains_key(c.id.as_str()))
        .map(|c| c.id.clone())
        .collect();
    if diff != ItemDiff::default() {
        return Err(PairingError::Differ(diff));
    }
    let mut p = Paired {
        labels: labels.to_vec(),
        truth: Vec::with_capacity(baseline.len()),
        candidate: Vec::with_capacity(baseline.len()),
        baseline: Vec::with_capacity(baseline.len()),
        candidate_probs: None,
        baseline_probs: None,
    };
    let k = labels.len();
    let (mut c_probs, mut b_probs) = (Some(Vec::new()), Some(Vec::new()));
    let add = |acc: &mut Option<Vec<f64>>, probs: &Option<Vec<f64>>| match (acc.as_mut(), probs) {
        (Some(v), Some(p)) if p.len() == k => v.extend_from_slice(p),
        _ => *acc = None,
    };
    for b in baseline {
        add(&mut b_probs, &b.probs);
        add(&mut c_probs, &cand[b.id.as_str()].probs);
    }
    p.candidate_probs = c_probs;
    p.baseline_probs = b_probs;
    for b in baseline {
        let c = cand[b.id.as_str()];
        p.truth.push(index("baseline", &b.id, "label", &b.label)?);
        p.baseline
            .push(index("baseline", &b.id, "prediction", &b.pred)?);
        p.candidate
            .push(index("candidate", &c.id, "prediction", &c.pred)?);
    }
    Ok(p)
}
