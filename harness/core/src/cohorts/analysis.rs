//! Step 2 of cohort analysis: one model's predictions scored on the run's partitions.
//!
//! [`analyze`] checks the inputs and scores each partition in named steps: tally each cohort
//! (confusion counts and errors per resampling unit), score the groups, the between-groups
//! difference and ratio, pick the worst eligible cohort, and test it against the rest.
//! [`adjust_p_values`] then applies Benjamini–Hochberg across every test of the run.

use indexmap::{IndexMap, IndexSet};

use super::stats::{self, cluster_bootstrap_error, derive_seed, fisher_exact_two_sided, Unit};
use super::{CohortConfig, CohortError, Outcome, Partition};
use crate::probability::{Ones, ProbMetric, Scores};
use crate::report::{CohortGroup, CohortProbability, CohortReport, Warning, WarningCode};
use crate::{Confusion, Metrics};

/// Counts of one cohort (or of the items outside it).
#[derive(Debug, Clone)]
struct Tally {
    cm: Confusion,
    /// Errors and items per resampling unit: speaker, or an item without one.
    units: IndexMap<UnitKey, Unit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum UnitKey {
    Speaker(String),
    Item(usize),
}

impl Tally {
    fn new(k: usize) -> Self {
        Tally {
            cm: Confusion::zeros(k),
            units: IndexMap::new(),
        }
    }
    fn speakers(&self) -> usize {
        self.units
            .keys()
            .filter(|k| matches!(k, UnitKey::Speaker(_)))
            .count()
    }
    fn errors(&self) -> u64 {
        self.cm.total() - self.cm.correct()
    }
    fn error_rate(&self) -> Option<f64> {
        let t = self.cm.total();
        (t > 0).then(|| self.errors() as f64 / t as f64)
    }
}

/// Scores one model on every partition. Same inputs and seed give the same reports.
pub fn analyze(
    partitions: &[Partition],
    speakers: &[Option<String>],
    outcome: &Outcome,
    cfg: &CohortConfig,
) -> Result<(Vec<CohortReport>, Vec<Warning>), CohortError> {
    let n = speakers.len();
    let k = outcome.labels.len();
    for (what, v) in [("truth", outcome.truth), ("pred", outcome.pred)] {
        if v.len() != n {
            return Err(CohortError::Length {
                what: what.into(),
                got: v.len(),
                expected: n,
            });
        }
        if let Some(item) = v.iter().position(|&x| x >= k) {
            return Err(CohortError::LabelIndex {
                item,
                index: v[item],
                labels: k,
            });
        }
    }
    if let Some(probs) = outcome.probs {
        if probs.len() != n * k {
            return Err(CohortError::Length {
                what: "probabilities".into(),
                got: probs.len(),
                expected: n * k,
            });
        }
    }
    let has_speakers = speakers.iter().any(Option::is_some);
    let mut warnings = Vec::new();
    let mut reports = Vec::with_capacity(partitions.len());
    for p in partitions {
        if p.assignment.len() != n {
            return Err(CohortError::Length {
                what: format!("partition \"{}\"", p.name),
                got: p.assignment.len(),
                expected: n,
            });
        }
        reports.push(analyze_partition(
            p,
            speakers,
            outcome,
            cfg,
            has_speakers,
            &mut warnings,
        ));
    }
    Ok((reports, warnings))
}

fn analyze_partition(
    p: &Partition,
    speakers: &[Option<String>],
    outcome: &Outcome,
    cfg: &CohortConfig,
    has_speakers: bool,
    warnings: &mut Vec<Warning>,
) -> CohortReport {
    let tallies = tally(p, speakers, outcome);
    let size = MinSize {
        has_speakers,
        min_speakers: cfg.min_speakers,
        min_items: cfg.min_items,
    };
    let groups = score_groups(p, &tallies, outcome, cfg, &size, warnings);
    let (difference, ratio) = between_groups(&groups);
    // Non-empty cohorts big enough to be named worst.
    let eligible: Vec<bool> = tallies
        .iter()
        .map(|t| t.cm.total() > 0 && size.admits(t))
        .collect();
    let mut report = CohortReport {
        partition: p.name.clone(),
        source: p.source.as_str().into(),
        groups: Vec::new(),
        worst: None,
        gap_abs: None,
        gap_rel_pct: None,
        worst_share_pct: None,
        difference,
        ratio,
        p_value: None,
        p_adjusted: None,
        test: None,
        min_size: size.describe(),
        items_outside: p.assignment.iter().filter(|a| a.is_none()).count() as u64,
        k: p.clustering.as_ref().map(|c| c.k),
        k_method: p.clustering.as_ref().map(|c| c.k_method.clone()),
        silhouette: p.clustering.as_ref().and_then(|c| c.silhouette),
        stability_ari: p.clustering.as_ref().and_then(|c| c.stability_ari),
    };
    match worst_cohort(&groups, &eligible) {
        None => {
            if groups.iter().any(|g| g.items > 0) {
                warnings.push(no_test(
                    p,
                    format!(
                        "no cohort of {} has at least {}: no worst cohort named, no test run",
                        p.name,
                        size.describe()
                    ),
                ));
            }
        }
        Some(w) => {
            report.worst = Some(groups[w].name.clone());
            report.worst_share_pct = worst_share_pct(&tallies, w, has_speakers);
            let rest = rest_of(&tallies, w, outcome.labels.len());
            if let Some(err_rest) = rest.error_rate() {
                let gap = groups[w].error_rate - err_rest;
                report.gap_abs = Some(gap);
                report.gap_rel_pct = (err_rest > 0.0).then(|| 100.0 * gap / err_rest);
                let permutation = if has_speakers {
                    speaker_permutation(&tallies, &eligible, cfg, &p.name)
                } else {
                    None
                };
                let (p_value, test) = worst_vs_rest(&tallies[w], &rest, permutation);
                report.p_value = Some(p_value);
                report.test = Some(test.into());
            } else {
                warnings.push(no_test(
                    p,
                    format!(
                        "{} has a single non-empty cohort: no gap and no test",
                        p.name
                    ),
                ));
            }
        }
    }
    report.groups = groups;
    report
}

/// Who may be named worst: a cohort with at least `min_speakers` speakers, or in a suite
/// without speakers at least `min_items` items.
struct MinSize {
    has_speakers: bool,
    min_speakers: usize,
    min_items: usize,
}

impl MinSize {
    /// `5 speakers` or `30 items`: the report's `min_size`, and how warnings say it.
    fn describe(&self) -> String {
        if self.has_speakers {
            format!("{} speakers", self.min_speakers)
        } else {
            format!("{} items", self.min_items)
        }
    }

    fn admits(&self, t: &Tally) -> bool {
        if self.has_speakers {
            t.speakers() >= self.min_speakers
        } else {
            t.cm.total() as usize >= self.min_items
        }
    }
}

/// Confusion counts and errors per resampling unit of every cohort of `p`.
fn tally(p: &Partition, speakers: &[Option<String>], outcome: &Outcome) -> Vec<Tally> {
    let k = outcome.labels.len();
    let mut tallies: Vec<Tally> = p.cohorts.iter().map(|_| Tally::new(k)).collect();
    for (i, a) in p.assignment.iter().enumerate() {
        let Some(a) = *a else { continue };
        let (t, pr) = (outcome.truth[i], outcome.pred[i]);
        let tally = &mut tallies[a];
        tally.cm.add(t, pr);
        let key = match &speakers[i] {
            Some(s) => UnitKey::Speaker(s.clone()),
            None => UnitKey::Item(i),
        };
        let u = tally.units.entry(key).or_insert(Unit {
            errors: 0,
            items: 0,
        });
        u.items += 1;
        u.errors += u64::from(t != pr);
    }
    tallies
}

/// One [`CohortGroup`] per cohort, warning about each non-empty one that is too small.
fn score_groups(
    p: &Partition,
    tallies: &[Tally],
    outcome: &Outcome,
    cfg: &CohortConfig,
    size: &MinSize,
    warnings: &mut Vec<Warning>,
) -> Vec<CohortGroup> {
    let mut groups = Vec::new();
    for (c, (name, t)) in p.cohorts.iter().zip(tallies).enumerate() {
        let m = Metrics::compute(&t.cm, outcome.labels);
        let items = t.cm.total();
        let units: Vec<Unit> = t.units.values().copied().collect();
        let too_small = !size.admits(t);
        if too_small && items > 0 {
            warnings.push(Warning {
                code: WarningCode::CohortTooSmall,
                metric: Some(format!("cohorts.{}.{name}", p.name)),
                message: format!(
                    "cohort {name} of {} has fewer than {} and is never named worst",
                    p.name,
                    size.describe()
                ),
            });
        }
        groups.push(CohortGroup {
            name: name.clone(),
            items,
            speakers: t.speakers() as u64,
            accuracy: m.accuracy,
            error_rate: t.error_rate().unwrap_or(0.0),
            macro_f1: m.macro_avg.f1,
            per_class_recall: outcome
                .labels
                .iter()
                .zip(&m.per_class)
                .filter(|(_, c)| c.support > 0)
                .map(|(l, c)| (l.clone(), c.recall))
                .collect(),
            error_rate_ci: cluster_bootstrap_error(
                &units,
                cfg.resamples,
                cfg.confidence,
                derive_seed(cfg.seed, &format!("{}\u{1f}{name}", p.name)),
            ),
            too_small,
            probability: outcome
                .probs
                .map(|probs| cohort_probability(p, c, outcome, probs)),
        });
    }
    groups
}

/// ECE (equal width) and macro ROC-AUC of the items of cohort `c`.
fn cohort_probability(
    p: &Partition,
    c: usize,
    outcome: &Outcome,
    probs: &[f64],
) -> CohortProbability {
    let k = outcome.labels.len();
    let (mut truth, mut rows) = (Vec::new(), Vec::new());
    for (i, a) in p.assignment.iter().enumerate() {
        if *a == Some(c) {
            truth.push(outcome.truth[i]);
            rows.extend_from_slice(&probs[i * k..(i + 1) * k]);
        }
    }
    match Scores::new(&truth, &rows, k) {
        Ok(s) => {
            let w = Ones(truth.len());
            CohortProbability {
                ece: s.metric(ProbMetric::EceEqualWidth, &w),
                roc_auc: s.metric(ProbMetric::RocAucMacro, &w),
            }
        }
        Err(_) => CohortProbability::default(),
    }
}

/// fairlearn's `between_groups` over every non-empty group, small ones included: the
/// difference of error rates (max − min) and the ratio of accuracies (min ÷ max).
fn between_groups(groups: &[CohortGroup]) -> (Option<f64>, Option<f64>) {
    let present: Vec<&CohortGroup> = groups.iter().filter(|g| g.items > 0).collect();
    let difference = (!present.is_empty()).then(|| {
        let errs = present.iter().map(|g| g.error_rate);
        errs.clone().fold(f64::NEG_INFINITY, f64::max) - errs.fold(f64::INFINITY, f64::min)
    });
    let ratio = if present.is_empty() {
        None
    } else {
        let max = present
            .iter()
            .map(|g| g.accuracy)
            .fold(f64::NEG_INFINITY, f64::max);
        let min = present
            .iter()
            .map(|g| g.accuracy)
            .fold(f64::INFINITY, f64::min);
        (max > 0.0).then(|| min / max)
    };
    (difference, ratio)
}

/// The highest error rate among eligible cohorts; ties go to the first.
fn worst_cohort(groups: &[CohortGroup], eligible: &[bool]) -> Option<usize> {
    let mut worst: Option<usize> = None;
    for (i, g) in groups.iter().enumerate() {
        if !eligible[i] {
            continue;
        }
        if worst.is_none_or(|w| g.error_rate > groups[w].error_rate) {
            worst = Some(i);
        }
    }
    worst
}

/// The worst cohort's share of the partition: of its speakers in a suite with speakers, else
/// of its items.
fn worst_share_pct(tallies: &[Tally], w: usize, has_speakers: bool) -> Option<f64> {
    let worst = &tallies[w];
    if has_speakers {
        let all_speakers: IndexSet<&UnitKey> = tallies
            .iter()
            .flat_map(|t| t.units.keys())
            .filter(|k| matches!(k, UnitKey::Speaker(_)))
            .collect();
        (!all_speakers.is_empty())
            .then(|| 100.0 * worst.speakers() as f64 / all_speakers.len() as f64)
    } else {
        let total: u64 = tallies.iter().map(|t| t.cm.total()).sum();
        Some(100.0 * worst.cm.total() as f64 / total as f64)
    }
}

/// The items of every cohort but `w`, as one tally (confusion counts only).
fn rest_of(tallies: &[Tally], w: usize, k: usize) -> Tally {
    let mut cells = vec![0u64; k * k];
    for t in tallies
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != w)
        .map(|(_, t)| t)
    {
        cells
            .iter_mut()
            .zip(t.cm.cells())
            .for_each(|(a, b)| *a += b);
    }
    Tally {
        cm: Confusion::from_cells(k, cells),
        units: IndexMap::new(),
    }
}

/// The worst-vs-rest p-value and the test's name: the speaker permutation when it ran,
/// otherwise Fisher's exact test on items.
fn worst_vs_rest(worst: &Tally, rest: &Tally, permutation: Option<f64>) -> (f64, &'static str) {
    match permutation {
        Some(pv) => (pv, "speaker_permutation_max_gap"),
        None => (
            fisher_exact_two_sided(
                worst.errors(),
                worst.cm.correct(),
                rest.errors(),
                rest.cm.correct(),
            ),
            "fisher_exact",
        ),
    }
}

/// The `cohort_no_test` warning of partition `p`.
fn no_test(p: &Partition, message: String) -> Warning {
    Warning {
        code: WarningCode::CohortNoTest,
        metric: Some(format!("cohorts.{}", p.name)),
        message,
    }
}

/// The speaker-level max-gap permutation p-value of a partition, when every speaker is in
/// exactly one of its cohorts and the run has resamples; `None` otherwise (Fisher is used).
fn speaker_permutation(
    tallies: &[Tally],
    eligible: &[bool],
    cfg: &CohortConfig,
    partition: &str,
) -> Option<f64> {
    let mut seen = IndexSet::new();
    let mut units = Vec::new();
    let mut cohort = Vec::new();
    for (c, t) in tallies.iter().enumerate() {
        for (key, u) in &t.units {
            if !seen.insert(key) {
                return None;
            }
            units.push(*u);
            cohort.push(c);
        }
    }
    stats::max_gap_permutation_p(
        &units,
        &cohort,
        eligible,
        cfg.resamples,
        derive_seed(cfg.seed, &format!("{partition}\u{1f}permutation")),
    )
}

/// Fills `p_adjusted` by Benjamini–Hochberg across every cohort test given (pass every
/// partition of every model of the run). Reports without a `p_value` keep `p_adjusted = None`.
pub fn adjust_p_values<'a>(reports: impl IntoIterator<Item = &'a mut CohortReport>) {
    let mut tested: Vec<&'a mut CohortReport> = reports
        .into_iter()
        .filter(|r| r.p_value.is_some())
        .collect();
    let p: Vec<f64> = tested
        .iter()
        .map(|r| r.p_value.unwrap_or(f64::NAN))
        .collect();
    let adj = stats::benjamini_hochberg(&p);
    for (r, a) in tested.iter_mut().zip(adj) {
        r.p_adjusted = (!a.is_nan()).then_some(a);
    }
}
