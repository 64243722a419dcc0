//! The long test calls of `tests/fixtures/calls/plan.csv`, built into a suite folder the way
//! `scripts/calls/build_calls.py` builds them: RAVDESS clips of one actor (48 kHz PCM16)
//! concatenated sample for sample with silences: each clip's speech span (`speech_start` to
//! `speech_end` of the plan) is one labeled segment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{read_csv, root};

const RATE: u32 = 48000;

/// Builds the calls suite into `out` from the RAVDESS clips under `shared`; returns `out`.
pub fn build(shared: &Path, out: &Path) -> PathBuf {
    let plan = read_csv(&root().join("tests/fixtures/calls/plan.csv"));
    let data = shared.join("data/ravdess-dev");
    let mut calls: BTreeMap<String, (Vec<i16>, Vec<String>, String, String)> = BTreeMap::new();
    for row in &plan {
        let call = calls
            .entry(row["call"].clone())
            .or_insert_with(|| (Vec::new(), Vec::new(), String::new(), row["sex"].clone()));
        // The call's speaker is its actors joined with '+' (written on silence rows); a
        // segment's speaker is its clip's actor.
        if row["kind"] == "silence" || call.2.is_empty() {
            call.2 = row["speaker"].clone();
        }
        let offset = call.0.len();
        match row["kind"].as_str() {
            "silence" => {
                let n = (row["seconds"].parse::<f64>().unwrap() * f64::from(RATE)).round();
                call.0.extend(std::iter::repeat_n(0i16, n as usize));
            }
            "clip" => {
                let mut r = hound::WavReader::open(data.join(&row["file"])).unwrap();
                assert_eq!(r.spec().sample_rate, RATE);
                let clip: Vec<i16> = r.samples::<i16>().map(Result::unwrap).collect();
                // The clip's speech span only, when the plan gives one.
                let at = |key: &str| {
                    row.get(key)
                        .filter(|v| !v.is_empty())
                        .map(|v| (v.parse::<f64>().unwrap() * f64::from(RATE)).round() as usize)
                };
                let piece = match (at("speech_start"), at("speech_end")) {
                    (Some(a), Some(b)) => &clip[a..b.min(clip.len())],
                    _ => &clip[..],
                };
                let s = offset as f64 / f64::from(RATE);
                let e = (offset + piece.len()) as f64 / f64::from(RATE);
                call.1.push(format!(
                    "{},{s},{e},{},{}",
                    row["call"], row["label"], call.2
                ));
                call.0.extend_from_slice(piece);
            }
            other => panic!("plan.csv: kind {other}"),
        }
    }
    std::fs::create_dir_all(out.join("audio")).unwrap();
    let mut items = String::from("id,audio,speaker,sex\n");
    let mut segments = String::from("id,start,end,label,speaker\n");
    for (id, (samples, segs, speaker, sex)) in &calls {
        items.push_str(&format!("{id},{id}.wav,{speaker},{sex}\n"));
        for s in segs {
            segments.push_str(s);
            segments.push('\n');
        }
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(out.join(format!("audio/{id}.wav")), spec).unwrap();
        for &x in samples {
            w.write_sample(x).unwrap();
        }
        w.finalize().unwrap();
    }
    std::fs::write(out.join("items.csv"), items).unwrap();
    std::fs::write(out.join("segments.csv"), segments).unwrap();
    std::fs::write(
        out.join("suite.toml"),
        "format-version = 1\nname = \"ravdess-calls\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\naudio-root = \"audio\"\nsegments = \"segments.csv\"\n\n[cohorts]\nmetadata = [\"sex\"]\nmin-speakers = 2\n",
    )
    .unwrap();
    out.to_owned()
}
