//! The `Examples:` section of every subcommand's `--help` (and of the man page), in one table so
//! that each command has them and a test can parse every example line with the real parser
//! (`every_subcommand_has_examples_that_parse`).

/// Examples per subcommand path (`suite import` is `["suite", "import"]`). A line starting with
/// `tonebench` (after optional `VAR=value` words) is a command; `#` starts a comment.
pub const EXAMPLES: &[(&[&str], &[&str])] = &[
    (&["demo"], &["tonebench demo", "tonebench demo --out /tmp/demo --resamples 200"]),
    (
        &["run"],
        &[
            "tonebench run --suite suites/demo --model suites/demo/models/text.toml --model suites/demo/models/audio.toml",
            "tonebench run --suite suites/demo --model suites/demo/models/audio.toml --out runs/a --resume",
            "tonebench run --suite suites/demo-calls --model suites/demo/models/audio.toml --window 5 --hop 2.5",
            "tonebench run --suite S --model M.toml --out runs/x --shard 3/16   # then tonebench merge runs/x",
        ],
    ),
    (
        &["score"],
        &[
            "tonebench score --suite suites/demo --predictions preds.csv",
            "tonebench score --suite suites/demo --predictions preds.parquet --name my-model --out runs/mine --mlflow http://127.0.0.1:5000",
        ],
    ),
    (
        &["gate"],
        &[
            "tonebench gate --report reports/demo --gates docs/examples/gates-text.toml",
            "tonebench gate --report runs/x --gates gates.toml --baseline main --junit gate.xml --markdown summary.md",
        ],
    ),
    (
        &["baseline"],
        &[
            "tonebench baseline save --name main reports/demo",
            "tonebench baseline list",
        ],
    ),
    (
        &["baseline", "save"],
        &[
            "tonebench baseline save --name main reports/demo",
            "tonebench baseline save --name main --force runs/x",
        ],
    ),
    (
        &["baseline", "show"],
        &["tonebench baseline show main --suite demo"],
    ),
    (
        &["baseline", "list"],
        &[
            "tonebench baseline list",
            "tonebench baseline list --baselines /srv/baselines",
        ],
    ),
    (
        &["report"],
        &[
            "tonebench report reports/demo",
            "tonebench report runs/x --templates my-templates",
        ],
    ),
    (
        &["compare"],
        &[
            "tonebench compare runs/a runs/b",
            "tonebench compare runs/a runs/b runs/c --out comparison.html",
        ],
    ),
    (
        &["profile"],
        &[
            "tonebench profile --model suites/demo/models/audio.toml --suite suites/demo",
            "tonebench profile --model M.toml --suite S --device cuda --batch 1,8,32 --duration 10",
        ],
    ),
    (
        &["doctor"],
        &["tonebench doctor", "tonebench doctor --json"],
    ),
    (
        &["perturb"],
        &[
            "tonebench perturb --suite suites/demo --conditions docs/examples/conditions.toml --out suites/demo-perturbed",
            "tonebench perturb --suite S --conditions C.toml --seed 11 --out perturbed",
        ],
    ),
    (
        &["log"],
        &["tonebench log mlflow reports/demo --uri http://127.0.0.1:5000"],
    ),
    (
        &["log", "mlflow"],
        &[
            "tonebench log mlflow reports/demo --uri http://127.0.0.1:5000",
            "MLFLOW_TRACKING_URI=http://mlflow:5000 tonebench log mlflow reports/run --experiment sentiment --run-name wav2vec2-v3",
        ],
    ),
    (
        &["completions"],
        &[
            "tonebench completions bash > ~/.local/share/bash-completion/completions/tonebench",
            "tonebench completions zsh > ~/.zfunc/_tonebench",
            "tonebench completions fish > ~/.config/fish/completions/tonebench.fish",
        ],
    ),
    (
        &["man"],
        &[
            "tonebench man > tonebench.1 && man ./tonebench.1",
            "tonebench man | gzip > /usr/local/share/man/man1/tonebench.1.gz",
        ],
    ),
    (
        &["suite"],
        &[
            "tonebench suite import ravdess ~/data/RAVDESS --out suites/ravdess",
            "tonebench suite split suites/ravdess --by speaker --folds 5 --out suites/ravdess-folds",
            "tonebench suite check suites/ravdess-folds/fold-1/test",
        ],
    ),
    (
        &["suite", "import"],
        &[
            "tonebench suite import ravdess ~/data/RAVDESS --out suites/ravdess   # 3-class valence",
            "tonebench suite import iemocap ~/data/IEMOCAP_full_release --out suites/iemocap4 --labels emotion4",
        ],
    ),
    (
        &["suite", "split"],
        &[
            "tonebench suite split suites/ravdess --by speaker --folds 5 --out suites/ravdess-folds",
            "tonebench suite split suites/iemocap4 --by session --out suites/iemocap-loso   # leave-one-session-out",
            "tonebench suite split suites/ravdess --test-fraction 0.2 --seed 3 --out suites/ravdess-80-20",
        ],
    ),
    (
        &["suite", "check"],
        &[
            "tonebench suite check suites/ravdess-folds/fold-1/test   # against its ../train",
            "tonebench suite check suites/test --train speakers.csv",
        ],
    ),
    (
        &["merge"],
        &[
            "tonebench merge runs/x --out runs/x/merged",
            "tonebench merge runs/x/shard-0-of-2 runs/x/shard-1-of-2 --out runs/merged",
        ],
    ),
];

/// `cmd` with the `Examples:` section of [`EXAMPLES`] after the help of each subcommand.
pub fn attach(mut cmd: clap::Command) -> clap::Command {
    for (path, lines) in EXAMPLES {
        cmd = with_examples(cmd, path, lines);
    }
    cmd
}

fn with_examples(cmd: clap::Command, path: &[&str], lines: &[&str]) -> clap::Command {
    match path {
        [] => {
            let text: Vec<String> = lines.iter().map(|l| format!("  {l}")).collect();
            cmd.after_help(format!("Examples:\n{}", text.join("\n")))
        }
        [first, rest @ ..] => cmd.mut_subcommand(*first, |sub| with_examples(sub, rest, lines)),
    }
}

/// The argument words of an example line (for the test): leading `VAR=value` words dropped,
/// up to a comment, a redirection or a pipe; `None` when the line is not a tonebench command.
pub fn words(line: &str) -> Option<Vec<&str>> {
    let mut words = line
        .split_whitespace()
        .skip_while(|w| w.contains('=') && !w.starts_with('-'));
    if words.next() != Some("tonebench") {
        return None;
    }
    let mut args = vec!["tonebench"];
    args.extend(words.take_while(|w| !matches!(*w, "#" | ">" | "|" | "&&")));
    Some(args)
}

#[cfg(test)]
mod tests {
    use clap::FromArgMatches;

    use super::*;

    /// Every subcommand (nested ones too) has examples, and each example parses.
    #[test]
    fn every_subcommand_has_examples_that_parse() {
        fn walk(cmd: &clap::Command, path: &mut Vec<String>, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands() {
                path.push(sub.get_name().to_string());
                let help = sub.get_after_help().map(|h| h.to_string());
                if !help.is_some_and(|h| h.starts_with("Examples:\n  tonebench")) {
                    missing.push(path.join(" "));
                }
                walk(sub, path, missing);
                path.pop();
            }
        }
        let cmd = super::super::command();
        let mut missing = Vec::new();
        walk(&cmd, &mut Vec::new(), &mut missing);
        assert!(
            missing.is_empty(),
            "subcommands without examples: {missing:?}"
        );
        for (path, lines) in EXAMPLES {
            assert!(!lines.is_empty(), "{path:?}");
            for line in *lines {
                let args = words(line).unwrap_or_else(|| panic!("not a command: {line}"));
                // The first words after `tonebench` are the subcommand path it documents.
                assert_eq!(&args[1..=path.len()], *path, "{line}");
                let parsed = super::super::command()
                    .try_get_matches_from(&args)
                    .and_then(|m| super::super::Cli::from_arg_matches(&m));
                assert!(parsed.is_ok(), "{line}: {}", parsed.unwrap_err());
            }
        }
    }

    #[test]
    fn example_words_stop_at_comments_and_redirections() {
        assert_eq!(
            words("A=b tonebench man > x.1 && man ./x.1"),
            Some(vec!["tonebench", "man"])
        );
        assert_eq!(
            words("tonebench doctor   # which providers load"),
            Some(vec!["tonebench", "doctor"])
        );
        assert_eq!(words("man ./tonebench.1"), None);
    }
}
