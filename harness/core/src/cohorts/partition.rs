//! Partitions of a suite's items into cohorts: from metadata columns (and their intersections)
//! and from clustering speaker embeddings, or from the centroids of an earlier run.

use std::collections::BTreeSet;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::kmeans::{self, adjusted_rand_index, KMeansSettings};
use super::{CohortConfig, CohortError, KChoice, SavedPartition};
use crate::report::{Warning, WarningCode};

/// Where a partition came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum PartitionSource {
    Metadata,
    Embedding,
}

impl PartitionSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PartitionSource::Metadata => "metadata",
            PartitionSource::Embedding => "embedding",
        }
    }
}

/// Items split into named cohorts. The same for every model of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// `sex`, `sex×age_band`, or the embedding source's name.
    pub name: String,
    pub source: PartitionSource,
    /// Cohort names; metadata cohorts are sorted (as fairlearn's `by_group`), embedding cohorts
    /// are `c1`, `c2`, … numbered by their first speaker in suite order.
    pub cohorts: Vec<String>,
    /// Cohort index of each item; `None` for an item outside every cohort (missing metadata
    /// value, or no speaker for an embedding partition).
    pub assignment: Vec<Option<usize>>,
    /// Embedding partitions: speakers, their cohort, and how the clustering was chosen.
    pub clustering: Option<ClusteringInfo>,
}

/// How an embedding partition was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteringInfo {
    pub k: usize,
    /// `auto` (silhouette), `fixed`, or `saved` (nearest centroid of `--cohorts-from`).
    pub k_method: String,
    /// Silhouette of every k tried by `k = "auto"`, and of the chosen partition.
    pub silhouette_by_k: Vec<(usize, f64)>,
    pub silhouette: Option<f64>,
    /// Mean adjusted Rand index between the partition and re-fits with other seeds.
    pub stability_ari: Option<f64>,
    /// Speaker → cohort index, in suite order.
    pub speakers: IndexMap<String, usize>,
    /// Centroids of the cohorts (`k × dims`).
    pub centroids: Vec<Vec<f64>>,
}

/// Partitions by one metadata column or by the intersection of several (`sex×age_band`, cohort
/// `female×20-29`). An item with a missing value in any of the columns is in no cohort.
pub fn metadata_partition(
    columns: &[String],
    metadata: &IndexMap<String, Vec<Option<String>>>,
    n_items: usize,
    warnings: &mut Vec<Warning>,
) -> Result<Partition, CohortError> {
    let mut values = Vec::with_capacity(columns.len());
    for c in columns {
        let v = metadata
            .get(c)
            .ok_or_else(|| CohortError::UnknownColumn(c.clone()))?;
        if v.len() != n_items {
            return Err(CohortError::Length {
                what: format!("metadata column \"{c}\""),
                got: v.len(),
                expected: n_items,
            });
        }
        values.push(v);
    }
    let name = columns.join("×");
    let keys: Vec<Option<String>> = (0..n_items)
        .map(|i| {
            let parts: Option<Vec<&str>> = values
                .iter()
                .map(|v| v[i].as_deref().filter(|s| !s.trim().is_empty()))
                .collect();
            parts.map(|p| p.join("×"))
        })
        .collect();
    let cohorts: Vec<String> = keys
        .iter()
        .flatten()
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let assignment: Vec<Option<usize>> = keys
        .iter()
        .map(|k| k.as_ref().and_then(|k| cohorts.binary_search(k).ok()))
        .collect();
    let missing = assignment.iter().filter(|a| a.is_none()).count();
    if missing > 0 {
        warnings.push(Warning {
            code: WarningCode::CohortMissingMetadata,
            metric: Some(format!("cohorts.{name}")),
            message: format!(
                "{missing} of {n_items} items have no value for {} and are in no {name} cohort",
                columns.join(" or ")
            ),
        });
    }
    Ok(Partition {
        name,
        source: PartitionSource::Metadata,
        cohorts,
        assignment,
        clustering: None,
    })
}

/// The suite's speakers in order of first appearance.
pub fn speaker_order(speakers: &[Option<String>]) -> IndexMap<String, ()> {
    let mut out = IndexMap::new();
    for s in speakers.iter().flatten() {
        out.entry(s.clone()).or_insert(());
    }
    out
}

/// Checks that every suite speaker has a finite vector of one common length; returns the
/// vectors in suite speaker order.
fn speaker_points(
    source: &str,
    order: &IndexMap<String, ()>,
    vectors: &IndexMap<String, Vec<f64>>,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Vec<f64>>, CohortError> {
    let mut points = Vec::with_capacity(order.len());
    let mut dims = None;
    for speaker in order.keys() {
        let v = vectors
            .get(speaker)
            .ok_or_else(|| CohortError::MissingEmbedding {
                embeddings: source.into(),
                speaker: speaker.clone(),
            })?;
        check_vector(source, speaker, v, &mut dims)?;
        points.push(v.clone());
    }
    let extra = vectors.keys().filter(|s| !order.contains_key(*s)).count();
    if extra > 0 {
        warnings.push(Warning {
            code: WarningCode::CohortUnusedEmbeddings,
            metric: Some(format!("cohorts.{source}")),
            message: format!("{extra} speakers in embeddings \"{source}\" have no item in the suite and were ignored"),
        });
    }
    Ok(points)
}

/// A vector must be non-empty, finite and as long as the first one.
pub(super) fn check_vector(
    source: &str,
    speaker: &str,
    v: &[f64],
    dims: &mut Option<usize>,
) -> Result<(), CohortError> {
    let expected = *dims.get_or_insert(v.len());
    if v.is_empty() || v.len() != expected {
        return Err(CohortError::RaggedEmbedding {
            embeddings: source.into(),
            speaker: speaker.into(),
            got: v.len(),
            expected,
        });
    }
    if let Some(d) = v.iter().position(|x| !x.is_finite()) {
        return Err(CohortError::NonFiniteEmbedding {
            embeddings: source.into(),
            speaker: speaker.into(),
            dim: d,
        });
    }
    Ok(())
}

fn item_assignment(
    speakers: &[Option<String>],
    map: &IndexMap<String, usize>,
) -> Vec<Option<usize>> {
    speakers
        .iter()
        .map(|s| s.as_ref().and_then(|s| map.get(s).copied()))
        .collect()
}

fn speakerless_warning(name: &str, speakers: &[Option<String>], warnings: &mut Vec<Warning>) {
    let none = speakers.iter().filter(|s| s.is_none()).count();
    if none > 0 {
        warnings.push(Warning {
            code: WarningCode::CohortItemsWithoutSpeaker,
            metric: Some(format!("cohorts.{name}")),
            message: format!(
                "{none} of {} items have no speaker and are in no {name} cohort",
                speakers.len()
            ),
        });
    }
}

/// Clusters the suite's speakers by their embedding vectors.
pub fn embedding_partition(
    source: &str,
    speakers: &[Option<String>],
    vectors: &IndexMap<String, Vec<f64>>,
    cfg: &CohortConfig,
    warnings: &mut Vec<Warning>,
) -> Result<Partition, CohortError> {
    let order = speaker_order(speakers);
    let points = speaker_points(source, &order, vectors, warnings)?;
    let n = points.len();
    let data = kmeans::to_array(&points);
    let settings = KMeansSettings {
        runs: cfg.kmeans_runs,
        ..KMeansSettings::default()
    };
    let (clustering, k, scores, method) = match cfg.k {
        KChoice::Fixed(k) => {
            if k < 2 {
                return Err(CohortError::KTooSmall { k });
            }
            if k > n {
                return Err(CohortError::KTooLarge {
                    embeddings: source.into(),
                    k,
                    speakers: n,
                });
            }
            let c = kmeans::kmeans(&data, k, cfg.seed, &settings)?;
            (c, k, Vec::new(), "fixed")
        }
        KChoice::Auto => {
            if n < 3 {
                return Err(CohortError::TooFewSpeakers {
                    embeddings: source.into(),
                    speakers: n,
                });
            }
            let auto = kmeans::choose_k(&points, cfg.seed, &settings)?;
            (auto.clustering, auto.k, auto.scores, "auto")
        }
    };
    let silhouette = kmeans::sampled_silhouette(&points, &clustering.labels, cfg.seed);
    let mut aris = Vec::new();
    for i in 1..=cfg.stability_seeds as u64 {
        let other = kmeans::stability_labels(&data, k, cfg.seed.wrapping_add(i), &settings)?;
        aris.push(adjusted_rand_index(&clustering.labels, &other));
    }
    let stability_ari = (!aris.is_empty()).then(|| aris.iter().sum::<f64>() / aris.len() as f64);
    if let Some(ari) = stability_ari {
        if ari < cfg.stability_threshold {
            warnings.push(Warning {
                code: WarningCode::CohortUnstable,
                metric: Some(format!("cohorts.{source}.stability_ari")),
                message: format!(
                    "embedding cohorts \"{source}\" are unstable: mean adjusted Rand index {ari:.3} across {} other seeds is below {}",
                    aris.len(),
                    cfg.stability_threshold
                ),
            });
        }
    }
    let map: IndexMap<String, usize> = order
        .keys()
        .cloned()
        .zip(clustering.labels.iter().copied())
        .collect();
    speakerless_warning(source, speakers, warnings);
    Ok(Partition {
        name: source.into(),
        source: PartitionSource::Embedding,
        cohorts: (1..=k).map(|i| format!("c{i}")).collect(),
        assignment: item_assignment(speakers, &map),
        clustering: Some(ClusteringInfo {
            k,
            k_method: method.into(),
            silhouette_by_k: scores,
            silhouette,
            stability_ari,
            speakers: map,
            centroids: clustering.centroids,
        }),
    })
}

/// Assigns the suite's speakers to the nearest centroid of a saved partition.
pub fn saved_partition(
    saved: &SavedPartition,
    speakers: &[Option<String>],
    vectors: &IndexMap<String, Vec<f64>>,
    warnings: &mut Vec<Warning>,
) -> Result<Partition, CohortError> {
    let source = saved.partition.as_str();
    let order = speaker_order(speakers);
    let points = speaker_points(source, &order, vectors, warnings)?;
    if saved.centroids.is_empty() || saved.cohorts.len() != saved.centroids.len() {
        return Err(CohortError::BadSavedModel {
            partition: source.into(),
            reason: format!(
                "{} cohort names for {} centroids",
                saved.cohorts.len(),
                saved.centroids.len()
            ),
        });
    }
    let mut dims = None;
    for (name, c) in saved.cohorts.iter().zip(&saved.centroids) {
        check_vector(source, &format!("centroid {name}"), c, &mut dims)?;
    }
    let dims = dims.unwrap_or(0);
    if let Some(p) = points.first() {
        if p.len() != dims {
            return Err(CohortError::BadSavedModel {
                partition: source.into(),
                reason: format!(
                    "centroids have {dims} dimensions, embeddings have {}",
                    p.len()
                ),
            });
        }
    }
    let labels: Vec<usize> = points
        .iter()
        .map(|p| kmeans::nearest(&saved.centroids, p))
        .collect();
    let map: IndexMap<String, usize> = order.keys().cloned().zip(labels.iter().copied()).collect();
    speakerless_warning(source, speakers, warnings);
    Ok(Partition {
        name: source.into(),
        source: PartitionSource::Embedding,
        cohorts: saved.cohorts.clone(),
        assignment: item_assignment(speakers, &map),
        clustering: Some(ClusteringInfo {
            k: saved.centroids.len(),
            k_method: "saved".into(),
            silhouette_by_k: Vec::new(),
            silhouette: kmeans::sampled_silhouette(&points, &labels, saved.seed),
            stability_ari: None,
            speakers: map,
            centroids: saved.centroids.clone(),
        }),
    })
}
