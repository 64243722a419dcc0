//! `suite check` (duplicate and near-duplicate audio, duplicate text, speakers shared with a
//! training set), the `training_speakers_shared` warning of `score`, and `suite split` on random
//! suites (a property test: every fold speaker-disjoint, every item in one test fold).

use std::collections::BTreeSet;
use std::path::Path;

use rand::{Rng, SeedableRng};
use tonebench::input::suite::Suite;

use crate::common::{read_json, tonebench, write_suite, MANIFEST};
use crate::corpus::{split, tone_wav};

fn wav_scaled(from: &Path, to: &Path, gain: f32, pad: usize) {
    let w = tonebench::audio::decode(from).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: w.sample_rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut out = hound::WavWriter::create(to, spec).unwrap();
    for _ in 0..pad {
        out.write_sample(0.0f32).unwrap();
    }
    for s in &w.samples {
        out.write_sample(s * gain).unwrap();
    }
    out.finalize().unwrap();
}

fn check(suite: &Path, train: Option<&Path>) -> (i32, String) {
    let mut c = tonebench();
    c.args(["suite", "check"]).arg(suite);
    if let Some(t) = train {
        c.arg("--train").arg(t);
    }
    let o = c.output().unwrap();
    assert!(
        o.stderr.is_empty() || o.status.code() != Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stdout).unwrap(),
    )
}

#[test]
fn duplicates_near_duplicates_and_shared_speakers_are_leaks() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("s");
    tone_wav(&dir.join("a.wav"), 220.0, 8000);
    std::fs::copy(dir.join("a.wav"), dir.join("b.wav")).unwrap();
    // The same sound, quieter, with 50 ms of silence in front, as 32-bit float: near-duplicate.
    wav_scaled(&dir.join("a.wav"), &dir.join("c.wav"), 0.5, 800);
    tone_wav(&dir.join("d.wav"), 330.0, 8000);
    let items = "id,label,text,audio,speaker\n\
a,negative,Hello there!,a.wav,s1\n\
b,neutral,hello  there,b.wav,s2\n\
c,positive,Something else,c.wav,s2\n\
d,neutral,A fourth one,d.wav,s3\n";
    let suite = write_suite(&dir, MANIFEST, &[("items.csv", items.as_bytes())]);
    let (code, text) = check(&suite, None);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("checked 4 items (4 clips decoded)"), "{text}");
    assert!(
        text.contains("LEAK duplicate-audio (suite, 2): a, b"),
        "{text}"
    );
    assert!(
        text.contains("LEAK near-duplicate-audio (suite, 3): a, b, c"),
        "{text}"
    );
    assert!(
        text.contains("note duplicate-text (suite, 2): a, b"),
        "{text}"
    );
    assert!(!text.contains("shared-speakers"), "{text}");

    // A clean suite passes; a training table sharing a speaker and a clip does not.
    let clean = tmp.path().join("clean");
    tone_wav(&clean.join("x.wav"), 440.0, 8000);
    let suite2 = write_suite(
        &clean,
        MANIFEST,
        &[(
            "items.csv",
            b"id,label,audio,speaker\nx,neutral,x.wav,s9\ny,negative,../s/d.wav,s3\n",
        )],
    );
    let (code, text) = check(&suite2, None);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("no duplicates, no shared speakers"), "{text}");
    let train = tmp.path().join("train.csv");
    std::fs::write(&train, "id,speaker,audio\nt1,s3,s/d.wav\nt2,s4,s/a.wav\n").unwrap();
    let (code, text) = check(&suite2, Some(&train));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("against 2 training items"), "{text}");
    assert!(
        text.contains("LEAK duplicate-audio (train-test, 2): y, train:t1"),
        "{text}"
    );
    assert!(
        text.contains("LEAK shared-speakers (train-test, 1): s3"),
        "{text}"
    );
    // A training table without speakers is an input error naming the file.
    std::fs::write(&train, "id,who\nt1,s3\n").unwrap();
    let o = tonebench()
        .args(["suite", "check"])
        .arg(&suite2)
        .arg("--train")
        .arg(&train)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("train.csv: no speaker column"));
}

#[test]
fn score_warns_when_the_declared_training_set_shares_speakers() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("train.csv"), "speaker\nbob\ncarol\n").unwrap();
    let manifest = format!("{MANIFEST}training = \"../train.csv\"\n");
    let items = b"id,label,text,speaker\na,negative,x,alice\nb,neutral,y,bob\nc,positive,z,carol\n";
    let suite = write_suite(&tmp.path().join("s"), &manifest, &[("items.csv", items)]);
    let preds = tmp.path().join("p.csv");
    std::fs::write(&preds, "id,pred\na,negative\nb,neutral\nc,neutral\n").unwrap();
    let out = tmp.path().join("out");
    tonebench()
        .args(["score", "--suite"])
        .arg(&suite)
        .arg("--predictions")
        .arg(&preds)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let report = read_json(&out.join("report.json"));
    let w: Vec<&serde_json::Value> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "training_speakers_shared")
        .collect();
    assert_eq!(w.len(), 1, "{report}");
    let msg = w[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("2 speakers of this suite are also in its declared training set")
            && msg.contains("bob, carol"),
        "{msg}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("training set"), "the warning is in report.md");
}

/// Random suites: folds are speaker-disjoint, cover every item once, and with one item per
/// speaker every fold is within one item of its share of every label.
#[test]
fn random_suites_split_into_speaker_disjoint_folds() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
    let labels = ["negative", "neutral", "positive"];
    for case in 0..6 {
        let k = rng.gen_range(2..5);
        let single = case % 2 == 0;
        let speakers = rng.gen_range(k..k + 10);
        let mut items = String::from("id,label,speaker\n");
        let mut n = 0;
        for s in 0..speakers {
            let count = if single { 1 } else { rng.gen_range(1..12) };
            for _ in 0..count {
                items.push_str(&format!("i{n},{},spk{s}\n", labels[rng.gen_range(0..3)]));
                n += 1;
            }
        }
        let dir = tmp.path().join(format!("case{case}"));
        let suite = write_suite(
            &dir.join("suite"),
            MANIFEST,
            &[("items.csv", items.as_bytes())],
        );
        let folds = dir.join("folds");
        split(
            &suite,
            &["--folds", &k.to_string(), "--seed", &case.to_string()],
            &folds,
        );
        let whole = Suite::load(&suite).unwrap();
        let mut totals = [0usize; 3];
        for i in &whole.items {
            totals[i.label] += 1;
        }
        let mut seen = BTreeSet::new();
        for f in 1..=k {
            let test = Suite::load(&folds.join(format!("fold-{f}/test"))).unwrap();
            let train = Suite::load(&folds.join(format!("fold-{f}/train"))).unwrap();
            let a: BTreeSet<_> = test
                .items
                .iter()
                .filter_map(|i| i.speaker.clone())
                .collect();
            let b: BTreeSet<_> = train
                .items
                .iter()
                .filter_map(|i| i.speaker.clone())
                .collect();
            assert!(a.is_disjoint(&b), "case {case} fold {f}");
            assert_eq!(test.items.len() + train.items.len(), n);
            for i in &test.items {
                assert!(seen.insert(i.id.clone()), "{} in two test folds", i.id);
            }
            if single {
                let mut per = [0usize; 3];
                for i in &test.items {
                    per[i.label] += 1;
                }
                for l in 0..3 {
                    let ideal = totals[l] as f64 / k as f64;
                    assert!(
                        (per[l] as f64 - ideal).abs() < 1.0,
                        "case {case} fold {f}: {per:?} vs {totals:?}/{k}"
                    );
                }
            }
        }
        assert_eq!(seen.len(), n);
    }
}
