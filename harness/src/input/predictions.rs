//! External predictions, version 1 (DESIGN.md): a table with `id`, `pred`, optional
//! `p_<label>` probabilities and optional `latency_ms`, joined to a suite by id.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::input::suite::{list_problems, Problem, Suite};
use crate::input::table::{Table, TableError};

/// How far probabilities may sum from 1.
pub const PROB_SUM_TOLERANCE: f64 = tonebench_core::probability::SUM_TOLERANCE;

/// Predictions aligned to a suite's items.
#[derive(Debug, Clone)]
pub struct Predictions {
    pub path: PathBuf,
    pub sha256: String,
    /// Predicted label index per suite item.
    pub pred: Vec<usize>,
    /// Probabilities per item in label order (`k` values per item), when the table has them.
    pub probs: Option<Vec<f64>>,
    pub latency_ms: Option<Vec<Option<f64>>>,
    /// Items whose `pred` is not the label with the highest probability.
    pub pred_not_argmax: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PredictionsError {
    #[error("predictions {0}")]
    Table(TableError),
    #[error("predictions {file}: {message}")]
    Invalid { file: String, message: String },
    #[error("predictions {file}: {n} problem{s}: {list}", n = problems.len(), s = if problems.len() == 1 { "" } else { "s" }, list = list_problems(problems))]
    Rows {
        file: String,
        problems: Vec<Problem>,
    },
}

impl crate::error::HasKind for PredictionsError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

// Not `#[from]`: the message already includes the inner error, which must not also be its
// `source` (the CLI prints the whole chain).
impl From<TableError> for PredictionsError {
    fn from(e: TableError) -> Self {
        PredictionsError::Table(e)
    }
}

fn non_empty(cell: Option<&str>) -> Option<&str> {
    cell.filter(|s| !s.is_empty())
}

/// Up to five ids for a message, then how many more.
fn first_ids<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> String {
    let n = ids.len();
    let mut s = ids
        .take(5)
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    if n > 5 {
        s.push_str(&format!(" and {} more", n - 5));
    }
    s
}

impl Predictions {
    /// Reads a predictions table and joins it to `suite` by id.
    pub fn load(path: &Path, suite: &Suite) -> Result<Predictions, PredictionsError> {
        let mut table = Table::read(path)?;
        let file = table.file_name();
        let invalid = |message: String| PredictionsError::Invalid {
            file: file.clone(),
            message,
        };
        for col in ["id", "pred"] {
            if !table.has_column(col) {
                return Err(invalid(format!(
                    "no {col:?} column (columns: {}); external predictions need id and pred",
                    tonebench_core::text::listing(table.columns())
                )));
            }
        }
        let labels = &suite.labels;
        let k = labels.len();
        let mut prob_cols = Vec::new();
        for c in table.columns() {
            if let Some(name) = c.strip_prefix("p_") {
                if labels.index(name).is_none() {
                    return Err(invalid(format!(
                        "probability column {c:?} names no label of the suite ({})",
                        labels.listing()
                    )));
                }
                prob_cols.push(c.clone());
            }
        }
        if !prob_cols.is_empty() && prob_cols.len() != k {
            let missing: Vec<String> = labels
                .names()
                .iter()
                .map(|l| format!("p_{l}"))
                .filter(|c| !prob_cols.contains(c))
                .collect();
            return Err(invalid(format!(
                "probability columns are incomplete: missing {}",
                tonebench_core::text::listing(&missing)
            )));
        }

        // Cells borrowed from the table's text columns: no String per row.
        let (id_col, pred_col) = (table.text("id")?, table.text("pred")?);
        let ids: Vec<Option<&str>> = id_col.iter().map(non_empty).collect();
        let preds: Vec<Option<&str>> = pred_col.iter().map(non_empty).collect();
        let probs_in: Vec<Vec<Option<f64>>> = labels
            .names()
            .iter()
            .filter(|_| !prob_cols.is_empty())
            .map(|l| table.floats(&format!("p_{l}")))
            .collect::<Result<_, _>>()?;
        let latency_in = if table.has_column("latency_ms") {
            Some(table.floats("latency_ms")?)
        } else {
            None
        };
        table.release_data();

        let index = suite.index_by_id();
        let dropped: HashSet<&str> = suite.dropped.iter().map(String::as_str).collect();
        let label_map = &suite.label_map;
        let n = suite.items.len();
        let mut pred = vec![usize::MAX; n];
        let mut probs = (!prob_cols.is_empty()).then(|| vec![0.0; n * k]);
        let mut latency = latency_in.as_ref().map(|_| vec![None; n]);
        let mut seen_row: Vec<Option<usize>> = vec![None; n];
        let mut unknown: Vec<&str> = Vec::new();
        let mut problems = Vec::new();
        for row in 0..ids.len() {
            let at = table.origin(row);
            let Some(id) = ids[row] else {
                problems.push(Problem {
                    at: Some(at),
                    id: None,
                    message: "empty id".into(),
                });
                continue;
            };
            let problem = |message: String| Problem {
                at: Some(at),
                id: Some(id.to_owned()),
                message,
            };
            let Some(&item) = index.get(id) else {
                if !dropped.contains(id) {
                    unknown.push(id);
                }
                continue;
            };
            if let Some(first) = seen_row[item] {
                problems.push(problem(format!(
                    "duplicate prediction (first at {})",
                    table.origin(first)
                )));
                continue;
            }
            seen_row[item] = Some(row);
            let Some(p) = preds[row] else {
                problems.push(problem("empty pred".into()));
                continue;
            };
            let mapped = labels
                .index(p)
                .or_else(|| label_map.get(p).and_then(|m| labels.index(m)));
            let Some(p_idx) = mapped else {
                problems.push(problem(format!(
                    "predicted label {p:?} is not one of {}",
                    labels.listing()
                )));
                continue;
            };
            pred[item] = p_idx;
            if let Some(probs) = probs.as_mut() {
                let mut sum = 0.0;
                for (c, col) in probs_in.iter().enumerate() {
                    let name = labels.name(c);
                    match col[row] {
                        None => problems.push(problem(format!("p_{name} is empty"))),
                        Some(v) if v.is_nan() => problems.push(problem(format!("p_{name} is NaN"))),
                        Some(v) if !(0.0..=1.0).contains(&v) => {
                            problems.push(problem(format!("p_{name} = {v} is outside [0, 1]")))
                        }
                        Some(v) => {
                            probs[item * k + c] = v;
                            sum += v;
                        }
                    }
                }
                if (sum - 1.0).abs() > PROB_SUM_TOLERANCE
                    && probs_in
                        .iter()
                        .all(|c| c[row].is_some_and(|v| (0.0..=1.0).contains(&v)))
                {
                    problems.push(problem(format!(
                        "probabilities sum to {sum}, not 1 (tolerance {PROB_SUM_TOLERANCE})"
                    )));
                }
            }
            if let (Some(out), Some(inp)) = (latency.as_mut(), latency_in.as_ref()) {
                match inp[row] {
                    Some(v) if !v.is_finite() || v < 0.0 => {
                        problems.push(problem(format!("latency_ms = {v} is not a duration")))
                    }
                    v => out[item] = v,
                }
            }
        }
        if !unknown.is_empty() {
            return Err(invalid(format!(
                "{} id{} not in suite \"{}\": {}",
                unknown.len(),
                if unknown.len() == 1 { " is" } else { "s are" },
                suite.name,
                first_ids(unknown.iter().copied())
            )));
        }
        let missing: Vec<&str> = suite
            .items
            .iter()
            .zip(&seen_row)
            .filter(|(_, s)| s.is_none())
            .map(|(it, _)| it.id.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(invalid(format!(
                "no prediction for {} of {} suite items: {}",
                missing.len(),
                n,
                first_ids(missing.iter().copied())
            )));
        }
        if !problems.is_empty() {
            return Err(PredictionsError::Rows { file, problems });
        }
        let pred_not_argmax = probs.as_ref().map_or(0, |p| {
            pred.iter()
                .enumerate()
                .filter(|&(i, &c)| {
                    let row = &p[i * k..(i + 1) * k];
                    row.iter().any(|&v| v > row[c])
                })
                .count()
        });
        Ok(Predictions {
            pred_not_argmax,
            path: path.to_owned(),
            sha256: table.sha256().to_owned(),
            pred,
            probs,
            latency_ms: latency,
        })
    }
}
