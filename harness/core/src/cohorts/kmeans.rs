//! Clustering speakers: seeded k-means (linfa-clustering, k-means++ init, several runs), the
//! silhouette score that picks `k = "auto"`, and the adjusted Rand index used for stability.

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray16::Array2;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

/// k-means settings; the defaults follow scikit-learn's `KMeans` (n_init 10, max_iter 300,
/// tol 1e-4) — but see [`kmeans`] for how linfa's tolerance differs.
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

/// Row-major `n × dims` points into a linfa (ndarray 0.16) matrix.
pub fn to_array(points: &[Vec<f64>]) -> Array2<f64> {
    let dims = points.first().map_or(0, Vec::len);
    let flat: Vec<f64> = points.iter().flat_map(|p| p.iter().copied()).collect();
    // Callers check that every row has `dims` values.
    Array2::from_shape_vec((points.len(), dims), flat).unwrap_or_else(|_| Array2::zeros((0, 0)))
}

/// k-means with k-means++ initialisation, `settings.runs` restarts keeping the lowest inertia,
/// seeded with `Xoshiro256Plus::seed_from_u64(seed)`.
///
/// linfa's k-means differs from scikit-learn's in two documented ways: it stops when the
/// Euclidean distance between the old and the new centroid matrices is below `tolerance`
/// (scikit-learn scales `tol` by the data variance), and its update counts the old centroid as
/// one more member of its cluster ("m_k-means"), so an empty cluster never becomes NaN.
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
    let rng = Xoshiro256Plus::seed_from_u64(seed);
    let model = KMeans::params_with_rng(k, rng)
        .n_runs(settings.runs.max(1))
        .max_n_iterations(settings.max_iterations.max(1))
        .tolerance(settings.tolerance)
        .init_method(KMeansInit::KMeansPlusPlus)
        .fit(&DatasetBase::from(data.clone()))
        .map_err(|e| KMeansError::Linfa(e.to_string()))?;
    let raw: Vec<usize> = model.predict(data).to_vec();
    let centroids = model.centroids();
    // Renumber by first appearance.
    let mut map = vec![usize::MAX; k];
    let mut next = 0;
    for &c in &raw {
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
        ordered[new] = centroids.row(old).to_vec();
    }
    let labels: Vec<usize> = raw.iter().map(|&c| map[c]).collect();
    let inertia = labels
        .iter()
        .enumerate()
        .map(|(i, &c)| sq_dist(data.row(i).as_slice().unwrap_or(&[]), &ordered[c]))
        .sum::<f64>()
        / n as f64;
    Ok(Clustering {
        labels,
        centroids: ordered,
        inertia,
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
