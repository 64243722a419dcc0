//! `tonebench perturb`: a suite written once per acoustic condition, `OUT/<condition>/`, with
//! the audio every model of `run --conditions` hears under it (before resampling to the model's
//! rate) as 32-bit float mono WAVs at the original sample rate, under the same relative paths.
//! Each folder is a suite of its own: every other command runs on it.

use std::path::{Path, PathBuf};

use super::AppError;
use crate::audio::perturb::{BabbleSource, Context};
use crate::input::conditions::{Condition, Conditions};
use crate::input::suite::Suite;
use crate::store::perturbed::PerturbedSuite;

/// What `perturb` does.
#[derive(Debug, Clone)]
pub struct PerturbPlan {
    pub suite: PathBuf,
    pub conditions: PathBuf,
    /// The run seed (the same as `run --seed` for the same audio).
    pub seed: u64,
    pub out: PathBuf,
}

/// What one condition's folder received.
#[derive(Debug, Clone)]
pub struct Written {
    pub condition: String,
    pub dir: PathBuf,
    pub clips: usize,
}

/// Writes one suite folder per condition.
pub fn perturb(plan: &PerturbPlan) -> anyhow::Result<Vec<Written>> {
    let suite = Suite::load(&plan.suite)?;
    let conditions = Conditions::load(&plan.conditions)?;
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
    if babble.is_empty() {
        return Err(
            AppError::Perturb(format!("suite {} has no audio to perturb", suite.name)).into(),
        );
    }
    let manifest_text =
        crate::open::read_to_string(&suite.manifest_path).map_err(|source| AppError::Read {
            path: suite.manifest_path.clone(),
            source,
        })?;
    let mut out = Vec::new();
    for c in &conditions.list {
        let dir = plan.out.join(&c.name);
        let folder = PerturbedSuite::create(&dir)?;
        let mut clips = 0;
        let bar = crate::term::bar(suite.items.len(), format!("perturb {}", c.name), "clips");
        for item in &suite.items {
            bar.inc(1);
            let Some(path) = item.audio() else { continue };
            let rel = path.strip_prefix(&suite.audio_root).map_err(|_| {
                AppError::Perturb(format!(
                    "item {}: audio {} is not under the suite's audio root {}",
                    item.id(),
                    path.display(),
                    suite.audio_root.display()
                ))
            })?;
            let clean = crate::audio::decode(path)?;
            let ctx = Context {
                seed: plan.seed,
                id: item.id(),
                speaker: item.speaker(),
                babble: &babble,
            };
            let y = c.chain.apply(&clean.samples, clean.sample_rate, &ctx)?;
            folder.write_clip(rel, &y, clean.sample_rate)?;
            clips += 1;
        }
        bar.finish_and_clear();
        let manifest = manifest_for(&suite, &manifest_text, c, plan)?;
        folder.finish(&suite.items_path, &manifest)?;
        out.push(Written {
            condition: c.name.clone(),
            dir,
            clips,
        });
    }
    Ok(out)
}

/// The suite.toml of a perturbed folder: the original with its name, description, items and
/// audio root changed, and the paths of `[cohorts]` made absolute (they point at the original
/// suite's files).
fn manifest_for(
    suite: &Suite,
    text: &str,
    c: &Condition,
    plan: &PerturbPlan,
) -> anyhow::Result<String> {
    let bad = |e: &dyn std::fmt::Display| {
        AppError::Perturb(format!("{}: {e}", suite.manifest_path.display()))
    };
    let mut t: toml::Table = toml::from_str(text).map_err(|e| bad(&e))?;
    let params = crate::render::robustness::describe(&c.parameters);
    t.insert(
        "name".into(),
        toml::Value::String(format!("{}-{}", suite.name, c.name)),
    );
    t.insert(
        "description".into(),
        toml::Value::String(format!(
            "{} — perturbed by tonebench perturb: condition {} ({params}), seed {}",
            suite.description, c.name, plan.seed
        )),
    );
    let items = suite
        .items_path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    t.insert("items".into(), toml::Value::String(items));
    t.insert(
        "audio-root".into(),
        toml::Value::String(crate::store::perturbed::AUDIO_DIR.into()),
    );
    if let Some(toml::Value::Table(cohorts)) = t.get_mut("cohorts") {
        for key in ["embeddings", "embedding-model"] {
            if let Some(toml::Value::String(p)) = cohorts.get_mut(key) {
                *p = absolute(&suite.dir.join(&*p)).display().to_string();
            }
        }
    }
    let body = toml::to_string(&t).map_err(|e| bad(&e))?;
    Ok(format!(
        "# Written by tonebench perturb from {} (condition {}, seed {}).\n{body}",
        suite.manifest_path.display(),
        c.name,
        plan.seed
    ))
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned())
}
