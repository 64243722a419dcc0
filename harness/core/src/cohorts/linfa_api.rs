//! The engine of [`super::lloyd`] behind linfa's API, beside linfa's types: [`FastKMeans`] holds
//! linfa-clustering's validated `KMeansParams` (n_clusters, n_runs, tolerance, max iterations,
//! init method, RNG) and implements linfa's `Fit` on a `DatasetBase`; the fitted
//! [`FastKMeansModel`] implements `PredictInplace`, so linfa's `Predict` too. linfa 0.8 is on
//! ndarray 0.16 (`ndarray16`); the engine reads the same memory as an ndarray 0.17 view (a copy
//! only when the records are not contiguous).
//!
//! The parameters mean what linfa-clustering's `KMeans` makes of them, with two documented
//! differences of the engine (scikit-learn's `lloyd`): `tolerance` is scikit-learn's `tol`, scaled
//! by the mean feature variance, and the update is the mean of the members (linfa's m_k-means
//! counts the old centroid as one more member; both have the same fixed points). Init methods:
//! `KMeansPlusPlus` (drawn as linfa draws it) and `Precomputed`; the others are refused.

use std::borrow::Cow;

use linfa::prelude::{Fit, PredictInplace};
use linfa::DatasetBase;
use linfa_clustering::{KMeansError, KMeansInit, KMeansParams, KMeansValidParams};
use linfa_nn::distance::L2Dist;
use ndarray16::{ArrayBase, Data, Ix2};
use rand::Rng;

use super::lloyd::{self, LloydRun};

/// linfa-clustering's validated k-means parameters, fitted by the fast engine.
#[derive(Debug, Clone, PartialEq)]
pub struct FastKMeans<R: Rng>(KMeansValidParams<f64, R, L2Dist>);

impl<R: Rng> FastKMeans<R> {
    /// Checks `params` with linfa's `ParamGuard` (k, runs, tolerance, iterations all positive).
    pub fn new(params: KMeansParams<f64, R, L2Dist>) -> Result<Self, KMeansError> {
        use linfa::ParamGuard;
        Ok(Self(params.check()?))
    }

    /// The parameters, as linfa-clustering validated them.
    pub fn params(&self) -> &KMeansValidParams<f64, R, L2Dist> {
        &self.0
    }
}

/// A fitted k-means model: the run of lowest inertia (the first of equals).
#[derive(Debug, Clone, PartialEq)]
pub struct FastKMeansModel {
    run: LloydRun,
    samples: usize,
}

impl FastKMeansModel {
    /// `k × dims` centroids (ndarray 0.17).
    pub fn centroids(&self) -> &ndarray::Array2<f64> {
        &self.run.centroids
    }

    /// Nearest centroid of each training record for the final centroids.
    pub fn labels(&self) -> &[usize] {
        &self.run.labels
    }

    /// Mean squared distance of a training record to its centroid (linfa's `inertia()`).
    pub fn inertia(&self) -> f64 {
        self.run.inertia / self.samples.max(1) as f64
    }

    /// Lloyd iterations of the run kept (scikit-learn's `n_iter_`).
    pub fn iterations(&self) -> usize {
        self.run.iterations
    }
}

/// The records of a linfa (ndarray 0.16) matrix in row-major order: borrowed when contiguous.
fn row_major<D: Data<Elem = f64>>(x: &ArrayBase<D, Ix2>) -> Cow<'_, [f64]> {
    match x.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.iter().copied().collect()),
    }
}

/// The same numbers as an ndarray 0.17 view (the shape always fits `flat`).
fn view17(dim: (usize, usize), flat: &[f64]) -> Result<ndarray::ArrayView2<'_, f64>, KMeansError> {
    ndarray::ArrayView2::from_shape(dim, flat)
        .map_err(|e| linfa::Error::Parameters(format!("records: {e}")).into())
}

impl<R: Rng + Clone, D: Data<Elem = f64>, T> Fit<ArrayBase<D, Ix2>, T, KMeansError>
    for FastKMeans<R>
{
    type Object = FastKMeansModel;

    /// `n_runs` runs of [`lloyd::lloyd`] from one RNG stream (cloned from the parameters, as
    /// linfa-clustering does), keeping the lowest inertia.
    fn fit(
        &self,
        dataset: &DatasetBase<ArrayBase<D, Ix2>, T>,
    ) -> Result<FastKMeansModel, KMeansError> {
        let p = &self.0;
        let records = &dataset.records;
        let (n, dims) = records.dim();
        let k = p.n_clusters();
        if n < k {
            return Err(linfa::Error::NotEnoughSamples.into());
        }
        let flat = row_major(records);
        let data = view17((n, dims), &flat)?;
        let tol = lloyd::scaled_tolerance(data, p.tolerance());
        let max_iterations = usize::try_from(p.max_n_iterations()).unwrap_or(usize::MAX);
        let mut rng = p.rng().clone();
        let mut best: Option<LloydRun> = None;
        for _ in 0..p.n_runs() {
            let init = match p.init_method() {
                KMeansInit::KMeansPlusPlus => lloyd::plus_plus(data, k, &mut rng),
                KMeansInit::Precomputed(c) if c.dim() == (k, dims) => {
                    view17(c.dim(), &row_major(c))?.to_owned()
                }
                other => {
                    let msg = format!(
                        "init {other:?} (the engine takes KMeansPlusPlus or k × dims Precomputed)"
                    );
                    return Err(linfa::Error::Parameters(msg).into());
                }
            };
            let run = lloyd::lloyd(data, init, max_iterations, tol);
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        best.map(|run| FastKMeansModel { run, samples: n })
            .ok_or(KMeansError::InertiaError)
    }
}

impl<D: Data<Elem = f64>> PredictInplace<ArrayBase<D, Ix2>, ndarray16::Array1<usize>>
    for FastKMeansModel
{
    /// The nearest centroid of every row ([`lloyd::assign`], ties to the lower index).
    fn predict_inplace(&self, x: &ArrayBase<D, Ix2>, y: &mut ndarray16::Array1<usize>) {
        assert_eq!(x.nrows(), y.len(), "one target per record");
        let flat = row_major(x);
        let mut labels = vec![0; x.nrows()];
        if let Ok(data) = view17(x.dim(), &flat) {
            lloyd::assign(data, &self.run.centroids, &mut labels);
        }
        y.iter_mut().zip(labels).for_each(|(t, l)| *t = l);
    }

    fn default_target(&self, x: &ArrayBase<D, Ix2>) -> ndarray16::Array1<usize> {
        ndarray16::Array1::zeros(x.nrows())
    }
}

#[cfg(test)]
#[path = "linfa_api_tests.rs"]
mod tests;
