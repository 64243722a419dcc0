//! What a report becomes in MLflow: params, metrics and tags with stable names (docs/DESIGN.md,
//! "MLflow"), built from the typed report alone. A run folder with one model is one MLflow run;
//! with several, a parent run (suite, settings, artifacts) and one child run per model, so
//! MLflow's run comparison lines models up by `macro_f1`.

use tonebench_core::bootstrap::Interval;
use tonebench_core::report::{CohortReport, MetricsReport, ModelReport, Report};

use super::keys::KeySet;

/// The params, metrics and tags of one MLflow run, keys already cleaned.
#[derive(Debug, Default, Clone)]
pub struct Entries {
    pub params: Vec<(String, String)>,
    pub metrics: Vec<(String, f64)>,
    pub tags: Vec<(String, String)>,
    keys: KeySet,
}

impl Entries {
    fn key(&mut self, parts: &[&str]) -> String {
        self.keys.claim(parts)
    }

    fn param(&mut self, parts: &[&str], value: impl ToString) {
        let k = self.key(parts);
        self.params.push((k, value.to_string()));
    }

    fn tag(&mut self, parts: &[&str], value: impl ToString) {
        let k = self.key(parts);
        self.tags.push((k, value.to_string()));
    }

    /// A metric, when it has a finite value (JSON, and so MLflow's REST API, has no NaN).
    fn metric(&mut self, parts: &[&str], value: Option<f64>) {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            let k = self.key(parts);
            self.metrics.push((k, v));
        }
    }

    fn interval(&mut self, parts: &[&str], i: Option<Interval>) {
        let Some(i) = i else { return };
        let low: Vec<&str> = std::iter::once("ci_low")
            .chain(parts.iter().copied())
            .collect();
        let high: Vec<&str> = std::iter::once("ci_high")
            .chain(parts.iter().copied())
            .collect();
        self.metric(&low, Some(i.low));
        self.metric(&high, Some(i.high));
    }
}

/// The MLflow runs of one report: `parent` is `None` when the report has one model (then that
/// model's run also carries the suite and the artifacts).
#[derive(Debug, Clone)]
pub struct Plan {
    pub parent: Option<Entries>,
    pub children: Vec<(String, Entries)>,
}

/// Facts about where the run came from that are not in the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// The git commit of the working directory, when known.
    pub git_commit: Option<String>,
    /// The run folder, as given.
    pub run_dir: String,
}

/// The MLflow runs of `report`.
pub fn plan(report: &Report, ctx: &Context) -> Plan {
    let suite_entries = || {
        let mut e = Entries::default();
        suite_params(&mut e, report);
        run_tags(&mut e, report, ctx);
        e
    };
    if report.models.len() == 1 {
        let mut e = suite_entries();
        model_entries(&mut e, &report.models[0]);
        return Plan {
            parent: None,
            children: vec![(report.models[0].name.clone(), e)],
        };
    }
    let parent = suite_entries();
    let children = report
        .models
        .iter()
        .map(|m| {
            let mut e = suite_entries();
            model_entries(&mut e, m);
            (m.name.clone(), e)
        })
        .collect();
    Plan {
        parent: Some(parent),
        children,
    }
}

fn suite_params(e: &mut Entries, r: &Report) {
    e.param(&["suite"], &r.suite.name);
    e.param(&["suite.items"], r.suite.items);
    e.param(&["suite.labels"], r.suite.labels.join(","));
    if let Some(s) = r.suite.speakers {
        e.param(&["suite.speakers"], s);
    }
    e.param(&["suite.manifest_sha256"], &r.suite.manifest_sha256);
    e.param(&["suite.items_sha256"], &r.suite.items_sha256);
    e.param(&["bootstrap.method"], &r.bootstrap.method);
    e.param(&["bootstrap.unit"], &r.bootstrap.unit);
    e.param(&["bootstrap.resamples"], r.bootstrap.resamples);
    e.param(&["bootstrap.confidence"], r.bootstrap.confidence);
    e.param(&["bootstrap.seed"], r.bootstrap.seed);
}

fn run_tags(e: &mut Entries, r: &Report, ctx: &Context) {
    e.tag(&["tonebench.version"], &r.tonebench_version);
    e.tag(&["tonebench.suite"], &r.suite.name);
    e.tag(&["tonebench.run_dir"], &ctx.run_dir);
    e.tag(&["mlflow.source.name"], "tonebench");
    if let Some(c) = &ctx.git_commit {
        e.tag(&["mlflow.source.git.commit"], c);
    }
}

fn model_entries(e: &mut Entries, m: &ModelReport) {
    e.tag(&["tonebench.model"], &m.name);
    e.tag(&["tonebench.modality"], m.modality.as_str());
    e.param(&["model"], &m.name);
    e.param(&["model.modality"], m.modality.as_str());
    e.param(&["model.source"], &m.source.kind);
    e.param(&["model.path"], &m.source.path);
    e.param(&["model.sha256"], &m.source.sha256);
    for (path, sha) in &m.source.files {
        e.param(&["model.files", path], sha);
    }
    if let Some(v) = &m.source.ort_version {
        e.param(&["ort_version"], v);
    }
    if let Some(v) = &m.source.provider {
        e.param(&["provider"], v);
    }
    if let Some(v) = m.source.batch_size {
        e.param(&["batch_size"], v);
    }
    if let Some(v) = m.source.threads {
        e.param(&["threads"], v);
    }
    if let Some(f) = &m.source.front_end {
        e.param(&["front_end"], &f.features);
    }
    metrics(e, &[], &m.metrics);
    for c in &m.cohorts {
        cohort(e, c);
    }
    for r in &m.robustness {
        let p = ["robustness", r.condition.as_str()];
        metrics_headline(e, &p, &r.metrics);
        e.metric(&[p[0], p[1], "error"], Some(r.error));
        e.metric(&[p[0], p[1], "ce"], r.ce);
        e.metric(&[p[0], p[1], "rce"], r.rce);
    }
    if let Some(l) = &m.latency {
        for (name, v) in [
            ("p50_ms", Some(l.p50_ms)),
            ("p90_ms", Some(l.p90_ms)),
            ("p95_ms", Some(l.p95_ms)),
            ("p99_ms", Some(l.p99_ms)),
            ("mean_ms", Some(l.mean_ms)),
            ("throughput_per_s", Some(l.throughput_per_s)),
            ("rtf", l.rtf),
        ] {
            e.metric(&["latency", name], v);
        }
    }
}

fn metrics_headline(e: &mut Entries, prefix: &[&str], m: &MetricsReport) {
    let with = |name: &'static str| -> Vec<&str> {
        prefix
            .iter()
            .copied()
            .chain(std::iter::once(name))
            .collect()
    };
    e.metric(&with("accuracy"), Some(m.accuracy));
    e.metric(&with("balanced_accuracy"), Some(m.balanced_accuracy));
    e.metric(&with("macro_f1"), Some(m.macro_avg.f1));
}

fn metrics(e: &mut Entries, prefix: &[&str], m: &MetricsReport) {
    metrics_headline(e, prefix, m);
    for (name, v) in [
        ("cohen_kappa", m.cohen_kappa),
        ("macro_precision", m.macro_avg.precision),
        ("macro_recall", m.macro_avg.recall),
        ("weighted_f1", m.weighted.f1),
        ("weighted_precision", m.weighted.precision),
        ("weighted_recall", m.weighted.recall),
        ("micro_f1", m.micro.f1),
    ] {
        e.metric(&[name], Some(v));
    }
    for (label, c) in &m.per_class {
        let l = label.as_str();
        e.metric(&["per_class", l, "precision"], Some(c.precision));
        e.metric(&["per_class", l, "recall"], Some(c.recall));
        e.metric(&["per_class", l, "f1"], Some(c.f1));
        e.metric(&["per_class", l, "support"], Some(c.support as f64));
    }
    if let Some(p) = &m.probability {
        e.metric(&["roc_auc"], p.roc_auc.macro_avg);
        e.metric(&["average_precision"], p.average_precision.macro_avg);
        e.metric(&["log_loss"], p.log_loss);
        e.metric(&["brier"], p.brier);
        e.metric(&["ece"], p.ece.equal_width);
    }
    if let Some(i) = &m.intervals {
        e.interval(&["accuracy"], Some(i.accuracy));
        e.interval(&["balanced_accuracy"], Some(i.balanced_accuracy));
        e.interval(&["macro_f1"], Some(i.macro_f1));
        for (label, c) in &i.per_class {
            e.interval(&["per_class", label, "f1"], Some(c.f1));
        }
        if let Some(p) = &i.probability {
            e.interval(&["roc_auc"], p.roc_auc.macro_avg);
            e.interval(&["log_loss"], p.log_loss);
            e.interval(&["ece"], p.ece.equal_width);
        }
    }
}

fn cohort(e: &mut Entries, c: &CohortReport) {
    let p = c.partition.as_str();
    e.metric(&["cohort", p, "gap_abs"], c.gap_abs);
    e.metric(&["cohort", p, "worst_share_pct"], c.worst_share_pct);
    e.metric(&["cohort", p, "p_value"], c.p_value);
    e.metric(&["cohort", p, "p_adjusted"], c.p_adjusted);
    for g in &c.groups {
        let n = g.name.as_str();
        e.metric(&["cohort", p, n, "error_rate"], Some(g.error_rate));
        e.metric(&["cohort", p, n, "accuracy"], Some(g.accuracy));
        e.metric(&["cohort", p, n, "macro_f1"], Some(g.macro_f1));
        e.metric(&["cohort", p, n, "items"], Some(g.items as f64));
        e.interval(&["cohort", p, n, "error_rate"], g.error_rate_ci);
    }
}
