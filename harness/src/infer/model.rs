//! A loaded model: the closed set of model kinds, each an arrangement of the parts in
//! [`super::parts`], and batch prediction in suite label order.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::parts::{self, AudioFrontend, Feed, Graph, Head, TextEncoder, Tokens};
use super::runtime::SessionOptions;
use super::spec::{self, IoNames, Kind, Plan};
use super::{InferError, InferInput, Options, Prediction, Timings};

mod late;
mod scored;
mod windows;
pub use windows::WindowOutputs;

use late::late;
use scored::scored;

/// Text model: tokenize → graph → head.
struct TextPipe {
    enc: TextEncoder,
    graph: Graph,
    names: IoNames,
}

/// Audio model: decode/resample → graph → head.
struct AudioPipe {
    front: AudioFrontend,
    graph: Graph,
    names: IoNames,
}

/// The model kinds, built by one `match` in [`Model::load`].
enum Pipeline {
    Text(TextPipe),
    Audio(AudioPipe),
    /// One graph fed by a tokenizer and an audio front end.
    Hybrid {
        enc: TextEncoder,
        front: AudioFrontend,
        graph: Graph,
        names: IoNames,
    },
    /// Weighted mean of a text and an audio model's probabilities.
    Late {
        text: Box<TextPipe>,
        audio: Box<AudioPipe>,
        weights: [f64; 2],
    },
}

/// A model ready to predict.
pub struct Model {
    pub name: String,
    /// The spec file.
    pub file: PathBuf,
    /// "text", "audio" or "hybrid" (late fusion counts as hybrid).
    pub modality: &'static str,
    /// The files that define the model (graphs, tokenizers), for [`Model::sha256`].
    pub files: Vec<PathBuf>,
    pub options: Options,
    /// What loading found questionable (a front end its preprocessor config disagrees with).
    pub warnings: Vec<String>,
    /// The spec's `[speech]` and `[streaming]`.
    pub service: spec::Service,
    head: Head,
    pipe: Pipeline,
    /// Clips decoded ahead of time (by another thread) for the next call, by path.
    preloaded: HashMap<PathBuf, crate::audio::Loaded>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.name)
            .field("file", &self.file)
            .field("modality", &self.modality)
            .field("options", &self.options)
            .finish()
    }
}

pub(super) fn item(id: &str, msg: impl std::fmt::Display) -> InferError {
    InferError::Item {
        id: id.to_string(),
        msg: msg.to_string(),
    }
}

impl Model {
    /// Loads the spec at `path` and opens its graphs, checking inputs, output width and the
    /// mapping of the model's labels onto `suite_labels`.
    pub fn load(
        path: &Path,
        suite_labels: &[String],
        options: Options,
    ) -> Result<Self, InferError> {
        Self::from_plan(spec::load(path)?, suite_labels, options)
    }

    /// Like [`Model::load`], with ONNX Runtime's profiler on in every session until
    /// [`Model::providers_used`] ends it: the way to learn which execution provider really ran
    /// the graph (ONNX Runtime may place nodes on the CPU without saying so).
    pub fn load_profiled(
        path: &Path,
        suite_labels: &[String],
        options: Options,
    ) -> Result<Self, InferError> {
        Self::open(spec::load(path)?, suite_labels, options, true)
    }

    /// Opens a checked spec.
    pub fn from_plan(
        plan: Plan,
        suite_labels: &[String],
        options: Options,
    ) -> Result<Self, InferError> {
        Self::open(plan, suite_labels, options, false)
    }

    fn open(
        plan: Plan,
        suite_labels: &[String],
        options: Options,
        profile: bool,
    ) -> Result<Self, InferError> {
        let head = Head::new(&plan.file, plan.output_kind, &plan.labels, suite_labels)?;
        let n = plan.labels.len();
        let so = SessionOptions {
            threads: options.threads,
            device: options.device,
            profile,
        };
        let text = |p: &spec::TextPlan| -> Result<TextPipe, InferError> {
            let (enc, graph) = parts::open_text(p, n, so)?;
            Ok(TextPipe {
                enc,
                graph,
                names: p.names.clone(),
            })
        };
        let audio = |p: &spec::AudioPlan| -> Result<AudioPipe, InferError> {
            let (front, graph) = parts::open_audio(p, n, so)?;
            Ok(AudioPipe {
                front,
                graph,
                names: p.names.clone(),
            })
        };
        let (modality, mut files, pipe) = match &plan.kind {
            Kind::Text(t) => (
                "text",
                vec![t.onnx.clone(), t.tokenizer.clone()],
                Pipeline::Text(text(t)?),
            ),
            Kind::Audio(a) => ("audio", vec![a.onnx.clone()], Pipeline::Audio(audio(a)?)),
            Kind::Hybrid(t, a) => {
                let enc = TextEncoder::open(&t.tokenizer, t.max_tokens)?;
                let (treq, topt) = parts::text_inputs(&t.names);
                let mut req = treq.to_vec();
                req.push((a.names.input_values.as_str(), parts::Elem::F32));
                let graph = Graph::open(&t.onnx, so, &req, &topt, t.names.output.as_deref(), n)?;
                (
                    "hybrid",
                    vec![t.onnx.clone(), t.tokenizer.clone()],
                    Pipeline::Hybrid {
                        enc,
                        front: AudioFrontend::raw(a.sample_rate),
                        graph,
                        names: t.names.clone(),
                    },
                )
            }
            Kind::Late {
                text: t,
                audio: a,
                weights,
            } => (
                "hybrid",
                vec![t.onnx.clone(), t.tokenizer.clone(), a.onnx.clone()],
                Pipeline::Late {
                    text: Box::new(text(t)?),
                    audio: Box::new(audio(a)?),
                    weights: *weights,
                },
            ),
        };
        files.extend(plan.extra_files);
        let mut pipe = pipe;
        if let Some(speech) = &plan.service.speech {
            match &mut pipe {
                Pipeline::Audio(a) => a.graph.read_speech(speech)?,
                Pipeline::Late { audio, .. } => audio.graph.read_speech(speech)?,
                Pipeline::Hybrid { graph, .. } => graph.read_speech(speech)?,
                Pipeline::Text(t) => t.graph.read_speech(speech)?,
            }
        }
        Ok(Model {
            name: plan.name,
            file: plan.file,
            modality,
            files,
            options,
            warnings: plan.warnings,
            service: plan.service,
            head,
            pipe,
            preloaded: HashMap::new(),
        })
    }

    /// sha256 over the spec file (none for an export folder) and every file it names, in order.
    pub fn sha256(&self) -> std::io::Result<String> {
        let mut all: Vec<&Path> = Vec::new();
        if !self.file.is_dir() {
            all.push(self.file.as_path());
        }
        all.extend(self.files.iter().map(PathBuf::as_path));
        crate::digest::sha256_files(&all)
    }

    /// The audio front end, for the report, when it is not the v1 default (raw samples chosen
    /// by the spec); `None` for text models.
    pub fn front_end(&self) -> Option<parts::FrontEndInfo> {
        let front = match &self.pipe {
            Pipeline::Text(_) | Pipeline::Hybrid { .. } => return None,
            Pipeline::Audio(a) => &a.front,
            Pipeline::Late { audio, .. } => &audio.front,
        };
        let info = front.describe();
        (info.features != "raw" || info.attention_mask || info.from != "spec").then_some(info)
    }

    /// The sample rate audio must have for [`Model::predict_samples`]; `None` for text models.
    pub fn sample_rate(&self) -> Option<u32> {
        match &self.pipe {
            Pipeline::Text(_) => None,
            Pipeline::Audio(a) => Some(a.front.sample_rate),
            Pipeline::Hybrid { front, .. } => Some(front.sample_rate),
            Pipeline::Late { audio, .. } => Some(audio.front.sample_rate),
        }
    }

    /// Ends the profiling started by [`Model::load_profiled`] and returns which execution
    /// provider ran how many nodes of each graph. Call it after at least one prediction.
    pub fn providers_used(&mut self) -> Result<Vec<ProviderUse>, InferError> {
        let mut graphs: Vec<&mut Graph> = match &mut self.pipe {
            Pipeline::Text(t) => vec![&mut t.graph],
            Pipeline::Audio(a) => vec![&mut a.graph],
            Pipeline::Hybrid { graph, .. } => vec![graph],
            Pipeline::Late { text, audio, .. } => vec![&mut text.graph, &mut audio.graph],
        };
        let mut out = Vec::new();
        for g in graphs.iter_mut() {
            let file = g.file.display().to_string();
            let used = g.end_profiling().map_err(|e| {
                InferError::Runtime(format!("{file}: cannot read the profiling trace: {e}"))
            })?;
            out.extend(used.into_iter().map(|(provider, nodes)| ProviderUse {
                graph: file.clone(),
                provider,
                nodes,
            }));
        }
        Ok(out)
    }

    /// Predicts one input given as samples already at [`Model::sample_rate`] (mono, in
    /// [-1, 1]) — a window of a stream — plus the text for models that need one. Timings
    /// have no decode or resample stage.
    pub fn predict_samples(
        &mut self,
        samples: &[f32],
        text: Option<&str>,
    ) -> Result<Prediction, InferError> {
        let id = "samples";
        let input = InferInput {
            id,
            text,
            audio: None,
        };
        let audio_s = |sr: u32| Some(samples.len() as f64 / f64::from(sr.max(1)));
        let head = &self.head;
        match &mut self.pipe {
            Pipeline::Text(_) => Err(item(id, "a text model takes no audio samples")),
            Pipeline::Audio(a) => {
                let feeds = a.front.feeds(&a.names, samples.to_vec());
                let sr = a.front.sample_rate;
                finish(
                    &mut a.graph,
                    head,
                    &input,
                    feeds,
                    Timings::default(),
                    audio_s(sr),
                )
            }
            Pipeline::Hybrid {
                enc,
                front,
                graph,
                names,
            } => {
                let (tokens, tok_d) = tokenize(enc, &input)?;
                let timings = Timings {
                    tokenize: tok_d,
                    ..Timings::default()
                };
                let mut feeds = text_feeds(names, parts::pad(&[&tokens]));
                feeds.push(audio_feed(names, samples.to_vec()));
                let sr = front.sample_rate;
                finish(graph, head, &input, feeds, timings, audio_s(sr))
            }
            Pipeline::Late {
                text: tp,
                audio,
                weights,
            } => {
                let t = text_predict(tp, head, &[input], 1)?
                    .pop()
                    .unwrap_or_else(|| Err(item(id, "no prediction")))?;
                let feeds = audio.front.feeds(&audio.names, samples.to_vec());
                let sr = audio.front.sample_rate;
                let a = finish(
                    &mut audio.graph,
                    head,
                    &input,
                    feeds,
                    Timings::default(),
                    audio_s(sr),
                )?;
                Ok(late(&t, &a, *weights))
            }
        }
    }

    /// Hands over clips decoded and resampled ahead of time (at [`Model::sample_rate`]) for the
    /// next [`Model::predict_batch`] call, which uses them instead of reading the files; clips
    /// it does not use are dropped after that call.
    pub fn preload(&mut self, clips: Vec<(PathBuf, crate::audio::Loaded)>) {
        self.preloaded.extend(clips);
    }

    /// Predicts `inputs`. The outer error stops the run (the model itself failed); an inner
    /// error concerns one item only ([`InferError::Item`]) and may be skipped.
    pub fn predict_batch(
        &mut self,
        inputs: &[InferInput<'_>],
    ) -> Result<Vec<Result<Prediction, InferError>>, InferError> {
        let batch = self.options.batch.max(1);
        let head = &self.head;
        let pre = &mut self.preloaded;
        let out = match &mut self.pipe {
            Pipeline::Text(t) => text_predict(t, head, inputs, batch),
            Pipeline::Audio(a) => Ok(inputs.iter().map(|i| audio_one(a, pre, head, i)).collect()),
            Pipeline::Hybrid {
                enc,
                front,
                graph,
                names,
            } => Ok(inputs
                .iter()
                .map(|i| hybrid_one(enc, front, pre, graph, names, head, i))
                .collect()),
            Pipeline::Late {
                text,
                audio,
                weights,
            } => text_predict(text, head, inputs, batch).map(|tp| {
                tp.into_iter()
                    .zip(inputs)
                    .map(|(t, i)| {
                        let t = t?;
                        let a = audio_one(audio, pre, head, i)?;
                        Ok(late(&t, &a, *weights))
                    })
                    .collect()
            }),
        };
        self.preloaded.clear();
        out
    }
}

/// How many nodes of a graph one execution provider ran.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProviderUse {
    /// The ONNX file.
    pub graph: String,
    /// ONNX Runtime's name, e.g. `CPUExecutionProvider`.
    pub provider: String,
    pub nodes: u64,
}

fn tokenize(enc: &TextEncoder, input: &InferInput<'_>) -> Result<(Tokens, Duration), InferError> {
    let text = input
        .text
        .ok_or_else(|| item(input.id, "no text for a text model"))?;
    let t = Instant::now();
    let tokens = enc
        .encode(text)
        .map_err(|e| item(input.id, format!("{}: {e}", enc.file.display())))?;
    Ok((tokens, t.elapsed()))
}

fn text_feeds(names: &IoNames, b: parts::TokenBatch) -> Vec<(&str, Feed)> {
    let shape = vec![b.rows as i64, b.len as i64];
    vec![
        (names.input_ids.as_str(), Feed::I64(b.ids, shape.clone())),
        (
            names.attention_mask.as_str(),
            Feed::I64(b.mask, shape.clone()),
        ),
        (names.token_type_ids.as_str(), Feed::I64(b.type_ids, shape)),
    ]
}

/// Text items in batches of `batch` with dynamic padding; items that fail to tokenize are
/// reported and left out of their batch.
fn text_predict(
    t: &mut TextPipe,
    head: &Head,
    inputs: &[InferInput<'_>],
    batch: usize,
) -> Result<Vec<Result<Prediction, InferError>>, InferError> {
    let mut out: Vec<Result<Prediction, InferError>> = Vec::with_capacity(inputs.len());
    for chunk in inputs.chunks(batch) {
        let start = out.len();
        let mut ok: Vec<(usize, Tokens, Duration)> = Vec::new();
        for (k, input) in chunk.iter().enumerate() {
            match tokenize(&t.enc, input) {
                Ok((tok, d)) => {
                    ok.push((start + k, tok, d));
                    // placeholder, replaced below
                    out.push(Err(item(input.id, "not run")));
                }
                Err(e) => out.push(Err(e)),
            }
        }
        if ok.is_empty() {
            continue;
        }
        let rows = ok.len();
        let padded = parts::pad(&ok.iter().map(|(_, tk, _)| tk).collect::<Vec<_>>());
        let feeds = text_feeds(&t.names, padded);
        match t.graph.run(feeds, rows) {
            Ok((res, dt)) => {
                let per = dt / rows as u32;
                for ((slot, _, tok_d), row) in ok.into_iter().zip(res) {
                    let tp = Instant::now();
                    let probs = match scored(head, &row, inputs[slot].id, &t.graph.file) {
                        Ok(p) => p,
                        Err(e) => {
                            out[slot] = Err(e);
                            continue;
                        }
                    };
                    out[slot] = Ok(Prediction {
                        probs,
                        timings: Timings {
                            tokenize: tok_d,
                            inference: per,
                            post: tp.elapsed(),
                            ..Timings::default()
                        },
                        audio_s: None,
                        batch: rows,
                    });
                }
            }
            Err(e) => {
                for (slot, _, _) in ok {
                    out[slot] = Err(InferError::ItemRun {
                        id: inputs[slot].id.to_string(),
                        msg: format!("{}: inference failed: {e}", t.graph.file.display()),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The clip of `input`: preloaded when it was, else decoded and resampled now.
fn load_audio(
    front: &AudioFrontend,
    pre: &mut HashMap<PathBuf, crate::audio::Loaded>,
    input: &InferInput<'_>,
) -> Result<crate::audio::Loaded, InferError> {
    let path = input
        .audio
        .ok_or_else(|| item(input.id, "no audio for an audio model"))?;
    let loaded = match pre.remove(path) {
        Some(loaded) => loaded,
        None => front.load(path).map_err(|e| item(input.id, e))?,
    };
    crate::audio::long_enough(path, &loaded.waveform).map_err(|e| item(input.id, e))?;
    Ok(loaded)
}

pub(super) fn audio_feed(names: &IoNames, samples: Vec<f32>) -> (&str, Feed) {
    let shape = vec![1, samples.len() as i64];
    (names.input_values.as_str(), Feed::F32(samples, shape))
}

fn finish(
    graph: &mut Graph,
    head: &Head,
    input: &InferInput<'_>,
    feeds: Vec<(&str, Feed)>,
    mut timings: Timings,
    audio_s: Option<f64>,
) -> Result<Prediction, InferError> {
    let (rows, dt) = graph.run(feeds, 1).map_err(|e| InferError::ItemRun {
        id: input.id.to_string(),
        msg: format!("{}: inference failed: {e}", graph.file.display()),
    })?;
    timings.inference = dt;
    let tp = Instant::now();
    let probs = scored(
        head,
        rows.first().map(Vec::as_slice).unwrap_or(&[]),
        input.id,
        &graph.file,
    )?;
    timings.post = tp.elapsed();
    Ok(Prediction {
        probs,
        timings,
        audio_s,
        batch: 1,
    })
}

/// One clip per session call: zero padding changes audio model outputs.
fn audio_one(
    a: &mut AudioPipe,
    pre: &mut HashMap<PathBuf, crate::audio::Loaded>,
    head: &Head,
    input: &InferInput<'_>,
) -> Result<Prediction, InferError> {
    let loaded = load_audio(&a.front, pre, input)?;
    let t = Instant::now();
    let feeds = a.front.feeds(&a.names, loaded.waveform.samples);
    let timings = Timings {
        decode: loaded.decode,
        resample: loaded.resample,
        features: t.elapsed(),
        ..Timings::default()
    };
    finish(
        &mut a.graph,
        head,
        input,
        feeds,
        timings,
        Some(loaded.source_duration_s),
    )
}

fn hybrid_one(
    enc: &TextEncoder,
    front: &AudioFrontend,
    pre: &mut HashMap<PathBuf, crate::audio::Loaded>,
    graph: &mut Graph,
    names: &IoNames,
    head: &Head,
    input: &InferInput<'_>,
) -> Result<Prediction, InferError> {
    let (tokens, tok_d) = tokenize(enc, input)?;
    let loaded = load_audio(front, pre, input)?;
    let timings = Timings {
        decode: loaded.decode,
        resample: loaded.resample,
        tokenize: tok_d,
        ..Timings::default()
    };
    let mut feeds = text_feeds(names, parts::pad(&[&tokens]));
    feeds.push(audio_feed(names, loaded.waveform.samples));
    finish(
        graph,
        head,
        input,
        feeds,
        timings,
        Some(loaded.source_duration_s),
    )
}
