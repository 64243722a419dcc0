//! `tonebench suite import|split|check`: corpora into suites, speaker-disjoint splits, leakage.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::exit;
use crate::corpus::{self, check, split, Corpus, ImportPlan, Scheme};
use crate::error::UsageError;

/// `tonebench suite`.
#[derive(Debug, Clone, Args)]
pub struct SuiteArgs {
    #[command(subcommand)]
    pub command: SuiteCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SuiteCommand {
    /// Turn a corpus folder (ravdess, crema-d, emodb, iemocap, meld, msp-podcast, tess, savee,
    /// or generic with --map) into a suite.
    Import {
        /// The corpus: ravdess, crema-d, emodb, iemocap, meld, msp-podcast, tess, savee, generic
        corpus: String,
        /// The corpus folder, as its authors distribute it
        dir: PathBuf,
        /// The suite folder to write
        #[arg(long)]
        out: PathBuf,
        /// For `generic`: the mapping file (TOML) saying where each column comes from
        /// (docs/DESIGN.md, Generic corpora)
        #[arg(long)]
        map: Option<PathBuf>,
        /// valence (3 classes, the default mapping), emotion (the corpus's own), emotion4
        /// (neutral / happy+excited / sad / angry)
        #[arg(long, default_value = "valence")]
        labels: String,
        /// The suite's name (default: the corpus's)
        #[arg(long)]
        name: Option<String>,
        /// Only check that audio files exist, without decoding them
        #[arg(long)]
        no_decode: bool,
    },
    /// Speaker-disjoint (or any-column-disjoint) parts of a suite, stratified by label.
    Split {
        /// Suite folder (or its suite.toml)
        suite: PathBuf,
        /// speaker, or a metadata column (session, split, …)
        #[arg(long, default_value = "speaker")]
        by: String,
        /// K folds, each with test/ and train/
        #[arg(long)]
        folds: Option<usize>,
        /// One train/test split with this share of every label in test/
        #[arg(long)]
        test_fraction: Option<f64>,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Leakage check: duplicate audio and text, speakers shared with a training set.
    Check {
        /// Suite folder (or its suite.toml)
        suite: PathBuf,
        /// A training suite folder or a table with a speaker column (default: the suite's
        /// `training`)
        #[arg(long)]
        train: Option<PathBuf>,
    },
}

pub fn execute(args: &SuiteArgs) -> anyhow::Result<i32> {
    match &args.command {
        SuiteCommand::Import {
            corpus,
            dir,
            out,
            map,
            labels,
            name,
            no_decode,
        } => {
            let corpus = Corpus::parse(corpus).ok_or_else(|| {
                let names: Vec<&str> = Corpus::ALL.iter().map(|(n, _)| *n).collect();
                UsageError(format!(
                    "unknown corpus {corpus:?} (one of {})",
                    names.join(", ")
                ))
            })?;
            let scheme = Scheme::parse(labels).ok_or_else(|| {
                UsageError(format!(
                    "--labels {labels:?}: one of valence, emotion, emotion4"
                ))
            })?;
            let done = corpus::import(&ImportPlan {
                corpus,
                dir: dir.clone(),
                map: map.clone(),
                out: out.clone(),
                scheme,
                name: name.clone(),
                decode: !no_decode,
            })?;
            let labels: Vec<String> = done
                .labels
                .iter()
                .map(|(l, n)| format!("{l} {n}"))
                .collect();
            crate::status!(
                "imported {} items into {} ({})",
                done.items,
                done.dir.display(),
                labels.join(", ")
            );
            let mut why: BTreeMap<String, usize> = BTreeMap::new();
            for s in &done.skipped {
                *why.entry(reason_kind(&s.reason)).or_default() += 1;
            }
            if !why.is_empty() {
                crate::status!(
                    "skipped {} (listed with reasons in {}):",
                    done.skipped.len(),
                    done.dir.join(crate::store::imported::SKIPPED_CSV).display()
                );
                for (w, n) in why {
                    crate::status!("  {n:>6}  {w}");
                }
            }
        }
        SuiteCommand::Split {
            suite,
            by,
            folds,
            test_fraction,
            seed,
            out,
        } => {
            let parts = split::split(&split::SplitPlan {
                suite: suite.clone(),
                by: by.clone(),
                folds: *folds,
                test_fraction: *test_fraction,
                seed: *seed,
                out: out.clone(),
            })?;
            for p in parts {
                let labels: Vec<String> = p.labels.iter().map(usize::to_string).collect();
                crate::status!(
                    "{}: {} items, {} {by} group{}, per label [{}]",
                    p.dir.display(),
                    p.items,
                    p.groups,
                    if p.groups == 1 { "" } else { "s" },
                    labels.join(", ")
                );
            }
        }
        SuiteCommand::Check { suite, train } => {
            let outcome = check::check(suite, train.as_deref())?;
            print!("{}", check_text(&outcome));
            if outcome.failed() {
                return Ok(exit::GATE_FAILED);
            }
        }
    }
    Ok(exit::SUCCESS)
}

/// A skip reason with its particulars (ids, numbers) left out, to count alike reasons.
fn reason_kind(reason: &str) -> String {
    reason
        .split_once(" (first:")
        .map_or(reason, |(a, _)| a)
        .split_whitespace()
        .map(|w| {
            if w.chars().any(|c| c.is_ascii_digit()) && w.len() > 2 {
                "…"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The check's findings as a person reads them.
pub fn check_text(o: &check::CheckOutcome) -> String {
    const SHOWN: usize = 8;
    let mut s = format!(
        "checked {} items{} ({} clips decoded)\n",
        o.items,
        o.train_items
            .map(|n| format!(" against {n} training items"))
            .unwrap_or_default(),
        o.clips
    );
    if o.findings.is_empty() {
        s.push_str("no duplicates, no shared speakers\n");
    }
    for f in &o.findings {
        let more = f.members.len().saturating_sub(SHOWN);
        let shown: Vec<&str> = f.members.iter().take(SHOWN).map(String::as_str).collect();
        s.push_str(&format!(
            "{} {} ({}, {}): {}{}\n",
            if f.fails { "LEAK" } else { "note" },
            f.kind,
            f.scope,
            f.members.len(),
            shown.join(", "),
            if more > 0 {
                format!(", and {more} more")
            } else {
                String::new()
            }
        ));
    }
    s
}
