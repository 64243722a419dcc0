//! Streaming windows through a model: equal-length windows of one call, batched.

use std::time::Duration;

use super::parts::{self, AudioFrontend, Graph, Tokens};
use super::spec::IoNames;
use super::{item, late, scored, text_feeds, text_predict, tokenize, Model, Pipeline};
use super::{InferError, InferInput, Prediction, Timings};

impl Model {
    /// Predicts windows of one stream: `rows` windows of equal length, back to back in
    /// `samples` (already at [`Model::sample_rate`]), in session calls of up to `batch` rows —
    /// rows of one length need no padding, so a batch computes what batch 1 does (up to the
    /// kernels' float rounding). `text` is the transcript hybrid models take with every
    /// window. Returns `k` probabilities per window, in suite label order, and the session
    /// time, and the graph's speech probability per window when the spec declares `[speech]`.
    pub fn predict_windows(
        &mut self,
        samples: &[f32],
        rows: usize,
        batch: usize,
        text: Option<&str>,
    ) -> Result<WindowOutputs, InferError> {
        let id = "window";
        let width = samples.len() / rows.max(1);
        let head = &self.head;
        let input = InferInput {
            id,
            text,
            audio: None,
        };
        let mut out = Vec::with_capacity(rows * head.columns.len());
        let mut time = Duration::ZERO;
        // Each window's features (raw samples, normalized, log-mel) are computed as the front
        // end computes a clip's, then stacked.
        let mut run = |graph: &mut Graph,
                       front: &AudioFrontend,
                       names: &IoNames,
                       tokens: Option<&Tokens>,
                       out: &mut Vec<Vec<f32>>|
         -> Result<Option<Vec<f32>>, InferError> {
            for chunk in samples.chunks(width * batch.max(1)) {
                let n = chunk.len() / width.max(1);
                let mut feeds = match tokens {
                    Some(t) => text_feeds(names, parts::pad(&vec![t; n])),
                    None => Vec::new(),
                };
                feeds.extend(front.batch_feeds(names, chunk, n));
                let (res, dt) = graph.run(feeds, n).map_err(|e| InferError::ItemRun {
                    id: id.to_string(),
                    msg: format!("{}: inference failed: {e}", graph.file.display()),
                })?;
                time += dt;
                out.extend(res);
            }
            Ok(graph.reads_speech().then(|| graph.take_speech()))
        };
        let mut rows_out: Vec<Vec<f32>> = Vec::with_capacity(rows);
        let speech = match &mut self.pipe {
            Pipeline::Text(_) => return Err(item(id, "a text model takes no audio samples")),
            Pipeline::Audio(a) => run(&mut a.graph, &a.front, &a.names, None, &mut rows_out)?,
            Pipeline::Hybrid {
                enc,
                front,
                graph,
                names,
            } => {
                let (tokens, _) = tokenize(enc, &input)?;
                run(graph, front, names, Some(&tokens), &mut rows_out)?
            }
            Pipeline::Late {
                text: tp,
                audio,
                weights,
            } => {
                let t = text_predict(tp, head, &[input], 1)?
                    .pop()
                    .unwrap_or_else(|| Err(item(id, "no prediction")))?;
                let speech = run(
                    &mut audio.graph,
                    &audio.front,
                    &audio.names,
                    None,
                    &mut rows_out,
                )?;
                for row in rows_out {
                    let a = scored(head, &row, id, &audio.graph.file)?;
                    let p = late(
                        &t,
                        &Prediction {
                            probs: a,
                            timings: Timings::default(),
                            audio_s: None,
                            batch: 1,
                        },
                        *weights,
                    );
                    out.extend(p.probs);
                }
                return Ok(WindowOutputs {
                    probs: out,
                    speech,
                    session: time,
                });
            }
        };
        for row in rows_out {
            let p = scored(head, &row, id, &self.file)?;
            out.extend(p);
        }
        Ok(WindowOutputs {
            probs: out,
            speech,
            session: time,
        })
    }
}

/// What [`Model::predict_windows`] returns.
#[derive(Debug, Clone)]
pub struct WindowOutputs {
    /// `k` probabilities per window, in suite label order.
    pub probs: Vec<f32>,
    /// The graph's speech probability per window (`[speech]` in the spec), else `None`.
    pub speech: Option<Vec<f32>>,
    /// Session time.
    pub session: Duration,
}
