//! The fast engine through linfa's API, and against linfa-clustering's own `KMeans` as the
//! reference implementation (same parameters, same init).

use linfa::prelude::{Fit, Predict};
use linfa::DatasetBase;
use linfa_clustering::{KMeans, KMeansInit, KMeansParams};
use linfa_nn::distance::L2Dist;
use ndarray16::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;

use super::{FastKMeans, FastKMeansModel};

/// `n` points in `dims` dimensions: uniform noise on [0, 1) plus `spread · (i mod 3)`.
fn blobs(n: usize, dims: usize, spread: f64, seed: u64) -> Array2<f64> {
    let mut rng = Xoshiro256Plus::seed_from_u64(seed);
    Array2::from_shape_fn((n, dims), |(i, _)| {
        rng.gen::<f64>() + spread * (i % 3) as f64
    })
}

fn params(k: usize, seed: u64) -> KMeansParams<f64, Xoshiro256Plus, L2Dist> {
    KMeans::params_with_rng(k, Xoshiro256Plus::seed_from_u64(seed))
        .n_runs(3)
        .max_n_iterations(300)
        .tolerance(1e-4)
}

/// Fits linfa-clustering's `KMeans` (the reference) and the engine with the same parameters and
/// checks that they label `data` alike and that the inertia agrees within 1e-6; returns both models.
fn fit_both(
    p: KMeansParams<f64, Xoshiro256Plus, L2Dist>,
    data: &Array2<f64>,
) -> (KMeans<f64, L2Dist>, FastKMeansModel) {
    let ds = DatasetBase::from(data.clone());
    let reference = p.clone().fit(&ds).unwrap();
    let fast = FastKMeans::new(p).unwrap().fit(&ds).unwrap();
    let expected: Array1<usize> = reference.predict(data);
    assert_eq!(fast.predict(data), expected);
    assert_eq!(fast.labels(), expected.as_slice().unwrap());
    let rel = (fast.inertia() - reference.inertia()).abs() / reference.inertia();
    let (ours, theirs) = (fast.inertia(), reference.inertia());
    assert!(rel < 1e-6, "inertia {ours} vs linfa {theirs}");
    (reference, fast)
}

/// Same init (precomputed) on separated blobs: linfa-clustering's `KMeans` and the engine give the
/// same labels for the training data and for new points, and the same inertia (both updates have
/// the means as their fixed point).
#[test]
fn agrees_with_linfa_clustering_on_the_same_init() {
    let data = blobs(900, 5, 4.0, 1);
    let init = data.select(ndarray16::Axis(0), &[0, 4, 8]);
    let (reference, fast) = fit_both(
        params(3, 0).init_method(KMeansInit::Precomputed(init)),
        &data,
    );
    let fresh = blobs(90, 5, 4.0, 2);
    assert_eq!(fast.predict(&fresh), reference.predict(&fresh));
}

/// With k-means++ from the same seed (the engine draws the seeds as linfa-clustering does) the two
/// find the same clusters up to tolerance: labels agree on every point.
#[test]
fn agrees_with_linfa_clustering_from_the_same_seed() {
    let data = blobs(1200, 8, 2.0, 3);
    fit_both(params(3, 7).init_method(KMeansInit::KMeansPlusPlus), &data);
}

/// linfa's `ParamGuard` refuses what linfa refuses; unsupported init methods and too few records
/// are errors, not panics; non-contiguous records give the contiguous result.
#[test]
fn refuses_bad_parameters_and_reads_any_layout() {
    assert!(FastKMeans::new(params(0, 0)).is_err());
    assert!(FastKMeans::new(params(2, 0).tolerance(0.0)).is_err());
    let data = blobs(30, 2, 5.0, 4);
    let ds = DatasetBase::from(data.clone());
    let random = FastKMeans::new(params(3, 0).init_method(KMeansInit::Random)).unwrap();
    assert!(random.fit(&ds).is_err());
    let few = DatasetBase::from(data.slice(ndarray16::s![0..2, ..]).to_owned());
    assert!(FastKMeans::new(params(3, 0)).unwrap().fit(&few).is_err());
    let engine = FastKMeans::new(params(3, 0)).unwrap();
    let model = engine.fit(&ds).unwrap();
    let transposed = data.t().to_owned();
    let strided = transposed.t();
    assert_eq!(model.predict(&strided), model.predict(&data));
    assert_eq!(engine.fit(&DatasetBase::from(strided)).unwrap(), model);
}
