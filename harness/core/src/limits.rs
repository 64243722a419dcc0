//! The upper bounds on every size that drives an allocation, in one place (DESIGN.md, "Limits").
//!
//! Each bound is checked where the value is read — suite, model spec, gate file, command line,
//! WAV header, table bytes — *before* anything is allocated from it, and a value past a bound
//! is invalid input (exit 2) with a message that names the bound: `sample rate 1 Hz is outside
//! the supported 1000..=384000 Hz`. The bounds are generous for real evaluation sets and small
//! enough that no single input can make tonebench ask for gigabytes.

/// Audio sample rates tonebench decodes or resamples to, in Hz (WAV headers, model specs).
pub const SAMPLE_RATE_HZ: (u32, u32) = (1_000, 384_000);
/// The longest audio clip or call, in seconds (4 hours).
pub const AUDIO_SECONDS: f64 = 4.0 * 3600.0;
/// The shortest clip a model is fed, in seconds (25 ms: 400 samples at 16 kHz, the receptive
/// field of wav2vec2's first layers; shorter clips make ONNX Runtime fail on the graph).
pub const MIN_MODEL_AUDIO_SECONDS: f64 = 0.025;
/// The most channels an audio file may have.
pub const CHANNELS: u32 = 64;
/// The most labels a label set may have (a k×k confusion matrix is allocated from it).
pub const LABELS: usize = 1_000;
/// The most bootstrap or permutation resamples (`--resamples`, `resamples =` in a gate file).
pub const RESAMPLES: u64 = 1_000_000;
/// The shortest hop between windows (`--hop`, `[streaming] hop`), in seconds.
pub const MIN_HOP_S: f64 = 0.01;
/// The most windows one call may be cut into: the longest call over the shortest hop.
pub const WINDOWS_PER_CALL: f64 = AUDIO_SECONDS / MIN_HOP_S;
/// The most acoustic conditions of one conditions file.
pub const CONDITIONS: usize = 256;
/// The largest speaker-embedding dimension.
pub const EMBEDDING_DIM: usize = 65_536;
/// The largest magnitude of one embedding coordinate (k-means squares and sums them: 1e300
/// would overflow to infinity).
pub const EMBEDDING_ABS: f64 = 1e12;
/// The longest cell of a table, in bytes.
pub const CELL_BYTES: usize = 1 << 20;
/// The longest line (record) of a text table, in bytes.
pub const LINE_BYTES: usize = 16 << 20;
/// The most columns of a table: an embeddings table of the largest dimension with its id and
/// speaker columns fits (a header of commas within [`LINE_BYTES`] would be 16 M columns).
pub const COLUMNS: usize = 1 << 17;

/// The most tokens one text is fed to a model as: `max-tokens` may not exceed it, and a text
/// the tokenizer does not truncate below it is refused (self-attention allocates the square).
pub const TOKENS: usize = 8_192;
/// The most embedding cohorts (`k` in `[cohorts]`; `auto` picks at most 10).
pub const CLUSTERS: usize = 100;
/// The most misclassified examples of every cohort (`--examples`).
pub const EXAMPLES: usize = 1_000;
/// The shortest streaming window (`--window`, `[streaming] window`): the shortest clip a
/// model is fed.
pub const MIN_WINDOW_S: f64 = MIN_MODEL_AUDIO_SECONDS;
/// The most mel bins of a log-mel front end (`mel-bins`, `feature_size`).
pub const MEL_BINS: usize = 512;
/// The largest FFT of a log-mel front end (`n_fft`).
pub const FFT_SIZE: usize = 1 << 16;
/// The most values (mel bins × frames) of one clip's log-mel features.
pub const FEATURE_VALUES: usize = 1 << 24;
/// The most folds of `corpus split --folds`.
pub const FOLDS: usize = 1_000;

/// The most rows of one session call (`--batch`, `--window-batch`, `profile --batch`).
pub const BATCH: usize = 4_096;
/// The most samples of one batch of streamed windows (batch × window length): 1 GiB of f32.
pub const BATCH_SAMPLES: usize = 1 << 28;

/// A value past one of the bounds above, as a message fragment naming the bound.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} is {value}, more than the supported maximum of {max} (DESIGN.md, Limits)")]
pub struct LimitError {
    pub what: String,
    pub value: String,
    pub max: String,
}

/// `Err` when `value > max`.
pub fn at_most<T: PartialOrd + std::fmt::Display>(
    what: &str,
    value: T,
    max: T,
) -> Result<(), LimitError> {
    if value > max {
        Err(LimitError {
            what: what.to_owned(),
            value: value.to_string(),
            max: max.to_string(),
        })
    } else {
        Ok(())
    }
}

/// A sample rate outside [`SAMPLE_RATE_HZ`], as a message fragment.
pub fn sample_rate(hz: u32) -> Result<(), String> {
    let (lo, hi) = SAMPLE_RATE_HZ;
    if (lo..=hi).contains(&hz) {
        Ok(())
    } else {
        Err(format!(
            "sample rate {hz} Hz is outside the supported {lo}..={hi} Hz (DESIGN.md, Limits)"
        ))
    }
}

/// A speaker-embedding vector past [`EMBEDDING_DIM`] or with a coordinate that is not finite
/// or larger in magnitude than [`EMBEDDING_ABS`]: the index of the first such coordinate
/// (`None` for the dimension) and a message fragment.
pub fn embedding(v: &[f64]) -> Result<(), (Option<usize>, String)> {
    at_most("the embedding dimension", v.len(), EMBEDDING_DIM)
        .map_err(|e| (None, e.to_string()))?;
    match v.iter().position(|x| !(x.is_finite() && x.abs() <= EMBEDDING_ABS)) {
        None => Ok(()),
        Some(i) => Err((
            Some(i),
            format!(
                "{} is not a finite number of magnitude at most {EMBEDDING_ABS:e} (DESIGN.md, Limits)",
                if v[i].abs() >= 1e6 { format!("{:e}", v[i]) } else { v[i].to_string() }
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_named_in_the_message() {
        assert_eq!(
            at_most("--resamples", 1_000_000_000, RESAMPLES)
                .unwrap_err()
                .to_string(),
            "--resamples is 1000000000, more than the supported maximum of 1000000 (DESIGN.md, Limits)"
        );
        assert!(at_most("labels", LABELS, LABELS).is_ok());
        assert!(sample_rate(1).unwrap_err().contains("1000..=384000 Hz"));
        assert!(sample_rate(16_000).is_ok());
        assert!(sample_rate(4_000_000_000).is_err());
        assert_eq!(embedding(&[0.5, -2.0]), Ok(()));
        let (at, msg) = embedding(&[0.5, 1e300]).unwrap_err();
        assert_eq!(at, Some(1));
        assert!(msg.contains("1e12"), "{msg}");
    }
}
