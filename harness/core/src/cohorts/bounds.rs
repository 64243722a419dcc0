//! Hamerly's bounds for the Lloyd iterations of [`super::lloyd`]: the labels of computing every
//! distance, with most distances skipped, and many rows not even read, once the centroids move
//! little.
//!
//! Each row keeps an upper bound `u` on its distance to its own centroid `a` and a lower bound
//! `l` on its distance to every other centroid (G. Hamerly, "Making k-means even faster", SDM
//! 2010). Each centroid keeps `s(a)`, half the distance to its nearest other centroid. A row with
//! `u < max(s(a), l)` cannot change label, by the triangle inequality, and is not read; else `u`
//! is tightened to the true distance and, if the test still fails, the row's distances to every
//! centroid are computed (the rows of a block that fail are gathered into one matrix product,
//! as [`assign`](super::lloyd::assign) does). After the update step `u` grows by its centroid's
//! shift and `l` shrinks by the largest shift of another centroid. (Elkan's k lower bounds per
//! row were tried: on 100,000 × 128 uniform data they read 70–99 % of the rows per iteration,
//! against about 45 % here, since a bound that is not refreshed decays by every shift.)
//!
//! **Exact, not approximate.** Every bound carries a slack of [`SLACK`] times
//! `‖x‖² + max ‖c‖²` on the squared distance behind it (about a thousand times the rounding
//! error of a 128-term dot product), and the comparison that lets a row keep its label is
//! strict: a row keeps its label unmeasured only when its centroid is nearer than any other by
//! more than rounding can move. Where two centroids are equally near to rounding, the row is
//! measured and the lower index wins, as in `assign`. The centroid sums ([`ExactSums`]) are
//! exact, so moving only the rows that changed label gives the numbers a full recomputation
//! gives.

use ndarray::{s, Array2, ArrayView2};

use super::lloyd::{nearest_two, par_map, BLOCK};

/// Relative slack on every squared distance behind a bound.
pub const SLACK: f64 = 1e-12;

/// Every row's label and bounds between iterations.
#[derive(Debug, Clone)]
pub struct Bounds {
    labels: Vec<usize>,
    upper: Vec<f64>,
    lower: Vec<f64>,
}

/// What one assignment step changed.
#[derive(Debug, Default)]
pub struct Step {
    /// `(row, previous label)` of every row whose label changed (`usize::MAX`: it had none).
    pub moved: Vec<(usize, usize)>,
    /// Rows that were read (some distance of theirs computed).
    pub read: usize,
    /// Rows whose distances to every centroid were computed.
    pub measured: usize,
}

impl Bounds {
    /// `n` rows, none assigned yet.
    pub fn new(n: usize) -> Bounds {
        Bounds {
            labels: vec![usize::MAX; n],
            upper: vec![f64::INFINITY; n],
            lower: vec![0.0; n],
        }
    }

    /// Every row's label (`usize::MAX` before the first step).
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// One assignment step: every row's label for `centroids`. `norms` holds ‖x‖² of every row
    /// of `data`, which must be in standard layout. The first step measures every row.
    pub fn step(&mut self, data: ArrayView2<f64>, norms: &[f64], centroids: &Array2<f64>) -> Step {
        let (k, dims) = centroids.dim();
        let cnorms: Vec<f64> = centroids.rows().into_iter().map(|c| c.dot(&c)).collect();
        let cmax = cnorms.iter().copied().fold(0.0f64, f64::max);
        let half = half_gaps(centroids, cmax);
        let ct = centroids.t();
        let cflat = centroids.as_standard_layout();
        let cflat = cflat.as_slice().unwrap_or(&[]);
        let flat = data.as_slice().unwrap_or(&[]);
        let blocks: Vec<_> = self
            .labels
            .chunks_mut(BLOCK)
            .zip(self.upper.chunks_mut(BLOCK))
            .zip(self.lower.chunks_mut(BLOCK))
            .enumerate()
            .collect();
        let parts = par_map(blocks, |(b, ((labels, upper), lower))| {
            let start = b * BLOCK;
            let slack = |r: usize| SLACK * (norms[start + r] + cmax);
            let keeps = |r: usize, upper: &[f64]| {
                let a = labels[r];
                a < k && upper[r] < half[a].max(lower[r])
            };
            let mut read = 0;
            // Rows the bounds cannot keep, after tightening the upper bound to the true distance.
            let mut failing = Vec::new();
            for r in 0..labels.len() {
                if labels[r] < k {
                    if keeps(r, upper) {
                        continue;
                    }
                    let a = labels[r];
                    let row = &flat[(start + r) * dims..(start + r + 1) * dims];
                    upper[r] = above(sq_dist(row, &cflat[a * dims..(a + 1) * dims]), slack(r));
                    read += 1;
                    if keeps(r, upper) {
                        continue;
                    }
                } else {
                    read += 1;
                }
                failing.push(r);
            }
            let mut moved = Vec::new();
            if failing.is_empty() {
                return (moved, read, 0);
            }
            // Every distance of those rows, by one matrix product.
            let products = if failing.len() == labels.len() {
                data.slice(s![start..start + labels.len(), ..]).dot(&ct)
            } else {
                let mut gathered = Vec::with_capacity(failing.len() * dims);
                for &r in &failing {
                    gathered.extend_from_slice(&flat[(start + r) * dims..(start + r + 1) * dims]);
                }
                ArrayView2::from_shape((failing.len(), dims), &gathered)
                    .map(|g| g.dot(&ct))
                    .unwrap_or_else(|_| Array2::zeros((0, k)))
            };
            for (&r, p) in failing.iter().zip(products.rows()) {
                let (best, second) = nearest_two(p.as_slice().unwrap_or(&[]), &cnorms);
                let xn = norms[start + r];
                let old = labels[r];
                labels[r] = best.0;
                upper[r] = above(xn + best.1, slack(r));
                lower[r] = below(xn + second, slack(r));
                if best.0 != old {
                    moved.push((start + r, old));
                }
            }
            (moved, read, failing.len())
        });
        let mut step = Step::default();
        for (moved, read, measured) in parts {
            step.moved.extend(moved);
            step.read += read;
            step.measured += measured;
        }
        step
    }

    /// Moves the bounds with the centroids: `shifts[c]` is how far centroid `c` moved.
    pub fn shift(&mut self, shifts: &[f64]) {
        // The largest and second largest shift, so each row can take the largest of the others.
        let mut top = (usize::MAX, 0.0f64, 0.0f64);
        for (c, &p) in shifts.iter().enumerate() {
            if p > top.1 {
                top = (c, p, top.1);
            } else if p > top.2 {
                top.2 = p;
            }
        }
        let grow = 1.0 + SLACK;
        for ((u, l), &a) in self.upper.iter_mut().zip(&mut self.lower).zip(&self.labels) {
            let other = if a == top.0 { top.2 } else { top.1 };
            *u += shifts.get(a).copied().unwrap_or(0.0) * grow;
            *l = (*l - other * grow).max(0.0);
        }
    }
}

/// `s(c)`: half the distance from each centroid to its nearest other one, less the slack
/// (+∞ with one centroid: there is no other to be near).
fn half_gaps(centroids: &Array2<f64>, cmax: f64) -> Vec<f64> {
    let k = centroids.nrows();
    let slack = SLACK * 2.0 * cmax;
    (0..k)
        .map(|a| {
            let x = centroids.row(a);
            let nearest = (0..k)
                .filter(|&j| j != a)
                .map(|j| {
                    let y = centroids.row(j);
                    sq_dist(x.as_slice().unwrap_or(&[]), y.as_slice().unwrap_or(&[]))
                })
                .fold(f64::INFINITY, f64::min);
            if nearest.is_infinite() {
                nearest
            } else {
                0.5 * below(nearest, slack)
            }
        })
        .collect()
}

/// An upper bound on the distance whose square was computed as `sq`.
fn above(sq: f64, slack: f64) -> f64 {
    (sq.max(0.0) + slack).sqrt()
}

/// A lower bound on the distance whose square was computed as `sq` (+∞ stays +∞).
fn below(sq: f64, slack: f64) -> f64 {
    if sq.is_infinite() {
        sq
    } else {
        (sq - slack).max(0.0).sqrt()
    }
}

/// Each cluster's sum of its members, exactly: every feature is held in fixed point (the
/// feature's largest magnitude scaled to just under 2⁵³, so each value keeps 53 bits of the
/// feature's range) and summed in 128-bit integers. A sum is then the same whatever the order of
/// the additions and subtractions, so moving only the rows that changed label gives the very
/// numbers a full recomputation gives, on any number of threads.
#[derive(Debug, Clone)]
pub struct ExactSums {
    dims: usize,
    /// 2^e of each feature: its values times this are integers below 2⁵³ in magnitude.
    scale: Vec<f64>,
    sums: Vec<i128>,
    counts: Vec<u64>,
}

impl ExactSums {
    /// Empty sums of `k` clusters over the features of `data`.
    pub fn new(data: ArrayView2<f64>, k: usize) -> ExactSums {
        let dims = data.ncols();
        let scale = (0..dims)
            .map(|j| {
                let top = data.column(j).iter().fold(0.0f64, |m, v| m.max(v.abs()));
                // top < 2^p; the scaled values stay below 2^52 (rounding may reach it).
                let p = if top > 0.0 {
                    top.log2().floor() as i32 + 1
                } else {
                    0
                };
                2.0f64.powi((52 - p).clamp(-1000, 1000))
            })
            .collect();
        ExactSums {
            dims,
            scale,
            sums: vec![0; k * dims],
            counts: vec![0; k],
        }
    }

    /// Adds (`sign` 1) or removes (`sign` −1) one row from cluster `c`.
    pub fn add(&mut self, c: usize, row: &[f64], sign: i128) {
        let sum = &mut self.sums[c * self.dims..(c + 1) * self.dims];
        for ((s, &v), &scale) in sum.iter_mut().zip(row).zip(&self.scale) {
            // Below 2⁵³ in magnitude: exact in an i64.
            *s += sign * i128::from((v * scale).round() as i64);
        }
        if sign > 0 {
            self.counts[c] += 1;
        } else {
            self.counts[c] -= 1;
        }
    }

    /// Members of cluster `c`.
    pub fn count(&self, c: usize) -> u64 {
        self.counts[c]
    }

    /// The mean of cluster `c`'s members (`None` when it has none).
    pub fn mean(&self, c: usize) -> Option<Vec<f64>> {
        let n = self.counts[c];
        (n > 0).then(|| {
            self.sums[c * self.dims..(c + 1) * self.dims]
                .iter()
                .zip(&self.scale)
                .map(|(&s, &scale)| s as f64 / scale / n as f64)
                .collect()
        })
    }
}

/// Squared Euclidean distance in eight running sums (so it vectorises); rounding within
/// [`SLACK`] of the sum of the squared norms.
fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut total: f64 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        total += d * d;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::super::lloyd::assign;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256Plus;

    fn random(n: usize, dims: usize, seed: u64) -> Array2<f64> {
        let mut rng = Xoshiro256Plus::seed_from_u64(seed);
        Array2::from_shape_fn((n, dims), |_| rng.gen::<f64>())
    }

    fn norms(data: &Array2<f64>) -> Vec<f64> {
        data.rows().into_iter().map(|x| x.dot(&x)).collect()
    }

    /// Through centroids that move a little at a time, the bounded step gives the labels of the
    /// full matrix-product step at every iteration, while reading few rows late on.
    #[test]
    fn bounded_steps_equal_full_steps() {
        let data = random(5000, 37, 1);
        let norms = norms(&data);
        let mut centroids = random(16, 37, 2);
        let mut bounds = Bounds::new(5000);
        let mut rng = Xoshiro256Plus::seed_from_u64(3);
        let mut before = vec![usize::MAX; 5000];
        let mut read_late = 0;
        for it in 0..30 {
            let step = bounds.step(data.view(), &norms, &centroids);
            let mut labels = vec![0; 5000];
            assign(data.view(), &centroids, &mut labels);
            assert_eq!(bounds.labels(), &labels[..], "iteration {it}");
            let moved: Vec<(usize, usize)> = (0..5000)
                .filter(|&i| before[i] != labels[i])
                .map(|i| (i, before[i]))
                .collect();
            assert_eq!(step.moved, moved, "iteration {it}");
            before = labels;
            if it >= 20 {
                read_late += step.read;
            }
            // Move every centroid by a small random step, shrinking over the iterations.
            let size = 0.05 / (1.0 + it as f64);
            let old = centroids.clone();
            centroids.mapv_inplace(|v| v + size * (rng.gen::<f64>() - 0.5));
            let shifts: Vec<f64> = (0..16)
                .map(|c| {
                    let (a, b) = (old.row(c), centroids.row(c));
                    sq_dist(a.as_slice().unwrap(), b.as_slice().unwrap()).sqrt()
                })
                .collect();
            bounds.shift(&shifts);
        }
        assert!(
            read_late < 10 * 5000 / 2,
            "{read_late} rows read in 10 late steps"
        );
    }

    /// Duplicated centroids (an exact tie for every row) never let a row skip: ties go to the
    /// lower index, as the full step does.
    #[test]
    fn ties_are_measured_not_skipped() {
        let data = random(600, 5, 4);
        let norms = norms(&data);
        let mut centroids = random(4, 5, 5);
        let r0 = centroids.row(0).to_owned();
        centroids.row_mut(3).assign(&r0);
        let mut bounds = Bounds::new(600);
        for _ in 0..3 {
            bounds.step(data.view(), &norms, &centroids);
            let mut labels = vec![0; 600];
            assign(data.view(), &centroids, &mut labels);
            assert_eq!(bounds.labels(), &labels[..]);
            assert!(bounds.labels().iter().all(|&l| l != 3));
            bounds.shift(&[0.0; 4]);
        }
    }

    #[test]
    fn one_centroid_keeps_every_row() {
        let data = random(300, 3, 6);
        let norms = norms(&data);
        let centroids = random(1, 3, 7);
        let mut bounds = Bounds::new(300);
        let step = bounds.step(data.view(), &norms, &centroids);
        assert_eq!(step.moved.len(), 300);
        bounds.shift(&[0.5]);
        let step = bounds.step(data.view(), &norms, &centroids);
        assert!(step.moved.is_empty());
        assert_eq!(step.read, 0);
    }

    /// Exact sums: adding and removing rows in any order leaves the sums of a fresh
    /// computation, and the means agree with floating-point means to rounding.
    #[test]
    fn exact_sums_do_not_depend_on_order() {
        let mut data = random(1000, 6, 8);
        data.column_mut(2).mapv_inplace(|v| v * 1e-9);
        data.column_mut(3).mapv_inplace(|v| -v * 1e6);
        let mut direct = ExactSums::new(data.view(), 2);
        let mut churned = ExactSums::new(data.view(), 2);
        for (i, x) in data.rows().into_iter().enumerate() {
            direct.add(i % 2, x.as_slice().unwrap(), 1);
        }
        // Everything into cluster 1 backwards, then the even rows moved to cluster 0.
        for (i, x) in data.rows().into_iter().enumerate().rev() {
            churned.add(1, x.as_slice().unwrap(), 1);
            if i % 2 == 0 {
                churned.add(1, x.as_slice().unwrap(), -1);
                churned.add(0, x.as_slice().unwrap(), 1);
            }
        }
        for c in 0..2 {
            assert_eq!(direct.count(c), 500);
            assert_eq!(direct.mean(c), churned.mean(c));
            let mean = direct.mean(c).unwrap();
            for (j, m) in mean.iter().enumerate() {
                let want: f64 = (c..1000).step_by(2).map(|i| data[[i, j]]).sum::<f64>() / 500.0;
                assert!(
                    (m - want).abs() <= 1e-14 * want.abs(),
                    "feature {j}: {m} vs {want}"
                );
            }
        }
        assert_eq!(ExactSums::new(data.view(), 1).mean(0), None);
    }
}
