//! Baselines: saving a run as a baseline (sorted JSON, refusing to overwrite), showing and
//! listing them, and the message for a missing one.

use std::fs;

use tonebench::cli::baseline::{self as baseline_cli, BaselineArgs, BaselineCommand};
use tonebench::store::baseline;

use crate::common::gates::{code, World};

#[test]
fn baseline_save_show_list_and_sorted_json() {
    let w = World::new();
    assert_eq!(w.save("main", "base-run"), (0, String::new()));
    let dir = w.baselines().join("synthetic/main");
    for f in ["report.json", "baseline.json", "predictions.parquet"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let saved = fs::read_to_string(dir.join("report.json")).unwrap();
    // Sorted keys: "bootstrap" < "models" < "schema_version" < "suite" < "tonebench_version".
    let pos = |k: &str| saved.find(&format!("\n  \"{k}\"")).unwrap();
    assert!(pos("bootstrap") < pos("models") && pos("models") < pos("schema_version"));
    let info: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(info["format_version"], 1);
    assert_eq!(info["items"], 400);
    assert_eq!(info["models"], serde_json::json!(["text"]));
    // Saving twice without --force is refused.
    let (c, msg) = w.save("main", "base-run");
    assert_eq!(c, 2);
    assert!(msg.contains("already exists; pass --force"), "{msg}");
    let b = baseline::find(&w.baselines(), "main", None).unwrap();
    let shown = baseline_cli::show_text(&b, &b.report().unwrap());
    assert!(
        shown.starts_with("baseline main (suite synthetic, 400 items)"),
        "{shown}"
    );
    assert_eq!(baseline::list(&w.baselines()).unwrap().len(), 1);
    let (c, msg) = code(baseline_cli::execute(&BaselineArgs {
        baselines: w.baselines(),
        command: BaselineCommand::Show {
            name: "nope".into(),
            suite: Some("synthetic".into()),
        },
    }));
    assert_eq!(c, 2);
    assert_eq!(
        msg,
        "no baseline named nope for suite synthetic; record one with: tonebench baseline save --name nope RUN"
    );
}
