//! `suite import` on the real corpus files of `../shared/data` (RAVDESS dev clips, CREMA-D
//! demographics and file list, MELD text), against the hand-made suites of `../shared/suites`
//! and the counts the corpora's own documentation gives.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use tonebench::input::suite::Suite;

use crate::common::{read_csv, shared, tonebench};

/// A 16 kHz mono 16-bit WAV of `n` samples of a tone at `hz` (distinct tones: no duplicates).
pub fn tone_wav(path: &Path, hz: f64, n: usize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..n {
        let x = (2.0 * std::f64::consts::PI * hz * i as f64 / 16_000.0).sin() * 0.3;
        w.write_sample((x * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Runs `tonebench suite import` and returns its stdout; panics on failure.
pub fn import(corpus: &str, dir: &Path, out: &Path, extra: &[&str]) -> String {
    let o = tonebench()
        .args(["suite", "import", corpus])
        .arg(dir)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// A loaded item as comparable fields: label name, text, canonical audio, speaker, and the
/// named metadata.
fn fields(s: &Suite, meta: &[&str]) -> BTreeMap<String, Vec<String>> {
    s.items
        .iter()
        .map(|it| {
            let mut v = vec![
                s.labels.name(it.label).to_string(),
                it.text.clone().unwrap_or_default(),
                it.audio
                    .as_ref()
                    .map(|a| a.canonicalize().unwrap().display().to_string())
                    .unwrap_or_default(),
                it.speaker.clone().unwrap_or_default(),
            ];
            for m in meta {
                let c = s.metadata_columns.iter().position(|c| c == m).unwrap();
                v.push(it.meta[c].clone().unwrap_or_default());
            }
            (it.id.clone(), v)
        })
        .collect()
}

#[test]
fn ravdess_dev_import_equals_the_hand_made_suite() {
    let Some(shared) = shared("ravdess_dev_import_equals_the_hand_made_suite") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("ravdess");
    let said = import("ravdess", &shared.join("data/ravdess-dev"), &out, &[]);
    assert!(said.contains("imported 156 items"), "{said}");
    assert!(
        said.contains("24  emotion \"surprised\" has no valence label"),
        "{said}"
    );
    let ours = Suite::load(&out).unwrap();
    let theirs = Suite::load(&shared.join("suites/ravdess-dev")).unwrap();
    assert_eq!(ours.labels, theirs.labels);
    let a = fields(&ours, &["sex", "intensity"]);
    let b = fields(&theirs, &["sex", "intensity"]);
    // Ids aside: compare the items in id order by their fields (the ids happen to agree too).
    assert_eq!(a.len(), 156);
    assert_eq!(
        a.values().collect::<Vec<_>>(),
        b.values().collect::<Vec<_>>()
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(
        ours.description.contains("CC BY-NC-SA 4.0"),
        "{}",
        ours.description
    );
    assert!(
        ours.description.contains("RAVDESS 1.0.0"),
        "{}",
        ours.description
    );
    // The corpus's own emotions, with --labels emotion: all 180 clips, 8 classes.
    let emo = tmp.path().join("emotion");
    import(
        "ravdess",
        &shared.join("data/ravdess-dev"),
        &emo,
        &["--labels", "emotion"],
    );
    let e = Suite::load(&emo).unwrap();
    assert_eq!(e.items.len(), 180);
    assert_eq!(
        e.labels.names(),
        [
            "neutral",
            "calm",
            "happy",
            "sad",
            "angry",
            "fearful",
            "disgust",
            "surprised"
        ]
    );
    let manifest = read_csv(&shared.join("data/ravdess-dev/manifest.csv"));
    let rows = read_csv(&emo.join("items.csv"));
    for (m, r) in manifest.iter().zip(&rows) {
        assert_eq!(m["emotion"], r["label"]);
        assert_eq!(m["sex"], r["sex"]);
        assert_eq!(m["statement_id"], r["statement"]);
        assert_eq!(format!("actor{}", m["actor"]), r["speaker"]);
        assert_eq!(m["file"], r["audio"]);
        assert_eq!(r["vocal_channel"], "speech");
    }
}

#[test]
fn a_file_off_the_ravdess_naming_is_reported_not_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("corpus");
    tone_wav(&dir.join("Actor_01/03-01-03-02-01-02-01.wav"), 200.0, 1600);
    tone_wav(&dir.join("Actor_02/03-02-04-01-02-01-02.wav"), 210.0, 1600);
    tone_wav(&dir.join("Actor_02/03-01-09-01-02-01-02.wav"), 220.0, 1600);
    tone_wav(&dir.join("Actor_02/01-01-04-01-02-01-02.wav"), 230.0, 1600);
    tone_wav(&dir.join("Actor_02/notes.wav"), 240.0, 1600);
    std::fs::write(dir.join("Actor_02/03-01-05-01-01-01-02.wav"), b"RIFF....").unwrap();
    let out = tmp.path().join("s");
    let said = import("ravdess", &dir, &out, &[]);
    assert!(said.contains("imported 2 items"), "{said}");
    let skipped = read_csv(&out.join("skipped.csv"));
    let why: BTreeMap<&str, &str> = skipped
        .iter()
        .map(|r| (r["source"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(why.len(), 4, "{why:?}");
    assert!(why["Actor_02/03-01-09-01-02-01-02.wav"].contains("emotion 09"));
    assert!(why["Actor_02/01-01-04-01-02-01-02.wav"].contains("modality 01 is video"));
    assert!(why["Actor_02/notes.wav"].contains("not a RAVDESS name"));
    assert!(
        why["Actor_02/03-01-05-01-01-01-02.wav"].contains("audio"),
        "{why:?}"
    );
    let rows = read_csv(&out.join("items.csv"));
    assert_eq!(rows[0]["sex"], "male");
    assert_eq!(rows[0]["intensity"], "strong");
    assert_eq!(rows[0]["repetition"], "02");
    assert_eq!(rows[1]["vocal_channel"], "song");
    assert_eq!(rows[1]["sex"], "female");
    assert_eq!(rows[1]["label"], "negative");
}

/// CREMA-D's real demographics and file list, with a tone for each clip of four actors.
#[test]
fn crema_d_takes_sex_age_race_and_ethnicity_from_the_demographics() {
    let Some(shared) = shared("crema_d_takes_sex_age_race_and_ethnicity_from_the_demographics")
    else {
        return;
    };
    let meta = shared.join("data/crema-d-meta");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("CREMA-D");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        meta.join("VideoDemographics.csv"),
        dir.join("VideoDemographics.csv"),
    )
    .unwrap();
    let files = read_csv(&meta.join("AudioWAV_lfs_sha256.csv"));
    let actors = ["1001", "1002", "1050", "1091"];
    let chosen: Vec<&String> = files
        .iter()
        .map(|r| &r["file"])
        .filter(|f| actors.iter().any(|a| f.starts_with(a)))
        .collect();
    for (i, f) in chosen.iter().enumerate() {
        tone_wav(&dir.join("AudioWAV").join(f), 100.0 + i as f64, 800);
    }
    tone_wav(&dir.join("AudioWAV/1001_XYZ_ANG_XX.wav"), 99.0, 800);
    tone_wav(&dir.join("AudioWAV/2001_IEO_ANG_XX.wav"), 98.0, 800);
    let out = tmp.path().join("s");
    let said = import("crema-d", &dir, &out, &["--labels", "emotion"]);
    assert!(
        said.contains(&format!("imported {} items", chosen.len())),
        "{said}"
    );
    let rows = read_csv(&out.join("items.csv"));
    let demo: BTreeMap<String, BTreeMap<String, String>> =
        read_csv(&meta.join("VideoDemographics.csv"))
            .into_iter()
            .map(|r| (r["ActorID"].clone(), r))
            .collect();
    for r in &rows {
        let name = Path::new(&r["audio"])
            .file_stem()
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let parts: Vec<&str> = name.split('_').collect();
        let d = &demo[parts[0]];
        assert_eq!(r["speaker"], parts[0]);
        assert_eq!(r["sex"], d["Sex"].to_lowercase());
        assert_eq!(r["age"], d["Age"]);
        assert_eq!(r["race"], d["Race"]);
        assert_eq!(r["ethnicity"], d["Ethnicity"]);
        assert_eq!(r["statement"], parts[1]);
        assert_eq!(r["emotion_code"], parts[2]);
        let level = match parts[3] {
            "LO" => "low",
            "MD" => "medium",
            "HI" => "high",
            _ => "unspecified",
        };
        assert_eq!(r["intensity"], level);
    }
    let first = rows
        .iter()
        .find(|r| r["id"] == "cremad-1001_DFA_ANG_XX")
        .unwrap();
    assert_eq!(
        (
            first["sex"].as_str(),
            first["age"].as_str(),
            first["age_band"].as_str()
        ),
        ("male", "51", "50-59")
    );
    assert_eq!(first["text"], "Don't forget a jacket");
    assert_eq!(first["label"], "angry");
    let actor_1050 = rows.iter().find(|r| r["speaker"] == "1050").unwrap();
    assert_eq!(
        (actor_1050["age"].as_str(), actor_1050["race"].as_str()),
        ("62", "African American")
    );
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(
        skipped.contains("sentence code XYZ is not one of the 12"),
        "{skipped}"
    );
    assert!(
        skipped.contains("actor 2001 is not in VideoDemographics.csv"),
        "{skipped}"
    );
    let s = Suite::load(&out).unwrap();
    assert_eq!(
        s.labels.names(),
        ["angry", "disgust", "fearful", "happy", "neutral", "sad"]
    );
    assert_eq!(s.speaker_count(), Some(4));
}

#[test]
fn meld_text_imports_every_split_and_dev_equals_the_hand_made_suite() {
    let Some(shared) = shared("meld_text_imports_every_split_and_dev_equals_the_hand_made_suite")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("meld");
    let said = import("meld", &shared.join("data/meld-text"), &out, &[]);
    assert!(said.contains("imported 13708 items"), "{said}");
    let s = Suite::load(&out).unwrap();
    assert!(
        s.items.iter().all(|i| i.audio.is_none()),
        "text-only: no media in meld-text"
    );
    let split_col = s
        .metadata_columns
        .iter()
        .position(|c| c == "split")
        .unwrap();
    // SOURCE.txt: train 9989 (neu 4710, neg 2945, pos 2334; 260 speakers), dev 1109 (47
    // speakers), test 2610 (neu 1256, neg 833, pos 521; 100 speakers).
    let of = |name: &str| -> Vec<&tonebench::input::suite::Item> {
        s.items
            .iter()
            .filter(|i| i.meta[split_col].as_deref() == Some(name))
            .collect()
    };
    let counts = |items: &[&tonebench::input::suite::Item]| -> (usize, Vec<usize>, usize) {
        let mut per = vec![0; 3];
        for i in items {
            per[i.label] += 1;
        }
        let speakers: BTreeSet<&str> = items.iter().filter_map(|i| i.speaker.as_deref()).collect();
        (items.len(), per, speakers.len())
    };
    assert_eq!(counts(&of("train")), (9989, vec![2945, 4710, 2334], 260));
    assert_eq!(counts(&of("test")), (2610, vec![833, 1256, 521], 100));
    assert_eq!(counts(&of("dev")).0, 1109);
    assert_eq!(counts(&of("dev")).2, 47);
    let theirs = Suite::load(&shared.join("suites/meld-dev")).unwrap();
    let ours: BTreeMap<&str, &tonebench::input::suite::Item> =
        of("dev").into_iter().map(|i| (i.id.as_str(), i)).collect();
    assert_eq!(ours.len(), theirs.items.len());
    for t in &theirs.items {
        let o = ours[t.id.as_str()];
        assert_eq!(
            (o.label, &o.text, &o.speaker),
            (t.label, &t.text, &t.speaker),
            "{}",
            t.id
        );
    }
    // MELD's own split, as folders.
    let parts = tmp.path().join("parts");
    split(&out, &["--by", "split"], &parts);
    assert_eq!(Suite::load(&parts.join("dev")).unwrap().items.len(), 1109);
    // MELD's splits share speakers (the main characters are everywhere): check says so.
    let o = tonebench()
        .args(["suite", "check"])
        .arg(parts.join("test"))
        .arg("--train")
        .arg(parts.join("train"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("LEAK shared-speakers (train-test"), "{text}");
    assert!(text.contains("Chandler"), "{text}");
}

/// Every one of CREMA-D's 7,442 clip names parses against the real demographics: 91 actors
/// (48 male, 43 female), 1,271 clips of each emotion but neutral (1,087).
#[test]
fn every_crema_d_clip_name_parses() {
    let Some(shared) = shared("every_crema_d_clip_name_parses") else {
        return;
    };
    let meta = shared.join("data/crema-d-meta");
    let actors =
        tonebench::corpus::cremad::demographics(&meta.join("VideoDemographics.csv")).unwrap();
    assert_eq!(actors.len(), 91);
    assert_eq!(actors.values().filter(|a| a.sex == "male").count(), 48);
    let mut per: BTreeMap<String, usize> = BTreeMap::new();
    let files = read_csv(&meta.join("AudioWAV_lfs_sha256.csv"));
    assert_eq!(files.len(), 7442);
    for f in &files {
        let stem = f["file"].trim_end_matches(".wav");
        let r = tonebench::corpus::cremad::parse_name(stem, &actors).unwrap();
        *per.entry(r.emotion).or_default() += 1;
    }
    let expect: BTreeMap<String, usize> = [
        ("angry", 1271),
        ("disgust", 1271),
        ("fearful", 1271),
        ("happy", 1271),
        ("neutral", 1087),
        ("sad", 1271),
    ]
    .into_iter()
    .map(|(e, n)| (e.to_string(), n))
    .collect();
    assert_eq!(per, expect);
}

/// Runs `tonebench suite split SUITE ARGS --out OUT`; panics on failure.
pub fn split(suite: &Path, args: &[&str], out: &Path) {
    let o = tonebench()
        .args(["suite", "split"])
        .arg(suite)
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
