//! `suite import generic DIR --map MAPPING.toml`: the documented example mappings of
//! docs/examples/ against the built-in RAVDESS importer (real clips) and a metadata table the
//! test writes, and bad mappings named by file, line and column.

use std::path::{Path, PathBuf};

use tonebench::input::suite::Suite;

use crate::common::{read_csv, root, shared, tonebench};
use crate::corpus::{import, tone_wav};

fn example(name: &str) -> PathBuf {
    root().join("docs/examples").join(name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn a_mapping_of_the_ravdess_names_equals_the_ravdess_importer() {
    let Some(shared) = shared("a_mapping_of_the_ravdess_names_equals_the_ravdess_importer") else {
        return;
    };
    let dir = shared.join("data/ravdess-dev");
    let map = example("ravdess-mapping.toml");
    let tmp = tempfile::tempdir().unwrap();
    for labels in ["valence", "emotion"] {
        let built_in = tmp.path().join(format!("built-in-{labels}"));
        let generic = tmp.path().join(format!("generic-{labels}"));
        let said_b = import("ravdess", &dir, &built_in, &["--labels", labels]);
        let mut extra = vec!["--labels", labels, "--map"];
        extra.push(map.to_str().unwrap());
        let said_g = import("generic", &dir, &generic, &extra);
        // Item for item, byte for byte: ids, labels, text, audio, speaker, every metadata column.
        for file in ["items.csv", "suite.toml", "skipped.csv"] {
            let (g, b) = (read(&generic.join(file)), read(&built_in.join(file)));
            let first = g.lines().zip(b.lines()).find(|(x, y)| x != y);
            assert!(g == b, "{labels}: {file} differs: {first:?}");
        }
        assert_eq!(
            said_g.replace("generic-", "built-in-"),
            said_b,
            "{labels}: what the command says"
        );
        let s = Suite::load(&generic).unwrap();
        let expect = if labels == "valence" { 156 } else { 180 };
        assert_eq!(s.items.len(), expect, "{labels}");
    }
    let rows = read_csv(&tmp.path().join("generic-valence/items.csv"));
    let r = rows
        .iter()
        .find(|r| r["id"] == "ravdess-03-01-05-02-02-01-14")
        .unwrap();
    assert_eq!(
        (
            r["label"].as_str(),
            r["text"].as_str(),
            r["speaker"].as_str(),
            r["sex"].as_str(),
            r["emotion"].as_str(),
            r["intensity"].as_str(),
            r["vocal_channel"].as_str()
        ),
        (
            "negative",
            "Dogs are sitting by the door",
            "actor14",
            "female",
            "angry",
            "strong",
            "speech"
        )
    );
}

/// A corpus folder with the metadata table of docs/examples/table-mapping.toml: five good
/// rows, one mixed (dropped), one with an unknown sex code, one without its clip, one with an
/// unknown emotion code.
fn table_corpus(dir: &Path) {
    let rows = [
        (
            "c001",
            "c001.wav",
            "thanks, that fixed it",
            "pos",
            "17",
            "F",
            "34",
            "hap",
            "phone",
        ),
        (
            "c002",
            "c002.wav",
            "still broken",
            "neg",
            "17",
            "F",
            "34",
            "ang",
            "phone",
        ),
        (
            "c003", "c003.wav", "ok", "neu", "4", "M", "61", "neu", "voip",
        ),
        (
            "c004",
            "c004.wav",
            "fine I guess",
            "mixed",
            "4",
            "M",
            "61",
            "neu",
            "voip",
        ),
        (
            "c005", "c005.wav", "hm", "neu", "9", "X", "25", "neu", "voip",
        ),
        (
            "c006", "gone.wav", "hello?", "neu", "9", "M", "25", "neu", "voip",
        ),
        (
            "c007", "c007.wav", "why", "neg", "9", "M", "25", "sad", "phone",
        ),
        (
            "c008", "c008.wav", "great", "pos", "21", "F", "19", "joy", "phone",
        ),
        (
            "c009", "c009.wav", "no", "neg", "21", "F", "19", "fru", "voip",
        ),
    ];
    let mut jsonl = String::new();
    for (i, (id, file, text, sent, spk, sex, age, emo, ch)) in rows.iter().enumerate() {
        jsonl.push_str(&format!(
            "{{\"utt_id\": \"{id}\", \"file\": \"{file}\", \"transcript\": \"{text}\", \
             \"sentiment\": \"{sent}\", \"speaker\": {spk}, \"gender\": \"{sex}\", \"age\": {age}, \
             \"emo\": \"{emo}\", \"channel\": \"{ch}\", \"session\": \"s{}\"}}\n",
            i % 2 + 1
        ));
        if *file != "gone.wav" {
            tone_wav(&dir.join("clips").join(file), 200.0 + 40.0 * i as f64, 1600);
        }
    }
    std::fs::write(dir.join("metadata.jsonl"), jsonl).unwrap();
}

#[test]
fn a_table_mapping_takes_columns_maps_values_and_reports_what_it_skips() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("calls");
    table_corpus(&dir);
    let out = tmp.path().join("suite");
    let map = example("table-mapping.toml");
    let said = import("generic", &dir, &out, &["--map", map.to_str().unwrap()]);
    assert!(said.contains("imported 5 items"), "{said}");
    assert_eq!(
        read(&out.join("items.csv")),
        "id,label,text,audio,speaker,sex,age,age_band,emotion,channel,session\n\
         c001,positive,\"thanks, that fixed it\",clips/c001.wav,spk17,female,34,30-39,happy,phone,s1\n\
         c002,negative,still broken,clips/c002.wav,spk17,female,34,30-39,angry,phone,s2\n\
         c003,neutral,ok,clips/c003.wav,spk4,male,61,60+,neutral,voip,s1\n\
         c007,negative,why,clips/c007.wav,spk9,male,25,18-29,sad,phone,s1\n\
         c009,negative,no,clips/c009.wav,spk21,female,19,18-29,frustrated,voip,s1\n"
    );
    let skipped = read(&out.join("skipped.csv"));
    let lines: Vec<&str> = skipped.lines().collect();
    assert_eq!(
        lines[..4],
        [
            "source,reason",
            "metadata.jsonl line 4,\"label \"\"mixed\"\" is dropped by the mapping ([label-map])\"",
            "metadata.jsonl line 5,\"sex \"\"X\"\" is not in [map.sex]\"",
            "metadata.jsonl line 8,\"emotion \"\"joy\"\" is not in [map.emotion]\"",
        ]
    );
    assert_eq!(lines.len(), 5, "{skipped}");
    assert!(lines[4].starts_with("clips/gone.wav,"), "{skipped}");
    let manifest = read(&out.join("suite.toml"));
    assert!(manifest.contains("name = \"support-calls\""), "{manifest}");
    assert!(
        manifest.contains("Support calls 2026-11, internal, research use only; collected by"),
        "{manifest}"
    );
    assert!(
        manifest.contains("metadata = [\"sex\", \"age_band\"]"),
        "{manifest}"
    );
    let s = Suite::load(&out).unwrap();
    assert_eq!(s.items.len(), 5);
    assert_eq!(s.items.get(0).speaker(), Some("spk17"));

    // A CSV table, text only, the emotions as labels in [map.emotion]'s order.
    let csv_dir = tmp.path().join("text");
    std::fs::create_dir_all(&csv_dir).unwrap();
    std::fs::write(
        csv_dir.join("rows.csv"),
        "Utterance,Speaker,Emotion,Sex\nyes please,Ann,j,w\nnot now,Bob,s,m\nwhatever,Ann,n,w\nmeh,Cy,x,m\n",
    )
    .unwrap();
    let map = tmp.path().join("text.toml");
    std::fs::write(
        &map,
        "format-version = 1\n\
         [corpus]\nname = \"Tiny text\"\nversion = \"1\"\nlicense = \"CC0\"\n\
         [table]\npath = \"rows.csv\"\n\
         [columns]\nid = \"t-{Speaker}-{Utterance}\"\ntext = \"{Utterance}\"\n\
         speaker = \"{Speaker}\"\nsex = \"{Sex}\"\nemotion = \"{Emotion}\"\n\
         [map.emotion]\nn = \"neutral\"\nj = \"happy\"\ns = \"sad\"\nx = \"drop\"\n\
         [map.sex]\nw = \"female\"\nm = \"male\"\n",
    )
    .unwrap();
    let out = tmp.path().join("text-suite");
    let said = import(
        "generic",
        &csv_dir,
        &out,
        &["--map", map.to_str().unwrap(), "--labels", "emotion"],
    );
    assert!(said.contains("imported 3 items"), "{said}");
    assert!(said.contains("(neutral 1, happy 1, sad 1)"), "{said}");
    assert_eq!(
        read(&out.join("items.csv")),
        "id,label,text,speaker,sex,emotion\n\
         t-Ann-yes please,happy,yes please,Ann,female,happy\n\
         t-Bob-not now,sad,not now,Bob,male,sad\n\
         t-Ann-whatever,neutral,whatever,Ann,female,neutral\n"
    );
    assert!(read(&out.join("suite.toml")).contains("labels = [\"neutral\", \"happy\", \"sad\"]"));
}

/// Runs `suite import generic` over `dir` with a mapping of `text`; returns (exit code, stderr).
fn bad(dir: &Path, text: &str) -> (i32, String, PathBuf) {
    let map = dir.join("bad.toml");
    std::fs::write(&map, text).unwrap();
    let o = tonebench()
        .args(["suite", "import", "generic"])
        .arg(dir)
        .arg("--map")
        .arg(&map)
        .arg("--out")
        .arg(dir.join("never"))
        .output()
        .unwrap();
    assert!(!dir.join("never").join("suite.toml").exists());
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        map,
    )
}

const FILES_HEAD: &str = "format-version = 1\n\
    [corpus]\nname = \"X\"\nversion = \"1\"\nlicense = \"CC0\"\n\
    [files]\nglob = \"*.wav\"\n";

#[test]
fn bad_mappings_are_named_by_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    tone_wav(&dir.join("a-1.wav"), 300.0, 800);
    std::fs::write(dir.join("meta.csv"), "file,emo\na-1.wav,hap\n").unwrap();
    let regex = "regex = '(?P<spk>[a-z])-(?P<emo>\\d)'\n";
    let table = "format-version = 1\n\
        [corpus]\nname = \"X\"\nversion = \"1\"\nlicense = \"CC0\"\n\
        [table]\npath = \"meta.csv\"\n";
    let cases: Vec<(String, &str, usize, usize)> = vec![
        // An unknown key (a typo) in [columns].
        (
            format!("{FILES_HEAD}{regex}[columns]\nemotion = \"{{emo}}\"\nspeeker = \"{{spk}}\"\n"),
            "unknown field `speeker`",
            11,
            1,
        ),
        // An unknown key at the top and in [corpus].
        (
            format!("{FILES_HEAD}{regex}labels = 3\n[columns]\nemotion = \"{{emo}}\"\n"),
            "unknown field `labels`",
            9,
            1,
        ),
        // A regex that does not compile.
        (
            format!("{FILES_HEAD}regex = '(?P<spk>[a-z]-(?P<emo>\\d)'\n[columns]\nemotion = \"{{emo}}\"\n"),
            "bad regex",
            8,
            9,
        ),
        // A template naming a group the regex does not have.
        (
            format!("{FILES_HEAD}{regex}[columns]\nemotion = \"{{emo}}\"\nspeaker = \"actor{{actor}}\"\n"),
            "the [files] regex has no group \"actor\" (its groups: spk, emo",
            11,
            11,
        ),
        // A template naming a column the table does not have.
        (
            format!("{table}[columns]\nid = \"{{file}}\"\naudio = \"{{file}}\"\nemotion = \"{{emotion}}\"\n"),
            "emotion: meta.csv has no column \"emotion\" (its columns: file, emo)",
            11,
            11,
        ),
        // A value map of a column the mapping does not give.
        (
            format!("{table}[columns]\nid = \"{{file}}\"\naudio = \"{{file}}\"\nemotion = \"{{emo}}\"\n[map.speaker]\na = \"b\"\n"),
            "[map.speaker]: no column \"speaker\"",
            12,
            6,
        ),
        // A label map onto something that is not a valence label.
        (
            format!("{table}[columns]\nid = \"{{file}}\"\naudio = \"{{file}}\"\nlabel = \"{{emo}}\"\n[label-map]\nhap = \"happy\"\n"),
            "label values are negative, neutral, positive or \"drop\"",
            13,
            7,
        ),
        // The label's map has the name suite.toml gives it.
        (
            format!("{table}[columns]\nid = \"{{file}}\"\naudio = \"{{file}}\"\nlabel = \"{{emo}}\"\n[map.label]\nhap = \"positive\"\n"),
            "the label's map is [label-map]",
            12,
            6,
        ),
        // A template with an unclosed brace.
        (
            format!("{table}[columns]\nid = \"{{file\"\naudio = \"{{file}}\"\nemotion = \"{{emo}}\"\n"),
            "a `{` without its `}`",
            9,
            6,
        ),
        // Another format version.
        (
            table.replace("format-version = 1", "format-version = 2") + "[columns]\nid = \"{file}\"\n",
            "format-version 2 is not supported",
            1,
            18,
        ),
        // TOML that does not parse.
        (format!("{table}[columns\n"), "", 8, 9),
    ];
    for (text, says, line, col) in cases {
        let (code, err, map) = bad(dir, &text);
        let place = format!("{} line {line} column {col}: ", map.display());
        assert_eq!(code, 2, "{text}\n{err}");
        assert!(
            err.contains(&place),
            "want {place:?} in:\n{err}\nfor:\n{text}"
        );
        assert!(err.contains(says), "want {says:?} in:\n{err}\nfor:\n{text}");
    }
    // --map belongs to generic, and generic needs it.
    let o = tonebench()
        .args(["suite", "import", "generic"])
        .arg(dir)
        .arg("--out")
        .arg(dir.join("never"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("needs --map"));
}
