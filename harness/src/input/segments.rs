//! The segments table of a calls suite (`segments = "segments.csv"` in suite.toml): time-aligned
//! labels of long recordings, checked like items — every problem named by file and line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use tonebench_core::streaming::Segment;
use tonebench_core::LabelSet;

use super::suite::{Problem, SuiteError, DROP};
use super::table::{RowRef, Table};

/// One row of the segments table, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRow {
    pub start: f64,
    pub end: f64,
    /// Index into the suite's label set (after `label-map`).
    pub label: usize,
    pub speaker: Option<String>,
    pub channel: Option<String>,
    pub origin: RowRef,
}

impl SegmentRow {
    pub fn segment(&self) -> Segment {
        Segment {
            start: self.start,
            end: self.end,
            label: self.label,
        }
    }
}

/// The segments of a suite, by call id, each call's rows in file order.
#[derive(Debug, Clone)]
pub struct Segments {
    pub path: PathBuf,
    /// The file name used in messages.
    pub file: String,
    pub by_call: BTreeMap<String, Vec<SegmentRow>>,
    pub sha256: String,
}

const COLUMNS: [&str; 4] = ["id", "start", "end", "label"];

impl Segments {
    /// Reads and checks the table: required columns, numbers, `start < end`, labels, and no
    /// two segments of one call and channel overlapping. Ids are checked against the items by
    /// [`Segments::check_ids`].
    pub fn read(
        path: &Path,
        labels: &LabelSet,
        label_map: &BTreeMap<String, String>,
    ) -> Result<Segments, SuiteError> {
        let table = Table::read(path)?;
        let file = table.file_name();
        for c in COLUMNS {
            if !table.has_column(c) {
                return Err(SuiteError::Invalid {
                    path: path.to_owned(),
                    message: format!(
                        "segments file {file} has no {c:?} column (columns: {}; needed: id, start, end, label, optional speaker, channel)",
                        tonebench_core::text::listing(table.columns())
                    ),
                });
            }
        }
        let ids = table.strings("id")?;
        let starts = table.floats("start")?;
        let ends = table.floats("end")?;
        let raw_labels = table.strings("label")?;
        let optional = |c: &str| -> Result<Vec<Option<String>>, SuiteError> {
            Ok(if table.has_column(c) {
                table.strings(c)?
            } else {
                vec![None; ids.len()]
            })
        };
        let speakers = optional("speaker")?;
        let channels = optional("channel")?;
        let mut problems = Vec::new();
        let mut by_call: BTreeMap<String, Vec<SegmentRow>> = BTreeMap::new();
        for row in 0..ids.len() {
            let at = table.origin(row);
            let id = ids[row].clone();
            let problem = |message: String| Problem {
                at: Some(at),
                id: id.clone(),
                message,
            };
            let Some(call) = ids[row].clone() else {
                problems.push(problem("empty id".into()));
                continue;
            };
            let (Some(start), Some(end)) = (starts[row], ends[row]) else {
                problems.push(problem("empty start or end".into()));
                continue;
            };
            if !start.is_finite() || !end.is_finite() || start < 0.0 {
                problems.push(problem(format!(
                    "start {start} and end {end} must be finite seconds from 0"
                )));
                continue;
            }
            if end <= start {
                problems.push(problem(format!("end {end} is not after start {start}")));
                continue;
            }
            let Some(raw) = raw_labels[row].as_deref() else {
                problems.push(problem("empty label".into()));
                continue;
            };
            let mapped = label_map.get(raw).map(String::as_str).unwrap_or(raw);
            if mapped == DROP && label_map.contains_key(raw) {
                continue;
            }
            let Some(label) = labels.index(mapped) else {
                problems.push(problem(format!(
                    "label {raw:?} is not one of {}{}",
                    labels.listing(),
                    if label_map.is_empty() {
                        ""
                    } else {
                        " and label-map does not map it"
                    }
                )));
                continue;
            };
            by_call.entry(call).or_default().push(SegmentRow {
                start,
                end,
                label,
                speaker: speakers[row].clone(),
                channel: channels[row].clone(),
                origin: at,
            });
        }
        for (call, rows) in &by_call {
            let mut order: Vec<&SegmentRow> = rows.iter().collect();
            order.sort_by(|a, b| a.channel.cmp(&b.channel).then(a.start.total_cmp(&b.start)));
            for pair in order.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                if a.channel == b.channel && b.start < a.end {
                    problems.push(Problem {
                        at: Some(b.origin),
                        id: Some(call.clone()),
                        message: format!(
                            "segment {}–{} s overlaps the segment {}–{} s at {}{}",
                            b.start,
                            b.end,
                            a.start,
                            a.end,
                            a.origin,
                            match &a.channel {
                                Some(c) => format!(" on channel {c:?} (give overlapping speakers different channels)"),
                                None => " (give overlapping speakers different channels)".into(),
                            }
                        ),
                    });
                }
            }
        }
        if !problems.is_empty() {
            return Err(SuiteError::Items { file, problems });
        }
        Ok(Segments {
            path: path.to_owned(),
            sha256: table.sha256().to_owned(),
            file,
            by_call,
        })
    }

    /// Every call id must be an item of the suite (or one `label-map` dropped).
    pub fn check_ids(&self, known: &dyn Fn(&str) -> bool) -> Result<(), SuiteError> {
        let problems: Vec<Problem> = self
            .by_call
            .iter()
            .filter(|(id, _)| !known(id))
            .map(|(id, rows)| Problem {
                at: Some(rows[0].origin),
                id: Some(id.clone()),
                message: "no item has this id".into(),
            })
            .collect();
        self.fail_on(problems)
    }

    /// `Ok` when there is no problem, else the error listing them with this file's name.
    fn fail_on(&self, problems: Vec<Problem>) -> Result<(), SuiteError> {
        if problems.is_empty() {
            Ok(())
        } else {
            Err(SuiteError::Items {
                file: self.file.clone(),
                problems,
            })
        }
    }

    /// The segments of call `id` (none when it has no rows).
    pub fn of(&self, id: &str) -> &[SegmentRow] {
        self.by_call.get(id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every segment of call `id` must end within its audio's `duration_s` (allowing half a
    /// millisecond for rounding of the written times).
    pub fn check_duration(&self, id: &str, duration_s: f64) -> Result<(), SuiteError> {
        let problems: Vec<Problem> = self
            .of(id)
            .iter()
            .filter(|s| s.end > duration_s + 5e-4)
            .map(|s| Problem {
                at: Some(s.origin),
                id: Some(id.to_string()),
                message: format!(
                    "segment ends at {} s, past the end of the audio ({duration_s:.3} s)",
                    s.end
                ),
            })
            .collect();
        self.fail_on(problems)
    }
}

/// `[streaming]` of a suite or model spec: window and hop in seconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StreamingManifest {
    pub window: f64,
    /// Default: half the window.
    pub hop: Option<f64>,
}

impl StreamingManifest {
    /// The window this section sets, with `hop` (the command line's) over its own hop, which
    /// defaults to half the window.
    pub fn spec(&self, hop: Option<f64>) -> Result<tonebench_core::streaming::WindowSpec, String> {
        tonebench_core::streaming::WindowSpec::new(
            self.window,
            hop.or(self.hop).unwrap_or(self.window / 2.0),
        )
    }
}
