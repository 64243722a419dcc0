//! `run --conditions`: every audio or hybrid model of a run once more under each acoustic
//! condition. Each clip is decoded once (at its own rate), every condition is derived from the
//! decoded samples on a second thread ([`crate::audio::perturb`]), resampled to the model's
//! rate and predicted with the item's unchanged text; predictions are journaled under
//! `store::journal::condition_key(model, condition)` as they are made, so `--resume` redoes
//! nothing. [`evaluate`] turns them into `models[].robustness[]`.

pub mod evaluate;

use std::collections::HashMap;
use std::sync::mpsc::sync_channel;

use tonebench_core::report::{Warning, WarningCode};

use super::run::RunPlan;
use super::source::ModelFiles;
use super::AppError;
use crate::audio::perturb::{BabbleSource, Context};
use crate::infer::{self, Model};
use crate::input::conditions::Conditions;
use crate::input::suite::{ItemRef, Suite};
use crate::store::journal::{condition_key, Done, Entry, Journal};

/// One model's predictions under every condition, in the order of the conditions file.
#[derive(Debug, Clone)]
pub struct ConditionRuns {
    pub model: String,
    /// Per condition: the prediction of every suite item (`None`: it failed).
    pub preds: Vec<Vec<Option<usize>>>,
    pub warnings: Vec<Warning>,
}

/// Everything the conditions add to a run, for [`evaluate::attach`].
#[derive(Debug, Clone)]
pub struct RobustnessRuns {
    pub conditions: Conditions,
    /// One per model of the run that takes audio, in run order.
    pub models: Vec<ConditionRuns>,
    /// Models left out (text models), with why.
    pub warnings: Vec<(String, Warning)>,
}

/// Items perturbed and predicted between journal appends.
const CHUNK: usize = 16;

/// The clips of one item under the conditions still to do: (condition index, samples at the
/// model's rate or why they could not be made).
type Perturbed = (usize, Vec<(usize, Result<Vec<f32>, String>)>);

/// Runs every model of `plan` that takes audio under every condition of `conditions`,
/// skipping what the journal already holds.
pub fn run_conditions(
    suite: &Suite,
    plan: &RunPlan,
    conditions: &Conditions,
    journal: &mut Journal,
    done: &mut HashMap<String, Done>,
) -> anyhow::Result<RobustnessRuns> {
    let labels = suite.labels.names();
    let seed = plan.eval.bootstrap.seed;
    let babble: Vec<BabbleSource> = suite
        .items
        .iter()
        .filter_map(|i| {
            i.audio().map(|p| BabbleSource {
                id: i.id().to_owned(),
                speaker: i.speaker().map(str::to_owned),
                path: p.to_path_buf(),
            })
        })
        .collect();
    let mut out = RobustnessRuns {
        conditions: conditions.clone(),
        models: Vec::new(),
        warnings: Vec::new(),
    };
    for spec in &plan.models {
        let mut model = Model::load(spec, labels, plan.options)?;
        let Some(rate) = model.sample_rate() else {
            out.warnings.push((
                model.name.clone(),
                Warning {
                    code: WarningCode::RobustnessSkipped,
                    metric: None,
                    message: "a text model hears no audio: no acoustic conditions were run".into(),
                },
            ));
            continue;
        };
        let files = ModelFiles::read(spec, &model.files)?;
        let base = files.identity(plan.options.batch);
        let keys: Vec<String> = conditions
            .list
            .iter()
            .map(|c| condition_key(&model.name, &c.name))
            .collect();
        let mut joined = Vec::new();
        for (c, key) in conditions.list.iter().zip(&keys) {
            let identity = format!(
                "{base}|conditions={}|seed={seed}|{}",
                conditions.sha256, c.name
            );
            let d = done.entry(key.clone()).or_default();
            match &d.identity {
                Some(prev) if prev != &identity => {
                    return Err(AppError::ModelChanged(key.clone()).into())
                }
                Some(_) => {}
                None => {
                    joined.push(Entry::Model {
                        model: key.clone(),
                        identity: identity.clone(),
                    });
                    d.identity = Some(identity);
                }
            }
        }
        journal.append(&joined)?;
        let todo: Vec<(usize, ItemRef<'_>)> = suite
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| keys.iter().any(|k| !done[k].contains(i.id())))
            .collect();
        let total = suite.items.len() * keys.len();
        let bar = crate::term::bar(
            total,
            format!("{} × {} conditions", model.name, keys.len()),
            "",
        );
        let pending: Vec<Vec<usize>> = todo
            .iter()
            .map(|(_, i)| {
                (0..keys.len())
                    .filter(|&c| !done[&keys[c]].contains(i.id()))
                    .collect()
            })
            .collect();
        bar.set_position((total - pending.iter().map(Vec::len).sum::<usize>()) as u64);
        std::thread::scope(|scope| -> anyhow::Result<()> {
            let (tx, rx) = sync_channel::<Perturbed>(CHUNK);
            let (todo, pending, babble) = (&todo, &pending, &babble);
            scope.spawn(move || {
                for (n, &(_, item)) in todo.iter().enumerate() {
                    let clips = perturb_item(item, &pending[n], conditions, seed, babble, rate);
                    if tx.send((n, clips)).is_err() {
                        break;
                    }
                }
            });
            let mut entries = Vec::new();
            for (n, clips) in rx {
                let item = todo[n].1;
                for (c, clip) in clips {
                    let key = &keys[c];
                    let result = clip
                        .map_err(|msg| infer::InferError::Item {
                            id: item.id().to_owned(),
                            msg: format!("condition {}: {msg}", conditions.list[c].name),
                        })
                        .and_then(|s| model.predict_samples(&s, item.text()));
                    match result {
                        Ok(p) => entries.push(Entry::Item {
                            model: key.clone(),
                            id: item.id().to_owned(),
                            probs: p.probs,
                            latency_ms: p.timings.total().as_secs_f64() * 1e3,
                        }),
                        Err(e) if plan.keep_going => entries.push(Entry::Error {
                            model: key.clone(),
                            id: item.id().to_owned(),
                            error: e.to_string(),
                        }),
                        Err(e) => {
                            flush(journal, done, &mut entries)?;
                            bar.abandon();
                            return Err(anyhow::Error::from(e).context(
                                "stopped (pass --keep-going to record failing items and go on; --resume continues this run)",
                            ));
                        }
                    }
                    bar.inc(1);
                }
                if entries.len() >= CHUNK {
                    flush(journal, done, &mut entries)?;
                }
            }
            flush(journal, done, &mut entries)
        })?;
        bar.finish_and_clear();
        out.models.push(collect(suite, &model.name, &keys, done));
    }
    Ok(out)
}

fn flush(
    journal: &mut Journal,
    done: &mut HashMap<String, Done>,
    entries: &mut Vec<Entry>,
) -> anyhow::Result<()> {
    Ok(journal.record(done, std::mem::take(entries))?)
}

/// The item's clip decoded once and perturbed under each condition of `todo`.
fn perturb_item(
    item: ItemRef<'_>,
    todo: &[usize],
    conditions: &Conditions,
    seed: u64,
    babble: &[BabbleSource],
    rate: u32,
) -> Vec<(usize, Result<Vec<f32>, String>)> {
    let Some(path) = item.audio() else {
        return todo
            .iter()
            .map(|&c| (c, Err("no audio for an audio model".to_string())))
            .collect();
    };
    let clean = match crate::audio::decode(path) {
        Ok(w) => w,
        Err(e) => return todo.iter().map(|&c| (c, Err(e.to_string()))).collect(),
    };
    let ctx = Context {
        seed,
        id: item.id(),
        speaker: item.speaker(),
        babble,
    };
    todo.iter()
        .map(|&c| {
            let clip = conditions.list[c]
                .chain
                .apply(&clean.samples, clean.sample_rate, &ctx)
                .map_err(|e| e.to_string())
                .and_then(|y| crate::audio::resample_poly(&y, clean.sample_rate, rate));
            (c, clip)
        })
        .collect()
}

/// The predictions of one model under every condition, from the journal, with a warning for
/// every item that failed.
fn collect(
    suite: &Suite,
    model: &str,
    keys: &[String],
    done: &HashMap<String, Done>,
) -> ConditionRuns {
    let mut warnings = Vec::new();
    let preds = keys
        .iter()
        .map(|k| {
            let d = &done[k];
            let mut errors: Vec<(&str, &String)> = d.errors.iter().collect();
            errors.sort();
            for (id, e) in errors {
                warnings.push(Warning {
                    code: WarningCode::ItemFailed,
                    metric: None,
                    message: format!(
                        "item {id:?} failed under a condition and is not scored there: {e}"
                    ),
                });
            }
            suite
                .items
                .iter()
                .map(|i| d.items.get(i.id()).map(|(p, _)| infer::argmax(p)))
                .collect()
        })
        .collect();
    ConditionRuns {
        model: model.to_string(),
        preds,
        warnings,
    }
}
