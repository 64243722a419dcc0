//! Fairness cohorts: which groups of speakers a model fails, by how much, and whether it is real.
//!
//! Two steps, both values in, values out:
//! 1. [`build_partitions`] splits the suite's items into cohorts once per run — by metadata
//!    columns and their intersections, and by k-means clusters of speaker embeddings (or the
//!    saved centroids of an earlier run, `--cohorts-from`). k-means is [`lloyd`]'s engine fitted
//!    through linfa's API ([`linfa_api`]: linfa-clustering's `KMeansParams`, linfa's `Fit` and
//!    `Predict`), tested against linfa-clustering's `KMeans`. It returns the partitions, a
//!    [`CohortModel`] to save as `cohorts.json`, and warnings.
//! 2. [`analyze`] scores one model's predictions on those partitions into
//!    [`CohortReport`](crate::report::CohortReport)s (DESIGN.md's cohort keys), in
//!    `analysis.rs`. After every model is analysed, [`adjust_p_values`] fills `p_adjusted` by
//!    Benjamini–Hochberg across every cohort test of the run.
//!
//! The worst-vs-rest test (`test` in the report): in suites with speakers, where every speaker
//! is in one cohort of the partition, a speaker-level permutation test of the largest
//! `error(cohort) − error(rest)` over eligible cohorts (`speaker_permutation_max_gap`): items of
//! one speaker are not independent, and taking the maximum accounts for the worst cohort having
//! been picked. Otherwise (no speakers, speakers in several cohorts, or no resamples) Fisher's
//! exact test, two-sided, on the 2×2 table (errors, correct) × (worst, rest) of items
//! (`fisher_exact`), which is optimistic when the worst cohort was picked among many.

mod analysis;
pub mod bounds;
pub mod compare;
pub mod kmeans;
pub mod linfa_api;
pub mod lloyd;
pub mod partition;
pub mod stats;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::report::Warning;
pub use analysis::{adjust_p_values, analyze};
pub use compare::{compare_partitions, fusion_gain, ModelCohorts};
pub use partition::{Partition, PartitionSource};

/// Default minimum number of items a cohort needs to be named worst in a suite without speakers.
pub const MIN_ITEMS_WITHOUT_SPEAKERS: usize = 30;
/// Mean adjusted Rand index below which embedding cohorts are reported as unstable.
pub const STABILITY_THRESHOLD: f64 = 0.8;

/// How many clusters embedding cohorts have: `k = "auto"` or `k = 4` in suite.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "KValue", into = "KValue")]
pub enum KChoice {
    /// The highest silhouette over k = 2 ..= min(10, speakers − 1).
    Auto,
    Fixed(usize),
}

/// `k` as written: the string `"auto"` or an integer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum KValue {
    Int(usize),
    Str(String),
}

impl TryFrom<KValue> for KChoice {
    type Error = String;
    fn try_from(v: KValue) -> Result<Self, String> {
        match v {
            KValue::Int(k) if k > crate::limits::CLUSTERS => {
                Err(crate::limits::at_most("k", k, crate::limits::CLUSTERS)
                    .unwrap_err()
                    .to_string())
            }
            KValue::Int(k) if k >= 2 => Ok(KChoice::Fixed(k)),
            KValue::Int(k) => Err(format!("k = {k} is too small; use k ≥ 2 or \"auto\"")),
            KValue::Str(s) if s == "auto" => Ok(KChoice::Auto),
            KValue::Str(s) => Err(format!("k = \"{s}\" is neither \"auto\" nor an integer")),
        }
    }
}

impl From<KChoice> for KValue {
    fn from(k: KChoice) -> Self {
        match k {
            KChoice::Auto => KValue::Str("auto".into()),
            KChoice::Fixed(k) => KValue::Int(k),
        }
    }
}

/// The `[cohorts]` settings of a suite plus the run's bootstrap settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CohortConfig {
    /// Metadata columns, each a partition.
    pub metadata: Vec<String>,
    /// Column lists whose intersection is a partition, e.g. `[["sex", "age_band"]]`.
    pub intersections: Vec<Vec<String>>,
    pub k: KChoice,
    pub seed: u64,
    /// A cohort with fewer speakers is reported but never named worst.
    pub min_speakers: usize,
    /// The same for suites without speakers, in items (DESIGN: 30).
    pub min_items: usize,
    /// Cluster-bootstrap resamples for each cohort's error-rate interval; 0 = none.
    pub resamples: u32,
    pub confidence: f64,
    /// k-means restarts (k-means++ init each), keeping the lowest inertia.
    pub kmeans_runs: usize,
    /// Re-fits with seeds `seed + 1 ..= seed + stability_seeds` for the adjusted Rand index.
    pub stability_seeds: usize,
    pub stability_threshold: f64,
}

impl Default for CohortConfig {
    fn default() -> Self {
        CohortConfig {
            metadata: Vec::new(),
            intersections: Vec::new(),
            k: KChoice::Auto,
            seed: 7,
            min_speakers: 5,
            min_items: MIN_ITEMS_WITHOUT_SPEAKERS,
            resamples: 1000,
            confidence: 0.95,
            kmeans_runs: 10,
            stability_seeds: 5,
            stability_threshold: STABILITY_THRESHOLD,
        }
    }
}

/// One speaker vector per speaker, named (the name becomes the partition's name).
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddingSource {
    pub name: String,
    pub vectors: IndexMap<String, Vec<f64>>,
}

/// What the suite says about its items, aligned with the items.
#[derive(Debug, Clone, Copy)]
pub struct CohortInputs<'a> {
    pub speakers: &'a [Option<String>],
    /// Column name → per-item value.
    pub metadata: &'a IndexMap<String, Vec<Option<String>>>,
    pub embeddings: &'a [EmbeddingSource],
}

/// One model's predictions as label indices, aligned with the items.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub labels: &'a [String],
    pub truth: &'a [usize],
    pub pred: &'a [usize],
    /// `k` probabilities per item (row-major, label order) when the model gave them: each cohort
    /// then also gets its ECE and macro ROC-AUC.
    pub probs: Option<&'a [f64]>,
}

/// Saved embedding cohorts (`cohorts.json`): apply them to another run with `--cohorts-from`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CohortModel {
    pub format_version: u32,
    pub partitions: Vec<SavedPartition>,
}

/// One embedding partition's centroids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SavedPartition {
    /// The embedding source's name; a later run must provide embeddings under the same name.
    pub partition: String,
    pub seed: u64,
    pub k_method: String,
    pub cohorts: Vec<String>,
    pub centroids: Vec<Vec<f64>>,
    /// Speaker → cohort of the run that made the centroids.
    pub speakers: IndexMap<String, String>,
}

/// The partitions of a run and what to save about them.
#[derive(Debug, Clone, PartialEq)]
pub struct Partitions {
    pub partitions: Vec<Partition>,
    pub model: CohortModel,
    pub warnings: Vec<Warning>,
}

/// Why cohorts could not be built or scored.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CohortError {
    #[error("cohorts: metadata column \"{0}\" is not a column of the items")]
    UnknownColumn(String),
    #[error("cohorts: {what} has {got} values for {expected} items")]
    Length {
        what: String,
        got: usize,
        expected: usize,
    },
    #[error("cohorts: embeddings \"{embeddings}\" have no vector for speaker \"{speaker}\"")]
    MissingEmbedding { embeddings: String, speaker: String },
    #[error("cohorts: embeddings \"{embeddings}\" speaker \"{speaker}\": vector has {got} values, expected {expected}")]
    RaggedEmbedding {
        embeddings: String,
        speaker: String,
        got: usize,
        expected: usize,
    },
    #[error("cohorts: embeddings \"{embeddings}\" speaker \"{speaker}\": value {dim} is not a finite number")]
    NonFiniteEmbedding {
        embeddings: String,
        speaker: String,
        dim: usize,
    },
    #[error(
        "cohorts: k = {k} is larger than the {speakers} speakers with embeddings \"{embeddings}\""
    )]
    KTooLarge {
        embeddings: String,
        k: usize,
        speakers: usize,
    },
    #[error("cohorts: k = {k} is too small; use k ≥ 2 or \"auto\"")]
    KTooSmall { k: usize },
    #[error("cohorts: k = \"auto\" needs at least 3 speakers, embeddings \"{embeddings}\" cover {speakers}")]
    TooFewSpeakers { embeddings: String, speakers: usize },
    #[error("cohorts: embeddings \"{embeddings}\" item {item} has speaker none; per-item vectors need a speaker")]
    VectorWithoutSpeaker { embeddings: String, item: usize },
    #[error("cohorts: label index {index} at item {item} is not below the {labels} labels")]
    LabelIndex {
        item: usize,
        index: usize,
        labels: usize,
    },
    #[error("cohorts-from: partition \"{partition}\": {reason}")]
    BadSavedModel { partition: String, reason: String },
    #[error("cohorts-from: partition \"{0}\" needs embeddings of that name, none were given")]
    SavedWithoutEmbeddings(String),
    #[error("cohorts: {0}")]
    KMeans(#[from] kmeans::KMeansError),
}

/// One vector per speaker, the mean of its items' vectors (items without a vector are skipped).
pub fn speaker_means(
    source: &str,
    speakers: &[Option<String>],
    item_vectors: &[Option<Vec<f64>>],
) -> Result<IndexMap<String, Vec<f64>>, CohortError> {
    if speakers.len() != item_vectors.len() {
        return Err(CohortError::Length {
            what: format!("embeddings \"{source}\""),
            got: item_vectors.len(),
            expected: speakers.len(),
        });
    }
    let mut sums: IndexMap<String, (Vec<f64>, usize)> = IndexMap::new();
    let mut dims = None;
    for (item, (s, v)) in speakers.iter().zip(item_vectors).enumerate() {
        let Some(v) = v else { continue };
        let Some(s) = s else {
            return Err(CohortError::VectorWithoutSpeaker {
                embeddings: source.into(),
                item,
            });
        };
        partition::check_vector(source, s, v, &mut dims)?;
        let e = sums
            .entry(s.clone())
            .or_insert_with(|| (vec![0.0; v.len()], 0));
        e.0.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        e.1 += 1;
    }
    Ok(sums
        .into_iter()
        .map(|(s, (sum, n))| (s, sum.into_iter().map(|x| x / n as f64).collect()))
        .collect())
}

/// Builds every partition of the run: metadata columns, intersections, then one embedding
/// partition per embedding source — clustered, or assigned to the centroids of `saved`.
pub fn build_partitions(
    inputs: &CohortInputs,
    cfg: &CohortConfig,
    saved: Option<&CohortModel>,
) -> Result<Partitions, CohortError> {
    let n = inputs.speakers.len();
    let mut warnings = Vec::new();
    let mut partitions = Vec::new();
    for c in &cfg.metadata {
        partitions.push(partition::metadata_partition(
            std::slice::from_ref(c),
            inputs.metadata,
            n,
            &mut warnings,
        )?);
    }
    for cols in &cfg.intersections {
        partitions.push(partition::metadata_partition(
            cols,
            inputs.metadata,
            n,
            &mut warnings,
        )?);
    }
    if let Some(model) = saved {
        for sp in &model.partitions {
            if !inputs.embeddings.iter().any(|e| e.name == sp.partition) {
                return Err(CohortError::SavedWithoutEmbeddings(sp.partition.clone()));
            }
        }
    }
    let mut saved_out = Vec::new();
    for e in inputs.embeddings {
        let reuse = saved.and_then(|m| m.partitions.iter().find(|p| p.partition == e.name));
        let p = match reuse {
            Some(sp) => partition::saved_partition(sp, inputs.speakers, &e.vectors, &mut warnings)?,
            None => partition::embedding_partition(
                &e.name,
                inputs.speakers,
                &e.vectors,
                cfg,
                &mut warnings,
            )?,
        };
        if let Some(info) = &p.clustering {
            saved_out.push(SavedPartition {
                partition: p.name.clone(),
                seed: cfg.seed,
                k_method: info.k_method.clone(),
                cohorts: p.cohorts.clone(),
                centroids: info.centroids.clone(),
                speakers: info
                    .speakers
                    .iter()
                    .map(|(s, &c)| (s.clone(), p.cohorts[c].clone()))
                    .collect(),
            });
        }
        partitions.push(p);
    }
    Ok(Partitions {
        partitions,
        model: CohortModel {
            format_version: 1,
            partitions: saved_out,
        },
        warnings,
    })
}

/// Rows of `cohorts.csv`: (partition, cohort, speaker), each distinct pair once, in partition
/// order then suite speaker order. Items without a speaker are not listed.
pub fn membership_rows(
    partitions: &[Partition],
    speakers: &[Option<String>],
) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for p in partitions {
        let mut seen = indexmap::IndexSet::new();
        for (s, a) in speakers.iter().zip(&p.assignment) {
            if let (Some(s), Some(a)) = (s, a) {
                if seen.insert((*a, s.clone())) {
                    rows.push((p.name.clone(), p.cohorts[*a].clone(), s.clone()));
                }
            }
        }
    }
    rows
}
