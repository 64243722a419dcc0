//! Speaker embeddings computed from a suite's audio for embedding cohorts: a speaker-embedding
//! ONNX model (`[cohorts] embedding-model`) or, when the suite names nothing, the built-in MFCC
//! statistics ([`crate::audio::mfcc`], the weakest option).
//!
//! Both give one vector per item with audio and average them per speaker
//! ([`speaker_means`]). `run` embeds each clip as its audio model decodes it, when the model
//! takes audio at the embedder's rate ([`Ahead`]): a clip is decoded and resampled once, and
//! only the clips the run did not decode (resumed items, other rates) are decoded again here. Items without audio or a speaker are skipped; an item whose audio cannot
//! be read or embedded is skipped with a warning. When some speaker of the suite ends up with no
//! vector, the embedding partition is skipped with a warning (`embedding_skipped`) rather than
//! failing the run: the core needs a vector for every speaker.

use std::path::Path;
use std::time::{Duration, Instant};

use tonebench_core::cohorts::{speaker_means, EmbeddingSource, KChoice};
use tonebench_core::report::{Warning, WarningCode};

use crate::audio::mfcc::{self, Mfcc};
use crate::infer::{Embedder, InferError, Options};
use crate::input::suite::{CohortSpec, Suite};

/// Source name of the built-in acoustic embedding.
pub const MFCC_SOURCE: &str = "mfcc-stats";

/// Embeddings computed for a run, with what happened on the way.
#[derive(Debug, Clone, Default)]
pub struct Computed {
    /// `None` when the partition had to be skipped (see `warnings`).
    pub source: Option<EmbeddingSource>,
    pub warnings: Vec<Warning>,
    /// Items embedded and the wall time it took here (decode, resample, features or inference).
    pub items: usize,
    pub elapsed: Duration,
    /// Of `items`, those embedded while the model run decoded their clips ([`Ahead`]).
    pub ahead: usize,
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

/// What embeds a clip for a suite's embedding cohorts.
pub enum ClipEmbedder {
    /// `[cohorts] embedding-model`.
    Model(Box<Embedder>),
    /// The built-in MFCC statistics.
    Mfcc(Mfcc),
}

impl ClipEmbedder {
    /// What the suite's `[cohorts]` computes its embeddings with: its `embedding-model`, else
    /// the MFCC statistics when it names no embeddings file and has audio with speakers, else
    /// nothing. A model that cannot be loaded is an error (exit 2 for a bad spec, 3 for the
    /// runtime).
    pub fn for_suite(suite: &Suite, spec: &CohortSpec) -> anyhow::Result<Option<ClipEmbedder>> {
        if let Some(model) = &spec.embedding_model {
            let e = Embedder::load(model, Options::default())
                .map_err(|e| anyhow::Error::new(e).context("[cohorts] embedding-model"))?;
            Ok(Some(ClipEmbedder::Model(Box::new(e))))
        } else if spec.embeddings.is_none() && has_audio_speakers(suite) {
            Ok(Some(ClipEmbedder::Mfcc(Mfcc::new())))
        } else {
            Ok(None)
        }
    }

    /// The rate it takes a clip at.
    pub fn sample_rate(&self) -> u32 {
        match self {
            ClipEmbedder::Model(e) => e.sample_rate(),
            ClipEmbedder::Mfcc(_) => mfcc::SAMPLE_RATE,
        }
    }

    /// The embedding of a clip decoded at [`ClipEmbedder::sample_rate`].
    fn embed_samples(&mut self, audio: &Path, samples: &[f32]) -> Result<Vec<f64>, String> {
        match self {
            ClipEmbedder::Model(e) => e
                .embed_samples(audio, samples.to_vec())
                .map(widen)
                .map_err(message),
            ClipEmbedder::Mfcc(m) => Ok(m.stats(samples)),
        }
    }

    /// The embedding of a clip, decoded here.
    fn embed_file(&mut self, audio: &Path) -> Result<Vec<f64>, String> {
        match self {
            ClipEmbedder::Model(e) => e.embed(audio).map(widen).map_err(message),
            ClipEmbedder::Mfcc(m) => m.stats_of_file(audio).map_err(|e| e.to_string()),
        }
    }
}

fn widen(v: Vec<f32>) -> Vec<f64> {
    v.into_iter().map(f64::from).collect()
}

fn message(e: InferError) -> String {
    match e {
        InferError::Item { msg, .. } | InferError::ItemRun { msg, .. } => msg,
        other => other.to_string(),
    }
}

/// A suite's embeddings in the making: those made while a model run decoded the clips (by item
/// index), and the embedder that makes the rest when the run ends ([`Ahead::finish`]).
pub struct Ahead {
    embedder: ClipEmbedder,
    made: Vec<Option<Vec<f64>>>,
}

impl Ahead {
    /// Nothing embedded yet; `None` when the suite computes no embeddings (see
    /// [`ClipEmbedder::for_suite`]).
    pub fn for_suite(suite: &Suite) -> anyhow::Result<Option<Ahead>> {
        let Some(spec) = &suite.cohorts else {
            return Ok(None);
        };
        Ok(ClipEmbedder::for_suite(suite, spec)?.map(|e| Ahead::new(e, suite)))
    }

    /// Nothing embedded yet with `embedder`.
    pub fn new(embedder: ClipEmbedder, suite: &Suite) -> Ahead {
        Ahead {
            embedder,
            made: vec![None; suite.items.len()],
        }
    }

    pub fn sample_rate(&self) -> u32 {
        self.embedder.sample_rate()
    }

    /// Embeds item `item`'s clip, decoded by the run at [`Ahead::sample_rate`], unless that is
    /// done already. A clip that fails is left for [`Ahead::finish`], which reports it.
    pub fn embed(&mut self, item: usize, audio: &Path, samples: &[f32]) {
        if self.made.get(item).is_some_and(Option::is_none) {
            self.made[item] = self.embedder.embed_samples(audio, samples).ok();
        }
    }

    /// Embeds what is left and averages per speaker: the source is named after the embedding
    /// model, or `mfcc-stats` (standardised per dimension across speakers, with the
    /// `weak_embedding` warning).
    pub fn finish(self, suite: &Suite, k: KChoice) -> anyhow::Result<Computed> {
        let Ahead { mut embedder, made } = self;
        let mfcc = matches!(embedder, ClipEmbedder::Mfcc(_));
        let name = match &embedder {
            ClipEmbedder::Model(e) => e.name.clone(),
            ClipEmbedder::Mfcc(_) => MFCC_SOURCE.to_string(),
        };
        let mut out = compute(suite, &name, k, made, |audio| embedder.embed_file(audio))?;
        if mfcc {
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
        }
        Ok(out)
    }
}

/// Runs `embed` over every item with audio and a speaker that `made` has no vector for, and
/// averages per speaker.
fn compute(
    suite: &Suite,
    name: &str,
    k: KChoice,
    mut made: Vec<Option<Vec<f64>>>,
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
    let mut ahead = 0;
    for &(n, audio) in &todo {
        let (v, early) = match made.get_mut(n).and_then(Option::take) {
            Some(v) => (Ok(v), true),
            None => (embed(audio), false),
        };
        let checked = v.and_then(|v| {
            tonebench_core::limits::embedding(&v)
                .map(|()| v)
                .map_err(|(at, m)| format!("embedding coordinate {}: {m}", at.unwrap_or(0)))
        });
        match checked {
            Ok(v) => {
                ahead += usize::from(early);
                vectors[n] = Some(v)
            }
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
        ahead,
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
