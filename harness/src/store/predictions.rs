//! predictions.parquet: every model's per-item predictions, written by a run and read back by
//! gates, baselines and `compare`.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use indexmap::IndexMap;
use polars::prelude::*;
use tonebench_core::paired::ItemPred;

use super::report::ReadError;
use super::StoreError;
use crate::input::suite::Suite;
use crate::input::table::Table;
use crate::runs::ModelRun;

/// Prefix of the predictions.parquet columns that carry suite metadata columns.
pub const META_PREFIX: &str = "meta_";

/// The predictions.parquet column holding a cohort partition: `speaker`, or `meta_<PARTITION>`
/// for a suite metadata column.
pub fn cohort_column(partition: &str) -> String {
    if partition == "speaker" {
        "speaker".into()
    } else {
        format!("{META_PREFIX}{partition}")
    }
}

/// Rows per row group of predictions.parquet, and per frame assembled while writing it
/// (polars' default row group size).
pub const ROW_GROUP: usize = 512 * 512;

/// The predictions of every model, one row per item and model. Besides id, model, label, pred,
/// `p_<label>` and latency_ms it carries each item's cohort membership: `speaker` and one
/// `meta_<column>` per suite metadata column (nullable text), so that a baseline's stored
/// predictions can be restricted to a cohort (`cohort = "sex=female"` in a gate file).
pub fn predictions_frame(suite: &Suite, runs: &[ModelRun]) -> PolarsResult<DataFrame> {
    predictions_rows(suite, runs, 0..suite.items.len() * runs.len())
}

/// Rows `range` of [`predictions_frame`] (row `r` is item `r % items` of run `r / items`).
fn predictions_rows(
    suite: &Suite,
    runs: &[ModelRun],
    range: std::ops::Range<usize>,
) -> PolarsResult<DataFrame> {
    let labels = suite.labels.names();
    let k = labels.len();
    let n = suite.items.len().max(1);
    let rows = range.len();
    let mut id = Vec::with_capacity(rows);
    let mut model = Vec::with_capacity(rows);
    let mut truth = Vec::with_capacity(rows);
    let mut pred = Vec::with_capacity(rows);
    let mut probs: Vec<Vec<Option<f64>>> = vec![Vec::with_capacity(rows); k];
    let mut latency: Vec<Option<f64>> = Vec::with_capacity(rows);
    let mut speaker: Vec<Option<&str>> = Vec::with_capacity(rows);
    let mut meta: Vec<Vec<Option<&str>>> =
        vec![Vec::with_capacity(rows); suite.metadata_columns.len()];
    for r in range {
        let (run, i) = (&runs[r / n], r % n);
        let item = &suite.items[i];
        id.push(item.id.as_str());
        model.push(run.name.as_str());
        truth.push(labels[item.label].as_str());
        pred.push(run.pred[i].map(|p| labels[p].as_str()));
        for (c, col) in probs.iter_mut().enumerate() {
            col.push(run.probs.as_ref().map(|p| p[i * k + c]));
        }
        latency.push(run.latency_ms.as_ref().and_then(|l| l[i]));
        speaker.push(item.speaker.as_deref());
        for (c, col) in meta.iter_mut().enumerate() {
            col.push(item.meta.get(c).and_then(|v| v.as_deref()));
        }
    }
    let mut columns = vec![
        Column::new("id".into(), id),
        Column::new("model".into(), model),
        Column::new("label".into(), truth),
        Column::new("pred".into(), pred),
    ];
    for (c, col) in probs.into_iter().enumerate() {
        columns.push(Column::new(format!("p_{}", labels[c]).into(), col));
    }
    columns.push(Column::new("latency_ms".into(), latency));
    columns.push(Column::new("speaker".into(), speaker));
    for (name, col) in suite.metadata_columns.iter().zip(meta) {
        columns.push(Column::new(format!("{META_PREFIX}{name}").into(), col));
    }
    DataFrame::new_infer_height(columns)
}

/// Writes predictions.parquet one row group at a time: at most [`ROW_GROUP`] rows are ever
/// assembled as a frame, so the file costs memory independent of the number of items.
pub fn write_predictions(path: &Path, suite: &Suite, runs: &[ModelRun]) -> Result<(), StoreError> {
    let encode = |e: PolarsError| StoreError::Encode {
        path: path.to_owned(),
        message: format!("cannot assemble predictions: {e}"),
    };
    let total = suite.items.len() * runs.len();
    let first = predictions_rows(suite, runs, 0..total.min(ROW_GROUP)).map_err(encode)?;
    let tmp = super::temporary(path);
    let file = File::create(&tmp).map_err(|source| StoreError::Write {
        path: tmp.clone(),
        source,
    })?;
    let encoded = |e: PolarsError| StoreError::Encode {
        path: tmp.clone(),
        message: e.to_string(),
    };
    let mut writer = ParquetWriter::new(file)
        .batched(first.schema())
        .map_err(encoded)?;
    writer.write_batch(&first).map_err(encoded)?;
    drop(first);
    let mut start = ROW_GROUP;
    while start < total {
        let end = (start + ROW_GROUP).min(total);
        let df = predictions_rows(suite, runs, start..end).map_err(encode)?;
        writer.write_batch(&df).map_err(encoded)?;
        start = end;
    }
    writer.finish().map_err(encoded)?;
    drop(writer);
    std::fs::rename(&tmp, path).map_err(|source| StoreError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Writes a frame as Parquet through a temporary file renamed into place.
pub(super) fn write_parquet(path: &Path, df: &mut DataFrame) -> Result<(), StoreError> {
    let tmp = super::temporary(path);
    let file = File::create(&tmp).map_err(|source| StoreError::Write {
        path: tmp.clone(),
        source,
    })?;
    ParquetWriter::new(file)
        .finish(df)
        .map_err(|e| StoreError::Encode {
            path: tmp.clone(),
            message: e.to_string(),
        })?;
    std::fs::rename(&tmp, path).map_err(|source| StoreError::Write {
        path: path.to_owned(),
        source,
    })
}

/// A predictions.parquet read once, for its per-model predictions and its cohort columns.
pub struct PredictionsTable {
    table: Table,
}

impl PredictionsTable {
    /// Reads a predictions table with tonebench's table reader.
    pub fn read(path: &Path) -> Result<PredictionsTable, ReadError> {
        let table = Table::read(path).map_err(|e| ReadError::Predictions {
            path: path.display().to_string(),
            what: crate::input::table::one_line(&e.to_string()),
        })?;
        Ok(PredictionsTable { table })
    }

    /// One text column.
    fn text_column(&self, name: &str) -> Result<Vec<Option<String>>, ReadError> {
        let bad = |what: String| ReadError::Predictions {
            path: self.table.path().display().to_string(),
            what,
        };
        if !self.table.has_column(name) {
            return Err(bad(format!("no column \"{name}\"")));
        }
        self.table
            .strings(name)
            .map_err(|e| bad(crate::input::table::one_line(&e.to_string())))
    }

    /// The labels of the `p_<label>` probability columns, in file order (tonebench writes them
    /// in the suite's label order).
    pub fn probability_labels(&self) -> Vec<String> {
        self.table
            .columns()
            .iter()
            .filter_map(|c| c.strip_prefix("p_").map(str::to_string))
            .collect()
    }

    /// The items of every model (columns id, model, label, pred, and the `p_<label>`
    /// probabilities where a row has all of them), in file order.
    pub fn by_model(&self) -> Result<IndexMap<String, Vec<ItemPred>>, ReadError> {
        let (ids, models, labels, preds) = (
            self.text_column("id")?,
            self.text_column("model")?,
            self.text_column("label")?,
            self.text_column("pred")?,
        );
        let bad = |what: String| ReadError::Predictions {
            path: self.table.path().display().to_string(),
            what,
        };
        let probs: Vec<Vec<Option<f64>>> = self
            .probability_labels()
            .iter()
            .map(|l| {
                self.table
                    .floats(&format!("p_{l}"))
                    .map_err(|e| bad(crate::input::table::one_line(&e.to_string())))
            })
            .collect::<Result<_, _>>()?;
        let mut out: IndexMap<String, Vec<ItemPred>> = IndexMap::new();
        for (row, (((id, model), label), pred)) in ids
            .into_iter()
            .zip(models)
            .zip(labels)
            .zip(preds)
            .enumerate()
        {
            let (Some(id), Some(model), Some(label), Some(pred)) = (id, model, label, pred) else {
                return Err(bad(format!(
                    "row {row}: id, model, label and pred must not be empty"
                )));
            };
            let p: Option<Vec<f64>> = if probs.is_empty() {
                None
            } else {
                probs.iter().map(|col| col[row]).collect()
            };
            out.entry(model).or_default().push(ItemPred {
                id,
                label,
                pred,
                probs: p,
            });
        }
        Ok(out)
    }

    /// The values of one cohort column (`speaker` or `meta_<column>`) by item id, or `None`
    /// when the file has no such column (files written before the columns existed lack them).
    /// The column repeats per model; the first row of each id is used.
    pub fn cohort_column(
        &self,
        column: &str,
    ) -> Result<Option<BTreeMap<String, Option<String>>>, ReadError> {
        if !self.table.has_column(column) {
            return Ok(None);
        }
        let values = self.text_column(column)?;
        let ids = self.text_column("id")?;
        let mut out = BTreeMap::new();
        for (id, v) in ids.into_iter().zip(values) {
            if let Some(id) = id {
                out.entry(id).or_insert(v);
            }
        }
        Ok(Some(out))
    }
}

/// Reads `predictions.parquet` (columns id, model, label, pred) into items per model, in file order.
pub fn read_predictions(path: &Path) -> Result<IndexMap<String, Vec<ItemPred>>, ReadError> {
    PredictionsTable::read(path)?.by_model()
}
