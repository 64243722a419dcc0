//! Late fusion: the weighted mean of a text and an audio model's predictions.

use super::{Prediction, Timings};

/// The weighted mean of two predictions.
pub(super) fn late(t: &Prediction, a: &Prediction, [wt, wa]: [f64; 2]) -> Prediction {
    let s = wt + wa;
    let probs = t
        .probs
        .iter()
        .zip(&a.probs)
        .map(|(&pt, &pa)| ((wt * f64::from(pt) + wa * f64::from(pa)) / s) as f32)
        .collect();
    Prediction {
        probs,
        timings: Timings {
            decode: a.timings.decode,
            resample: a.timings.resample,
            features: a.timings.features,
            tokenize: t.timings.tokenize,
            inference: t.timings.inference + a.timings.inference,
            post: t.timings.post + a.timings.post,
        },
        audio_s: a.audio_s,
        batch: t.batch,
    }
}
