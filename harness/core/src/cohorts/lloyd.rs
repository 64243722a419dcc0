//! The k-means engine behind [`super::kmeans::kmeans`]: k-means++ seeding with the running
//! minimum distance (one new centroid per step, O(n·d) each), Lloyd iterations whose assignment
//! step is a matrix product (‖x‖² − 2·x·cᵀ + ‖c‖², ndarray's `dot` on matrixmultiply), and
//! scikit-learn's stopping rule. From the second iteration on, Hamerly's
//! bounds ([`super::bounds`]) skip the rows that provably keep their label, and the centroid sums
//! move only the rows that changed: the same labels and centroids, far fewer distances and
//! reads once the centroids settle.
//!
//! Rows are processed in blocks of [`BLOCK`] on every available core; the centroid sums are
//! exact ([`ExactSums`]), so the result does not depend on the number of threads.

use ndarray::{s, Array2, ArrayView2, Axis};
use rand::distributions::{Distribution, WeightedIndex};
use rand::Rng;

use super::bounds::{Bounds, ExactSums};

/// Rows per block: the unit of work of a thread and of one matrix product (256 rows × 128 dims
/// of f64 is 256 KiB, about an L2 cache).
pub const BLOCK: usize = 256;

/// One Lloyd run from given initial centroids.
#[derive(Debug, Clone, PartialEq)]
pub struct LloydRun {
    /// `k × dims`.
    pub centroids: Array2<f64>,
    /// Nearest centroid of each row for the final `centroids`.
    pub labels: Vec<usize>,
    /// Sum of squared distances of the rows to their centroid (computed point by point).
    pub inertia: f64,
    /// Lloyd iterations done (scikit-learn's `n_iter_`).
    pub iterations: usize,
}

/// k-means++ seeding as linfa-clustering 0.8 does it (so the same seed gives the same
/// centroids): the first centroid drawn uniformly through a `WeightedIndex` of ones, each next
/// one with probability proportional to the squared distance to the nearest centroid so far.
/// The nearest distance is kept and lowered with the newest centroid only: O(n·k·d) in all
/// where linfa recomputes every distance at every step (O(n·k²·d)).
pub fn plus_plus<R: Rng>(data: ArrayView2<f64>, k: usize, rng: &mut R) -> Array2<f64> {
    let (n, dims) = data.dim();
    let mut centroids = Array2::zeros((k, dims));
    if n == 0 || k == 0 {
        return centroids;
    }
    let first = WeightedIndex::new(std::iter::repeat_n(1.0f64, n))
        .map(|w| w.sample(rng))
        .unwrap_or(0);
    centroids.row_mut(0).assign(&data.row(first));
    let mut nearest = vec![f64::INFINITY; n];
    for c in 1..k {
        let newest = centroids.row(c - 1).to_vec();
        par_blocks(&mut nearest, 1, |b, out| {
            let rows = data.slice(s![b * BLOCK..b * BLOCK + out.len(), ..]);
            for (d, x) in out.iter_mut().zip(rows.rows()) {
                let v = sq_dist_iter(x.iter().copied(), &newest);
                if v < *d {
                    *d = v;
                }
            }
        });
        // All distances 0: every point is a centroid already, any index will do.
        let next = WeightedIndex::new(nearest.iter())
            .map(|w| w.sample(rng))
            .unwrap_or(0);
        centroids.row_mut(c).assign(&data.row(next));
    }
    centroids
}

/// scikit-learn's tolerance: `tol` times the mean over features of the feature variance.
pub fn scaled_tolerance(data: ArrayView2<f64>, tol: f64) -> f64 {
    let n = data.nrows();
    if n == 0 || data.ncols() == 0 {
        return 0.0;
    }
    let var = data.var_axis(Axis(0), 0.0);
    tol * var.mean().unwrap_or(0.0)
}

/// Lloyd's algorithm from `init` with scikit-learn's stopping rule (`_kmeans_single_lloyd`):
/// after each iteration stop when no label changed ("strict convergence"), else when the sum of
/// squared centroid shifts is at most `tol_scaled` (see [`scaled_tolerance`]), else after
/// `max_iterations`. The update is the mean of the members, from exact sums that move only the
/// rows that changed label ([`ExactSums`]); a cluster left empty keeps its
/// centroid (scikit-learn moves it to a far point instead). Unless strictly converged, a last
/// assignment makes the labels those of the final centroids, as scikit-learn does.
pub fn lloyd(
    data: ArrayView2<f64>,
    init: Array2<f64>,
    max_iterations: usize,
    tol_scaled: f64,
) -> LloydRun {
    let n = data.nrows();
    let data = data.as_standard_layout();
    let data = data.view();
    let norms: Vec<f64> = data.rows().into_iter().map(|x| x.dot(&x)).collect();
    let mut centroids = init;
    let k = centroids.nrows();
    let mut bounds = Bounds::new(n);
    let mut sums = ExactSums::new(data, k);
    let flat = data.as_slice().unwrap_or(&[]);
    let dims = data.ncols();
    let mut strict = false;
    let mut iterations = 0;
    for _ in 0..max_iterations.max(1) {
        iterations += 1;
        let step = bounds.step(data, &norms, &centroids);
        for &(row, old) in &step.moved {
            let x = &flat[row * dims..(row + 1) * dims];
            if old != usize::MAX {
                sums.add(old, x, -1);
            }
            sums.add(bounds.labels()[row], x, 1);
        }
        let mut shift = 0.0;
        let mut shifts = vec![0.0; k];
        for (c, moved) in shifts.iter_mut().enumerate() {
            let Some(mean) = sums.mean(c) else {
                continue;
            };
            let d = sq_dist_iter(
                mean.iter().copied(),
                centroids.row(c).as_slice().unwrap_or(&[]),
            );
            shift += d;
            *moved = d.sqrt();
            centroids
                .row_mut(c)
                .assign(&ndarray::ArrayView1::from(&mean));
        }
        if step.moved.is_empty() {
            strict = true;
            break;
        }
        if shift <= tol_scaled {
            break;
        }
        bounds.shift(&shifts);
    }
    let mut labels = bounds.labels().to_vec();
    if !strict {
        assign(data, &centroids, &mut labels);
    }
    let inertia = inertia(data, &centroids, &labels);
    LloydRun {
        centroids,
        labels,
        inertia,
        iterations,
    }
}

/// The assignment step: the nearest centroid of every row into `labels`, found by a matrix
/// product per block (argmin over `c` of ‖c‖² − 2·x·c; ties go to the lower index).
pub fn assign(data: ArrayView2<f64>, centroids: &Array2<f64>, labels: &mut [usize]) {
    let norms: Vec<f64> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
    let ct = centroids.t();
    par_blocks(labels, 1, |b, out| {
        let rows = data.slice(s![b * BLOCK..b * BLOCK + out.len(), ..]);
        let products = rows.dot(&ct);
        for (label, p) in out.iter_mut().zip(products.rows()) {
            *label = nearest_two(p.as_slice().unwrap_or(&[]), &norms).0 .0;
        }
    });
}

/// From one row's products `x·c` with every centroid and the centroids' `‖c‖²`: the nearest
/// centroid with its ‖c‖² − 2·x·c (ties go to the lower index), and the second smallest value
/// (+∞ with one centroid).
pub fn nearest_two(products: &[f64], norms: &[f64]) -> ((usize, f64), f64) {
    let mut best = (0, f64::INFINITY);
    let mut second = f64::INFINITY;
    for (j, (&v, &norm)) in products.iter().zip(norms).enumerate() {
        let d = norm - 2.0 * v;
        if d < best.1 {
            second = best.1;
            best = (j, d);
        } else if d < second {
            second = d;
        }
    }
    (best, second)
}

/// Sum of squared distances of the rows to their labelled centroid, point by point.
pub fn inertia(data: ArrayView2<f64>, centroids: &Array2<f64>, labels: &[usize]) -> f64 {
    let mut scratch = labels.to_vec();
    par_blocks(&mut scratch, 1, |b, out| {
        let rows = data.slice(s![b * BLOCK..b * BLOCK + out.len(), ..]);
        rows.rows()
            .into_iter()
            .zip(out.iter())
            .map(|(x, &l)| {
                sq_dist_iter(
                    x.iter().copied(),
                    centroids.row(l).as_slice().unwrap_or(&[]),
                )
            })
            .sum::<f64>()
    })
    .into_iter()
    .sum()
}

/// Squared Euclidean distance, summed in order (as ndarray-stats' `sq_l2_dist`).
fn sq_dist_iter(a: impl Iterator<Item = f64>, b: &[f64]) -> f64 {
    let mut total = 0.0;
    for (x, y) in a.zip(b) {
        let d = x - y;
        total += d * d;
    }
    total
}

/// Runs `f(block, rows of out)` for every block of `BLOCK · width` elements of `out`, spread
/// over the available cores in contiguous runs of blocks; returns the results in block order.
pub fn par_blocks<T: Send, R: Send>(
    out: &mut [T],
    width: usize,
    f: impl Fn(usize, &mut [T]) -> R + Sync,
) -> Vec<R> {
    let size = BLOCK * width.max(1);
    let blocks: Vec<(usize, &mut [T])> = out.chunks_mut(size).enumerate().collect();
    par_map(blocks, |(b, o)| f(b, o))
}

/// `f` of every item, spread over the available cores in contiguous runs of items; the
/// results in item order.
pub fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |t| t.get())
        .min(items.len())
        .max(1);
    if threads == 1 {
        return items.into_iter().map(f).collect();
    }
    let per = items.len().div_ceil(threads);
    let mut groups: Vec<Vec<T>> = Vec::new();
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        groups.push(it.by_ref().take(per).collect());
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|g| scope.spawn(move || g.into_iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256Plus;

    fn random(n: usize, dims: usize, seed: u64) -> Array2<f64> {
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        Array2::from_shape_fn((n, dims), |_| rng.gen::<f64>())
    }

    /// The matrix-product assignment gives the labels the point-by-point one gives.
    #[test]
    fn gemm_assignment_equals_point_by_point() {
        let data = random(3000, 37, 1);
        let centroids = random(16, 37, 2);
        let mut labels = vec![0; 3000];
        assign(data.view(), &centroids, &mut labels);
        let mut sums = ExactSums::new(data.view(), 16);
        let mut expected_sums = Array2::<f64>::zeros((16, 37));
        for (i, x) in data.rows().into_iter().enumerate() {
            let mut best = (0, f64::INFINITY);
            for (j, c) in centroids.rows().into_iter().enumerate() {
                let d = sq_dist_iter(x.iter().copied(), c.as_slice().unwrap());
                if d < best.1 {
                    best = (j, d);
                }
            }
            assert_eq!(labels[i], best.0, "row {i}");
            sums.add(labels[i], x.as_slice().unwrap(), 1);
            let mut r = expected_sums.row_mut(best.0);
            r += &x;
        }
        assert_eq!((0..16).map(|c| sums.count(c)).sum::<u64>(), 3000);
        let mut err = 0.0f64;
        for c in (0..16).filter(|&c| sums.count(c) > 0) {
            let n = sums.count(c) as f64;
            for (m, e) in sums.mean(c).unwrap().iter().zip(expected_sums.row(c)) {
                err = err.max((m * n - e).abs());
            }
        }
        assert!(err < 1e-9, "sums differ by {err}");
    }

    /// Lloyd converges on separated blobs to the blobs, and strictly (labels stop changing).
    #[test]
    fn lloyd_finds_separated_blobs() {
        let mut data = random(600, 4, 3);
        for (i, mut r) in data.rows_mut().into_iter().enumerate() {
            r += 10.0 * (i % 3) as f64;
        }
        let mut rng = Xoshiro256Plus::seed_from_u64(9);
        let init = plus_plus(data.view(), 3, &mut rng);
        let run = lloyd(data.view(), init, 300, scaled_tolerance(data.view(), 1e-4));
        for i in 3..600 {
            assert_eq!(run.labels[i], run.labels[i % 3]);
        }
        assert!(run.iterations < 10, "{} iterations", run.iterations);
        // Each blob is uniform on [10m, 10m + 1]⁴: variance 1/12 per dimension.
        let per_point = run.inertia / 600.0;
        assert!((per_point - 4.0 / 12.0).abs() < 0.05, "{per_point}");
    }
}
