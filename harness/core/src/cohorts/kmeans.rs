//! Clustering speakers: seeded k-means (k-means++ init, several runs, the engine in
//! [`super::lloyd`] fitted through linfa's API: linfa-clustering's `KMeansParams` and linfa's
//! `Fit`, see [`super::linfa_api`]), the silhouette score that picks `k = "auto"` (scikit-learn's
//! definition; linfa's `SilhouetteScore` scores singletons 1, scikit-learn 0), and the adjusted
//! Rand index used for stability.

use ndarray::{Array2, Axis};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use linfa::prelude::Fit;
use linfa::DatasetBase;
use linfa_clustering::{KMeans, KMeansInit};

use super::linfa_api::FastKMeans;
use super::lloyd;

/// k-means settings; the defaults are scikit-learn's `KMeans` (n_init 10, max_iter 300,
/// tol 1e-4, scaled as scikit-learn scales it: see [`kmeans`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KMeansSettings {
    pub runs: usize,
    pub max_iterations: u64,
    pub tolerance: f64,
}

impl Default for KMeansSettings {
    fn default() -> Self {
        KMeansSettings {
            runs: 10,
            max_iterations: 300,
            tolerance: 1e-4,
        }
    }
}

/// A fitted clustering of `n` points.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Cluster of each point, renumbered so that clusters are numbered in order of their first
    /// point (point 0 is always in cluster 0): the same partition always gets the same names.
    pub labels: Vec<usize>,
    /// Centroids in the renumbered order (`k × dims`). A cluster that ended up empty keeps its
    /// centroid at the end of the list.
    pub centroids: Vec<Vec<f64>>,
    /// Mean squared distance of a point to its centroid.
    pub inertia: f64,
    /// Lloyd iterations of the run kept (scikit-learn's `n_iter_`).
    pub iterations: usize,
}

/// Why k-means could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KMeansError {
    #[error("k = {k} needs at least {k} points, got {n}")]
    TooFewPoints { k: usize, n: usize },
    #[error("k must be at least 1")]
    ZeroK,
    #[error("k-means failed: {0}")]
    Linfa(String),
}

/// Row-major `n × dims` points into a matrix.
pub fn to_array(points: &[Vec<f64>]) -> Array2<f64> {
    let dims = points.first().map_or(0, Vec::len);
    let flat: Vec<f64> = points.iter().flat_map(|p| p.iter().copied()).collect();
    // Callers check that every row has `dims` values.
    Array2::from_shape_vec((points.len(), dims), flat).unwrap_or_else(|_| Array2::zeros((0, 0)))
}

/// k-means with k-means++ initialisation, `settings.runs` restarts keeping the lowest inertia
/// (the first of equals), seeded with `Xoshiro256Plus::seed_from_u64(seed)` (one stream for all
/// runs).
///
/// The seeding is linfa-clustering 0.8's k-means++ draw for draw (scikit-learn's is the greedy
/// variant with 2 + ln k trials per step). Lloyd's iterations follow scikit-learn's `lloyd`:
/// the update is the mean of the members; they stop when no label changes, or when the sum of
/// squared centroid shifts is at most `tolerance` × the mean feature variance of the data, or
/// after `max_iterations`. (Until issue 15 this was linfa's rule — Euclidean shift of the
/// centroid matrix below an absolute 1e-4 — and linfa's m_k-means update, which counts the old
/// centroid as one more member; a cluster left empty now keeps its old centroid.)
pub fn kmeans(
    data: &Array2<f64>,
    k: usize,
    seed: u64,
    settings: &KMeansSettings,
) -> Result<Clustering, KMeansError> {
    let n = data.nrows();
    if k == 0 {
        return Err(KMeansError::ZeroK);
    }
    if n < k {
        return Err(KMeansError::TooFewPoints { k, n });
    }
    let params = KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(settings.runs.max(1))
        .max_n_iterations(settings.max_iterations.max(1))
        .tolerance(settings.tolerance)
        .init_method(KMeansInit::KMeansPlusPlus);
    let linfa_error = |e: linfa_clustering::KMeansError| KMeansError::Linfa(e.to_string());
    let flat = data.as_standard_layout();
    let records = ndarray16::ArrayView2::from_shape(data.dim(), flat.as_slice().unwrap_or(&[]))
        .map_err(|e| KMeansError::Linfa(e.to_string()))?;
    let best = FastKMeans::new(params)
        .and_then(|engine| engine.fit(&DatasetBase::from(records)))
        .map_err(linfa_error)?;
    // Renumber by first appearance.
    let mut map = vec![usize::MAX; k];
    let mut next = 0;
    for &c in best.labels() {
        if map[c] == usize::MAX {
            map[c] = next;
            next += 1;
        }
    }
    for m in map.iter_mut().filter(|m| **m == usize::MAX) {
        *m = next;
        next += 1;
    }
    let mut ordered = vec![Vec::new(); k];
    for (old, &new) in map.iter().enumerate() {
        ordered[new] = best.centroids().row(old).to_vec();
    }
    let labels: Vec<usize> = best.labels().iter().map(|&c| map[c]).collect();
    Ok(Clustering {
        labels,
        centroids: ordered,
        inertia: best.inertia(),
        iterations: best.iterations(),
    })
}

fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index of the centroid nearest to `v` (Euclidean; ties go to the lower index).
pub fn nearest(centroids: &[Vec<f64>], v: &[f64]) -> usize {
    let mut best = (0, f64::INFINITY);
    for (i, c) in centroids.iter().enumerate() {
        let d = sq_dist(c, v);
        if d < best.1 {
            best = (i, d);
        }
    }
    best.0
}

/// Mean silhouette coefficient with Euclidean distance, as scikit-learn's `silhouette_score`:
/// `s(i) = (b − a) / max(a, b)` with `a` the mean distance to the other members of its cluster
/// and `b` the lowest mean distance to another cluster; a point alone in its cluster scores 0.
/// `None` unless `2 ≤ clusters ≤ n − 1`.
pub fn silhouette(points: &[Vec<f64>], labels: &[usize]) -> Option<f64> {
    let n = points.len();
    let k = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    let used = sizes.iter().filter(|&&s| s > 0).count();
    if used < 2 || used > n.saturating_sub(1) {
        return None;
    }
    let mut total = 0.0;
    let mut sums = vec![0.0; k];
    for i in 0..n {
        sums.iter_mut().for_each(|s| *s = 0.0);
        for j in 0..n {
            if i != j {
                sums[labels[j]] += sq_dist(&points[i], &points[j]).sqrt();
            }
        }
        let own = labels[i];
        if sizes[own] <= 1 {
            continue;
        }
        let a = sums[own] / (sizes[own] - 1) as f64;
        let b = (0..k)
            .filter(|&c| c != own && sizes[c] > 0)
            .map(|c| sums[c] / sizes[c] as f64)
            .fold(f64::INFINITY, f64::min);
        let m = a.max(b);
        if m > 0.0 {
            total += (b - a) / m;
        }
    }
    Some(total / n as f64)
}

/// Adjusted Rand index of two labelings of the same points (scikit-learn's
/// `adjusted_rand_score`): 1 for identical partitions up to renaming, about 0 for chance.
pub fn adjusted_rand_index(a: &[usize], b: &[usize]) -> f64 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 1.0;
    }
    let ka = a.iter().copied().max().unwrap_or(0) + 1;
    let kb = b.iter().copied().max().unwrap_or(0) + 1;
    let mut table = vec![0u64; ka * kb];
    for i in 0..n {
        table[a[i] * kb + b[i]] += 1;
    }
    let c2 = |x: u64| (x * x.saturating_sub(1)) as f64 / 2.0;
    let index: f64 = table.iter().map(|&x| c2(x)).sum();
    let rows: f64 = (0..ka)
        .map(|i| c2(table[i * kb..(i + 1) * kb].iter().sum()))
        .sum();
    let cols: f64 = (0..kb)
        .map(|j| c2((0..ka).map(|i| table[i * kb + j]).sum()))
        .sum();
    let expected = rows * cols / c2(n as u64);
    let max = (rows + cols) / 2.0;
    if max == expected {
        // Both partitions trivial (one cluster, or all singletons): identical by convention.
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Above this many speakers, `k = "auto"` scores the silhouette on a seeded sample of this
/// many (scikit-learn's `silhouette_score(sample_size=…)`): the exact score costs O(n²).
pub const SILHOUETTE_SAMPLE: usize = 2000;

/// All indices when `n ≤ SILHOUETTE_SAMPLE`, else a seeded sample of that many, sorted.
pub fn silhouette_sample(n: usize, seed: u64) -> Vec<usize> {
    if n <= SILHOUETTE_SAMPLE {
        return (0..n).collect();
    }
    let mut rng = Xoshiro256Plus::seed_from_u64(seed ^ 0x5111_0e77e);
    let mut idx = rand::seq::index::sample(&mut rng, n, SILHOUETTE_SAMPLE).into_vec();
    idx.sort_unstable();
    idx
}

/// [`silhouette`] on [`silhouette_sample`] of the points.
pub fn sampled_silhouette(points: &[Vec<f64>], labels: &[usize], seed: u64) -> Option<f64> {
    let sample = silhouette_sample(points.len(), seed);
    if sample.len() == points.len() {
        return silhouette(points, labels);
    }
    let p: Vec<Vec<f64>> = sample.iter().map(|&i| points[i].clone()).collect();
    let l: Vec<usize> = sample.iter().map(|&i| labels[i]).collect();
    silhouette(&p, &l)
}

/// Above this many speakers, each stability refit clusters a seeded sample of this many and
/// assigns every speaker to the nearest of the sample's centroids (a subsampling stability
/// check): the refits then cost a tenth of the fit at 100,000 speakers. At or below it a refit
/// is the whole fit with the other seed, as before.
pub const STABILITY_SAMPLE: usize = 10_000;

/// The labels of one stability refit with `seed`: [`kmeans`] on all points up to
/// [`STABILITY_SAMPLE`], else on a seeded sample of that many, every point then labelled by its
/// nearest centroid.
pub fn stability_labels(
    data: &Array2<f64>,
    k: usize,
    seed: u64,
    settings: &KMeansSettings,
) -> Result<Vec<usize>, KMeansError> {
    let n = data.nrows();
    if n <= STABILITY_SAMPLE {
        return Ok(kmeans(data, k, seed, settings)?.labels);
    }
    let mut rng = Xoshiro256Plus::seed_from_u64(seed ^ 0x57ab_1e5a);
    let mut idx = rand::seq::index::sample(&mut rng, n, STABILITY_SAMPLE).into_vec();
    idx.sort_unstable();
    let fit = kmeans(&data.select(Axis(0), &idx), k, seed, settings)?;
    let mut labels = vec![0; n];
    lloyd::assign(data.view(), &to_array(&fit.centroids), &mut labels);
    Ok(labels)
}

/// The k range searched by `k = "auto"`: 2 ..= min(10, n − 1).
pub fn auto_range(n: usize) -> std::ops::RangeInclusive<usize> {
    2..=10.min(n.saturating_sub(1))
}

/// The outcome of `k = "auto"`.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoK {
    pub clustering: Clustering,
    pub k: usize,
    /// Silhouette of every k tried, in order.
    pub scores: Vec<(usize, f64)>,
}

/// Picks k by the highest silhouette over [`auto_range`]; ties go to the smaller k.
pub fn choose_k(
    points: &[Vec<f64>],
    seed: u64,
    settings: &KMeansSettings,
) -> Result<AutoK, KMeansError> {
    let data = to_array(points);
    let sample = silhouette_sample(points.len(), seed);
    let sample_points: Vec<Vec<f64>> = sample.iter().map(|&i| points[i].clone()).collect();
    let mut best: Option<(Clustering, usize, f64)> = None;
    let mut scores = Vec::new();
    for k in auto_range(points.len()) {
        let c = kmeans(&data, k, seed, settings)?;
        let labels: Vec<usize> = sample.iter().map(|&i| c.labels[i]).collect();
        let s = silhouette(&sample_points, &labels).unwrap_or(f64::NEG_INFINITY);
        scores.push((k, s));
        if best.as_ref().is_none_or(|(_, _, bs)| s > *bs) {
            best = Some((c, k, s));
        }
    }
    match best {
        Some((clustering, k, _)) => Ok(AutoK {
            clustering,
            k,
            scores,
        }),
        None => Err(KMeansError::TooFewPoints {
            k: 2,
            n: points.len(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ari_matches_hand_computation() {
        assert_eq!(adjusted_rand_index(&[0, 0, 1, 1], &[1, 1, 0, 0]), 1.0);
        // sklearn: adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 2]) = 0.5714285714285715
        // index = 1, rows = 2, cols = 1, expected = 2·1/6 = 1/3, max = 1.5
        let ari = adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!((ari - (1.0 - 1.0 / 3.0) / (1.5 - 1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[0, 0, 0]), 1.0);
    }

    #[test]
    fn silhouette_of_two_tight_pairs() {
        // points 0, 1 and 10, 11 on a line: a = 1, b = mean(10, 11) = 10.5 for 0, etc.
        let p: Vec<Vec<f64>> = [0.0, 1.0, 10.0, 11.0].iter().map(|&x| vec![x]).collect();
        let s = silhouette(&p, &[0, 0, 1, 1]).unwrap();
        let s0 = (10.5 - 1.0) / 10.5;
        let s1 = (9.5 - 1.0) / 9.5;
        assert!((s - (s0 + s1 + s1 + s0) / 4.0).abs() < 1e-12);
        assert!(silhouette(&p, &[0, 0, 0, 0]).is_none());
    }

    /// scikit-learn 1.9.1's `KMeans(5, n_init=10)` inertia on the same formula data
    /// (`tests/fixtures/kmeans/make_fixture.py`): 0.6674869186270591 per point.
    #[test]
    fn inertia_matches_scikit_learn() {
        let points: Vec<Vec<f64>> = (0..3000)
            .map(|i| {
                (0..8)
                    .map(|j| {
                        let v = (i as f64 * 12.9898 + j as f64 * 78.233).sin() * 43758.5453;
                        v - v.floor() + if i % 5 == j % 5 { 3.0 } else { 0.0 }
                    })
                    .collect()
            })
            .collect();
        let c = kmeans(&to_array(&points), 5, 0, &KMeansSettings::default()).unwrap();
        let sklearn = 0.6674869186270591;
        assert!(
            (c.inertia - sklearn).abs() / sklearn < 1e-3,
            "inertia {} vs scikit-learn {sklearn}",
            c.inertia
        );
        for i in 5..3000 {
            assert_eq!(c.labels[i], c.labels[i % 5], "point {i}");
        }
    }

    #[test]
    fn kmeans_is_seeded_and_renumbered() {
        let p: Vec<Vec<f64>> = [0.0, 0.1, 5.0, 5.1, 9.0, 9.2]
            .iter()
            .map(|&x| vec![x, -x])
            .collect();
        let d = to_array(&p);
        let a = kmeans(&d, 3, 1, &KMeansSettings::default()).unwrap();
        let b = kmeans(&d, 3, 1, &KMeansSettings::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.labels, [0, 0, 1, 1, 2, 2]);
        assert_eq!(nearest(&a.centroids, &[5.05, -5.05]), 1);
        assert!(kmeans(&d, 7, 1, &KMeansSettings::default()).is_err());
    }
}
