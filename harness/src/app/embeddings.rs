//! Speaker embeddings computed from a suite's audio for embedding cohorts: a speaker-embedding
//! ONNX model (`[cohorts] embedding-model`) or, when the suite names nothing, the built-in MFCC
//! statistics ([`crate::audio::mfcc`], the weakest option).
//!
//! Both give one vector per item with audio and average them per speaker
//! ([`speaker_means`]). Items without audio or a speaker are skipped; an item whose audio cannot
//! be read or embedded is skipped with a warning. When some speaker of the suite ends up with no
//! vector, the embedding partition is skipped with a warning (`embedding_skipped`) rather than
//! failing the run: the core needs a vector for every speaker.

use std::path::Path;
use std::time::{Duration, Instant};

use tonebench_core::cohorts::{speaker_means, EmbeddingSource, KChoice};
use tonebench_core::report::{Warning, WarningCode};

use crate::audio::mfcc::{self, Mfcc};
use crate::infer::{Embedder, InferError, Options};
use crate::input::suite::Suite;

/// Source name of the built-in acoustic embedding.
pub const MFCC_SOURCE: &str = "mfcc-stats";

/// Embeddings computed for a run, with what happened on the way.
#[derive(Debug, Clone, Default)]
pub struct Computed {
    /// `None` when the partition had to be skipped (see `warnings`).
    pub source: Option<EmbeddingSource>,
    pub warnings: Vec<Warning>,
    /// Items embedded and the wall time it took (decode, resample, features or inference).
    pub items: usize,
    pub elapsed: Duration,
}

/// Whether the suite has at least one item with both audio and a speaker.
pub fn has_audio_speakers(suite: &Suite) -> bool {
    suite
        .items
        .iter()
        .any(|i| i.audio().is_some() && i.speaker().is_some())
}

fn warning(source: &str, code: WarningCode, message: String) -> Warning {
    Warning {
        code,
        metric: Some(format!("cohorts.{source}")),
        message,
    }
}

/// Runs `embed` over every item with audio and a speaker and averages per speaker.
fn compute(
    suite: &Suite,
    name: &str,
    k: KChoice,
    mut embed: impl FnMut(&Path) -> Result<Vec<f64>, String>,
) -> anyhow::Result<Computed> {
    let todo: Vec<(usize, &Path)> = suite
        .items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.speaker().is_some())
        .filter_map(|(n, i)| i.audio().map(|a| (n, a)))
        .collect();
    let bar = crate::term::bar(todo.len(), format!("embeddings {name}"), "");
    let start = Instant::now();
    let mut vectors: Vec<Option<Vec<f64>>> = vec![None; suite.items.len()];
    let mut failed: Vec<String> = Vec::new();
    for &(n, audio) in &todo {
        let checked = embed(audio).and_then(|v| {
            tonebench_core::limits::embedding(&v)
                .map(|()| v)
                .map_err(|(at, m)| format!("embedding coordinate {}: {m}", at.unwrap_or(0)))
        });
        match checked {
            Ok(v) => vectors[n] = Some(v),
            Err(e) => failed.push(format!(
                "item {}: {e}",
                tonebench_core::text::plain_or_quoted(suite.items.get(n).id())
            )),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    let elapsed = start.elapsed();
    let mut out = Computed {
        items: todo.len() - failed.len(),
        elapsed,
        ..Computed::default()
    };
    if let Some(first) = failed.first() {
        out.warnings.push(warning(
            name,
            WarningCode::EmbeddingItemsFailed,
            format!(
                "{} of {} items could not be embedded with \"{name}\" and were left out of its speaker means; first: {first}",
                failed.len(),
                todo.len()
            ),
        ));
    }
    let speakers: Vec<Option<String>> = suite.speakers();
    let means = speaker_means(name, &speakers, &vectors)?;
    let mut missing: Vec<&str> = Vec::new();
    for s in speakers.iter().flatten() {
        if !means.contains_key(s) && !missing.contains(&s.as_str()) {
            missing.push(s);
        }
    }
    if !missing.is_empty() {
        out.warnings.push(warning(
            name,
            WarningCode::EmbeddingSkipped,
            format!(
                "embedding cohorts \"{name}\" skipped: {} speaker(s) have no item with usable audio (first: {})",
                missing.len(),
                missing[0]
            ),
        ));
        return Ok(out);
    }
    let n = means.len();
    let too_few = match k {
        KChoice::Auto => n < 3,
        KChoice::Fixed(k) => k > n,
    };
    if too_few {
        out.warnings.push(warning(
            name,
            WarningCode::EmbeddingSkipped,
            format!(
                "embedding cohorts \"{name}\" skipped: {n} speaker(s) are too few for k = {}",
                match k {
                    KChoice::Auto => "\"auto\"".to_string(),
                    KChoice::Fixed(k) => k.to_string(),
                }
            ),
        ));
        return Ok(out);
    }
    out.source = Some(EmbeddingSource {
        name: name.to_string(),
        vectors: means,
    });
    Ok(out)
}

/// Embeddings from a speaker-embedding model spec; the source is named after the model. A
/// model that cannot be loaded is an error (exit 2 for a bad spec, 3 for the runtime).
pub fn from_model(suite: &Suite, spec: &Path, k: KChoice) -> anyhow::Result<Computed> {
    let mut embedder = Embedder::load(spec, Options::default())
        .map_err(|e| anyhow::Error::new(e).context("[cohorts] embedding-model"))?;
    let name = embedder.name.clone();
    compute(suite, &name, k, |audio| {
        embedder
            .embed(audio)
            .map(|v| v.into_iter().map(f64::from).collect())
            .map_err(|e| match e {
                InferError::Item { msg, .. } | InferError::ItemRun { msg, .. } => msg,
                other => other.to_string(),
            })
    })
}

/// The built-in MFCC statistics, standardised per dimension across speakers, with the
/// `weak_embedding` warning.
pub fn mfcc_stats(suite: &Suite, k: KChoice) -> anyhow::Result<Computed> {
    let m = Mfcc::new();
    let mut out = compute(suite, MFCC_SOURCE, k, |audio| {
        m.stats_of_file(audio).map_err(|e| e.to_string())
    })?;
    if let Some(src) = &mut out.source {
        mfcc::standardize(&mut src.vectors);
    }
    out.warnings.insert(
        0,
        warning(
            MFCC_SOURCE,
            WarningCode::WeakEmbedding,
            "embedding cohorts \"mfcc-stats\" come from MFCC statistics, the weakest embedding: they capture recording channel, loudness and broad timbre, not speaker identity; name a speaker-embedding model in [cohorts] embedding-model (or an embeddings file) for cohorts that mean something".into(),
        ),
    );
    Ok(out)
}
