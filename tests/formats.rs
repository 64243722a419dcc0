//! FLAC, MP3, OGG/Vorbis and MP4/M4A (AAC) through symphonia: a lossless file decodes to
//! exactly its WAV's samples, lossy ones agree with ffmpeg's decoder (the fixtures of
//! `scripts/hf/make_fixtures.py`, made from a demo clip), a format the build cannot decode is
//! exit 2 naming item and file, and a real RAVDESS clip encoded with ffmpeg gives the same
//! predictions as FLAC as as WAV.

use std::path::{Path, PathBuf};
use std::process::Command;

use tonebench::audio::{decode, AudioError};
use tonebench::infer::{InferInput, Model, Options};

use crate::common::{ort, root, shared, tonebench, write_suite, MANIFEST};

fn formats() -> PathBuf {
    root().join("tests/fixtures/hf/formats")
}

fn demo_wav() -> PathBuf {
    root().join("suites/demo/audio/demo-0001.wav")
}

#[test]
fn flac_decodes_bit_exactly_to_the_wav_it_was_made_from() {
    let wav = decode(&demo_wav()).unwrap();
    let flac = decode(&formats().join("demo-0001.flac")).unwrap();
    assert_eq!(flac.sample_rate, wav.sample_rate);
    assert_eq!(flac.samples.len(), wav.samples.len());
    assert!(
        flac.samples
            .iter()
            .zip(&wav.samples)
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "FLAC samples differ from the WAV's"
    );
}

/// ffmpeg's decode of a lossy fixture, as float32.
fn ffmpeg_reference(name: &str) -> Vec<f32> {
    std::fs::read(formats().join(format!("{name}.ffmpeg.f32")))
        .unwrap()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Each lossy file decodes to ffmpeg's samples: the same length (gapless trimming as ffmpeg
/// does it, where the container says how) and sample values within the decoders' rounding.
#[test]
fn lossy_formats_agree_with_ffmpeg() {
    let source = decode(&demo_wav()).unwrap();
    // The decoders are float throughout and round differently: measured max |d| 1.4e-6 (MP3),
    // 1.2e-7 (Vorbis), 8.7e-7 (AAC), against 1e-5 allowed (a 16-bit LSB is 3.1e-5).
    for (name, tolerance) in [
        ("demo-0001.mp3", 1e-5f32),
        ("demo-0001.ogg", 1e-5),
        ("demo-0001.m4a", 1e-5),
    ] {
        let got = decode(&formats().join(name)).unwrap();
        let want = ffmpeg_reference(name);
        assert_eq!(got.sample_rate, 16_000, "{name}");
        let n = got.samples.len().min(want.len());
        let d = got.samples[..n]
            .iter()
            .zip(&want[..n])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let snr = {
            let (mut s, mut e) = (0f64, 0f64);
            for (x, y) in source.samples.iter().zip(&got.samples) {
                s += f64::from(*x).powi(2);
                e += f64::from(x - y).powi(2);
            }
            10.0 * (s / e.max(1e-30)).log10()
        };
        eprintln!(
            "{name}: {} samples (ffmpeg {}, source {}), max |d| vs ffmpeg {d:.2e}, SNR vs source {snr:.1} dB",
            got.samples.len(),
            want.len(),
            source.samples.len()
        );
        assert_eq!(got.samples.len(), want.len(), "{name}: length");
        assert!(d <= tolerance, "{name}: differs from ffmpeg by {d}");
    }
}

#[test]
fn undecodable_files_are_errors_naming_the_file() {
    let err = |p: &Path| decode(p).unwrap_err();
    let opus = formats().join("demo-0001.opus.ogg");
    let e = err(&opus);
    assert!(matches!(e, AudioError::Format { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with(&format!(
            "audio {}: unsupported audio format: codec ",
            opus.display()
        )),
        "{e}"
    );
    assert!(e.to_string().contains("OGG/Opus is not"), "{e}");
    let tmp = tempfile::tempdir().unwrap();
    let garbage = tmp.path().join("x.mp3");
    std::fs::write(&garbage, b"this is not audio at all, only text").unwrap();
    let e = err(&garbage).to_string();
    assert!(
        e.starts_with(&format!("audio {}: ", garbage.display())),
        "{e}"
    );
    // A FLAC cut in half still decodes what it holds; one cut inside its header does not.
    let flac = std::fs::read(formats().join("demo-0001.flac")).unwrap();
    let cut = tmp.path().join("cut.flac");
    std::fs::write(&cut, &flac[..20]).unwrap();
    let e = err(&cut).to_string();
    assert!(e.starts_with(&format!("audio {}: ", cut.display())), "{e}");
}

/// From the command line: an item whose file is OGG/Opus stops the run with exit 2 naming the
/// item and the file.
#[test]
fn an_undecodable_item_is_exit_2_naming_item_and_file() {
    if !ort("an_undecodable_item_is_exit_2_naming_item_and_file") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let opus = formats().join("demo-0001.opus.ogg");
    let flac = formats().join("demo-0001.flac");
    let items = format!(
        "id,label,audio\nok,neutral,{}\nopus,neutral,{}\n",
        flac.display(),
        opus.display()
    );
    let suite = write_suite(
        &tmp.path().join("s"),
        MANIFEST,
        &[("items.csv", items.as_bytes())],
    );
    let a = tonebench()
        .args(["run", "--suite"])
        .arg(&suite)
        .arg("--model")
        .arg(root().join("tests/fixtures/hf/wav2vec2"))
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2);
    let e = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(
        e.contains(&format!(
            "item opus: audio {}: unsupported audio format",
            opus.display()
        )),
        "{e}"
    );
}

fn ffmpeg() -> bool {
    Command::new("ffmpeg").arg("-version").output().is_ok()
}

/// A real clip (RAVDESS, 48 kHz) encoded with ffmpeg as FLAC, MP3, OGG/Vorbis and M4A: every
/// one decodes, and the Wav2Vec2 export's predictions on the FLAC equal those on the WAV bit for
/// bit.
#[test]
fn a_real_clip_in_every_format_and_flac_predicts_as_wav() {
    let test = "a_real_clip_in_every_format_and_flac_predicts_as_wav";
    let Some(shared) = shared(test) else { return };
    if !ffmpeg() {
        eprintln!("skipped {test}: ffmpeg not installed (scripts/setup.sh --test installs it)");
        return;
    }
    if !ort(test) {
        return;
    }
    let wav = shared.join("data/ravdess-dev/wav/Actor_14/03-01-05-01-01-01-14.wav");
    let tmp = tempfile::tempdir().unwrap();
    let mut files = vec![("wav", wav.clone())];
    for (ext, args) in [
        ("flac", &["-c:a", "flac"][..]),
        ("mp3", &["-c:a", "libmp3lame", "-b:a", "128k"]),
        ("ogg", &["-c:a", "libvorbis", "-q:a", "5"]),
        ("m4a", &["-c:a", "aac", "-b:a", "128k"]),
    ] {
        let out = tmp.path().join(format!("clip.{ext}"));
        let status = Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-i"])
            .arg(&wav)
            .args(args)
            .arg(&out)
            .status()
            .unwrap();
        assert!(status.success(), "ffmpeg could not make {ext}");
        files.push((ext, out));
    }
    let source = decode(&wav).unwrap();
    for (ext, f) in &files {
        let w = decode(f).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!(w.sample_rate, 48_000, "{ext}");
        let extra = w.samples.len() as i64 - source.samples.len() as i64;
        // ffmpeg's own decode of the same file, the reference decoder.
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(f)
            .args(["-f", "f32le", "-ac", "1", "-"])
            .output()
            .unwrap();
        let reference: Vec<f32> = out
            .stdout
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(
            w.samples.len(),
            reference.len(),
            "{ext}: length against ffmpeg"
        );
        let d = w
            .samples
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        eprintln!(
            "{ext}: {} samples ({extra:+} against the WAV), max |d| against ffmpeg {d:.2e}",
            w.samples.len()
        );
        assert!(d <= 1e-5, "{ext}: differs from ffmpeg by {d}");
    }
    let labels: Vec<String> = ["negative", "neutral", "positive"]
        .map(String::from)
        .to_vec();
    let mut model = Model::load(
        &root().join("tests/fixtures/hf/wav2vec2"),
        &labels,
        Options::default(),
    )
    .unwrap();
    let probs = |m: &mut Model, p: &Path| {
        let input = InferInput {
            id: "clip",
            text: None,
            audio: Some(p),
        };
        m.predict_batch(&[input]).unwrap().remove(0).unwrap().probs
    };
    let on_wav = probs(&mut model, &files[0].1);
    let on_flac = probs(&mut model, &files[1].1);
    assert_eq!(
        on_wav.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        on_flac.iter().map(|p| p.to_bits()).collect::<Vec<_>>(),
        "FLAC {on_flac:?} vs WAV {on_wav:?}"
    );
    for (ext, f) in &files[2..] {
        let p = probs(&mut model, f);
        let d = p
            .iter()
            .zip(&on_wav)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        eprintln!("{ext}: probabilities {p:?}, max |dp| vs WAV {d:.2e}");
    }
}
