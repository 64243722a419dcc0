//! `tonebench perturb` measured back: SNR of every noise kind at 0/5/10/15 dB, speed and tempo
//! durations, tempo keeping the pitch, the telephone channel's band limit, the synthetic room's
//! RT60 (Schroeder), identical WAVs across runs; the telephone filters and G.711 tables against
//! scipy and audioop (`tests/fixtures/perturb/make_fixtures.py`).

use std::path::{Path, PathBuf};

use tonebench::audio::perturb::reverb::schroeder_rt60;
use tonebench::audio::perturb::telephony::{
    alaw_to_linear, band_pass, filter, linear_to_alaw, linear_to_ulaw, ulaw_to_linear,
};

use crate::common::{root, tonebench};

const SR: u32 = 16_000;

fn write_wav(path: &Path, x: &[f32], sr: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: sr,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in x {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn read(path: &Path) -> Vec<f32> {
    tonebench::audio::decode(path).unwrap().samples
}

/// A voiced, speech-like clip: harmonics of `f0` under a syllable envelope with pauses.
fn voice(f0: f64, seconds: f64, phase: f64) -> Vec<f32> {
    let n = (seconds * f64::from(SR)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(SR);
            let env = (2.0 * std::f64::consts::PI * 3.0 * t + phase)
                .sin()
                .max(0.0);
            let s: f64 = (1..8)
                .map(|h| (2.0 * std::f64::consts::PI * f0 * h as f64 * t).sin() / h as f64)
                .sum();
            (0.2 * env * s) as f32
        })
        .collect()
}

/// A suite of synthetic clips: three speakers' voices, a pure 220 Hz tone, white noise and a
/// unit impulse; plus a noise file at another rate and the conditions file.
fn world(dir: &Path) -> PathBuf {
    let audio = dir.join("audio");
    std::fs::create_dir_all(&audio).unwrap();
    let mut rows = vec!["id,label,speaker,audio".to_string()];
    for (i, (f0, spk)) in [(110.0, "a"), (180.0, "b"), (240.0, "c"), (130.0, "a")]
        .iter()
        .enumerate()
    {
        write_wav(
            &audio.join(format!("v{i}.wav")),
            &voice(*f0, 2.0, i as f64),
            SR,
        );
        rows.push(format!("v{i},neutral,{spk},v{i}.wav"));
    }
    let tone: Vec<f32> = (0..2 * SR as usize)
        .map(|i| {
            (0.5 * (2.0 * std::f64::consts::PI * 220.0 * i as f64 / f64::from(SR)).sin()) as f32
        })
        .collect();
    write_wav(&audio.join("tone.wav"), &tone, SR);
    rows.push("tone,neutral,d,tone.wav".into());
    let mut state = 1u64;
    let mut rnd = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f64 / (1u64 << 31) as f64 - 0.5) as f32
    };
    let wide: Vec<f32> = (0..SR as usize).map(|_| 0.5 * rnd()).collect();
    write_wav(&audio.join("wide.wav"), &wide, SR);
    rows.push("wide,neutral,e,wide.wav".into());
    let mut impulse = vec![0f32; 2 * SR as usize];
    impulse[0] = 1.0;
    write_wav(&audio.join("impulse.wav"), &impulse, SR);
    rows.push("impulse,neutral,f,impulse.wav".into());
    std::fs::write(dir.join("items.csv"), rows.join("\n") + "\n").unwrap();
    std::fs::write(
        dir.join("suite.toml"),
        "format-version = 1\nname = \"synth\"\nlabels = [\"negative\", \"neutral\", \"positive\"]\nitems = \"items.csv\"\naudio-root = \"audio\"\n",
    )
    .unwrap();
    // A recorded noise at 22.05 kHz: brown-ish noise (integrated white noise, leaky).
    let mut acc = 0.0f32;
    let hum: Vec<f32> = (0..22_050)
        .map(|_| {
            acc = 0.98 * acc + rnd();
            acc * 0.1
        })
        .collect();
    write_wav(&dir.join("hum.wav"), &hum, 22_050);
    let mut conditions = String::from("format-version = 1\n");
    for noise in ["white", "pink", "babble", "hum.wav"] {
        for snr in [0, 5, 10, 15] {
            let name = noise.trim_end_matches(".wav");
            conditions.push_str(&format!(
                "[[condition]]\nname = \"{name}-{snr}db\"\nnoise = \"{noise}\"\nsnr-db = {snr}\n"
            ));
        }
    }
    conditions.push_str("[[condition]]\nname = \"white-5db-speech\"\nnoise = \"white\"\nsnr-db = 5\nsnr-scope = \"speech\"\n");
    for f in ["0.9", "1.1"] {
        conditions.push_str(&format!(
            "[[condition]]\nname = \"speed-{f}\"\nspeed = {f}\n"
        ));
        conditions.push_str(&format!(
            "[[condition]]\nname = \"tempo-{f}\"\ntempo = {f}\n"
        ));
    }
    for rt in ["0.3", "0.6", "1.0"] {
        conditions.push_str(&format!(
            "[[condition]]\nname = \"room-{rt}\"\nreverb-rt60 = {rt}\n"
        ));
    }
    conditions.push_str("[[condition]]\nname = \"mulaw\"\ntelephony = \"g711-mulaw\"\n");
    conditions.push_str("[[condition]]\nname = \"alaw\"\ntelephony = \"g711-alaw\"\n");
    std::fs::write(dir.join("conditions.toml"), conditions).unwrap();
    dir.to_owned()
}

fn perturb(dir: &Path, out: &str) -> PathBuf {
    let out = dir.join(out);
    tonebench()
        .args(["perturb", "--suite"])
        .arg(dir)
        .arg("--conditions")
        .arg(dir.join("conditions.toml"))
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    out
}

fn energy(x: &[f32]) -> f64 {
    x.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
}

/// F0 by the highest autocorrelation peak between 50 and 1000 Hz, with parabolic interpolation.
fn f0(x: &[f32]) -> f64 {
    let (lo, hi) = ((SR / 1000) as usize, (SR / 50) as usize);
    let mid = &x[x.len() / 4..3 * x.len() / 4];
    let r = |lag: usize| -> f64 {
        mid.iter()
            .zip(&mid[lag..])
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum()
    };
    let best = (lo..hi).max_by(|&a, &b| r(a).total_cmp(&r(b))).unwrap();
    let (a, b, c) = (r(best - 1), r(best), r(best + 1));
    f64::from(SR) / (best as f64 + 0.5 * (a - c) / (a - 2.0 * b + c))
}

/// Fraction of the energy above `hz`, in dB, from one real FFT of the whole clip.
fn energy_above_db(x: &[f32], hz: f64) -> f64 {
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(x.len());
    let mut buf: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    let cut = (hz * x.len() as f64 / f64::from(SR)).ceil() as usize;
    let p: Vec<f64> = spec.iter().map(|c| c.norm_sqr()).collect();
    10.0 * (p[cut..].iter().sum::<f64>() / p.iter().sum::<f64>()).log10()
}

#[test]
fn perturbed_audio_measures_back_to_its_conditions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = world(tmp.path());
    let out = perturb(&dir, "out");
    let clean = |id: &str| read(&dir.join("audio").join(format!("{id}.wav")));
    let got = |c: &str, id: &str| read(&out.join(c).join("audio").join(format!("{id}.wav")));
    let mut report = Vec::new();
    // SNR over the whole clip, every noise kind and level, on every voice.
    for noise in ["white", "pink", "babble", "hum"] {
        for snr in [0.0, 5.0, 10.0, 15.0] {
            let c = format!("{noise}-{snr}db");
            let mut worst: f64 = 0.0;
            for id in ["v0", "v1", "v2", "v3"] {
                let (x, y) = (clean(id), got(&c, id));
                assert_eq!(x.len(), y.len(), "{c} keeps the clip sample-aligned");
                let added: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
                let measured = 10.0 * (energy(&x) / energy(&added)).log10();
                worst = worst.max((measured - snr).abs());
            }
            assert!(worst < 0.1, "{c}: off by {worst} dB");
            report.push(format!("{c}: max |SNR error| {worst:.2e} dB"));
        }
    }
    // Speed and tempo: durations within 0.1 %; speed moves the pitch, tempo keeps it.
    let tone = clean("tone");
    assert!((f0(&tone) - 220.0).abs() < 0.5);
    for f in [0.9, 1.1] {
        for kind in ["speed", "tempo"] {
            let y = got(&format!("{kind}-{f}"), "tone");
            let want = tone.len() as f64 / f;
            let err = (y.len() as f64 - want).abs() / want;
            assert!(err < 1e-3, "{kind} {f}: {} samples, want {want}", y.len());
            let pitch = f0(&y);
            let expect = if kind == "speed" { 220.0 * f } else { 220.0 };
            assert!(
                (pitch / expect - 1.0).abs() < 0.01,
                "{kind} {f}: F0 {pitch}"
            );
            report.push(format!(
                "{kind} {f}: duration error {:.3} %, F0 {pitch:.1} Hz",
                err * 100.0
            ));
        }
    }
    // The synthetic room: RT60 of the perturbed impulse by Schroeder integration.
    for (name, rt) in [("0.3", 0.3), ("0.6", 0.6), ("1.0", 1.0)] {
        let h = got(&format!("room-{name}"), "impulse");
        let measured = schroeder_rt60(&h, SR).unwrap();
        assert!((measured / rt - 1.0).abs() < 0.10, "rt60 {rt}: {measured}");
        report.push(format!("reverb-rt60 {rt}: Schroeder T30 {measured:.3} s"));
    }
    // The telephone channel on wide-band noise: almost nothing above 4 kHz.
    for law in ["mulaw", "alaw"] {
        let db = energy_above_db(&got(law, "wide"), 4000.0);
        assert!(db < -40.0, "{law}: {db} dB above 4 kHz");
        let input = energy_above_db(&clean("wide"), 4000.0);
        report.push(format!(
            "{law}: energy above 4 kHz {db:.1} dB (input {input:.1} dB)"
        ));
    }
    // The suites are suites: the perturbed folder loads and names its condition.
    let s = tonebench::input::suite::Suite::load(&out.join("mulaw")).unwrap();
    assert_eq!(s.name, "synth-mulaw");
    eprintln!("{}", report.join("\n"));
    // Same seed, same bytes.
    let again = perturb(&dir, "again");
    for c in ["white-0db", "babble-5db", "room-0.6", "tempo-0.9", "alaw"] {
        for id in ["v0", "v2", "impulse"] {
            let rel = format!("{c}/audio/{id}.wav");
            assert_eq!(
                std::fs::read(out.join(&rel)).unwrap(),
                std::fs::read(again.join(&rel)).unwrap(),
                "{rel}"
            );
        }
    }
}

#[test]
fn speech_scope_measures_snr_over_active_frames() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = world(tmp.path());
    let out = perturb(&dir, "out");
    let x = read(&dir.join("audio/v1.wav"));
    let y = read(&out.join("white-5db-speech/audio/v1.wav"));
    let added: Vec<f32> = y.iter().zip(&x).map(|(a, b)| a - b).collect();
    let got = tonebench::audio::perturb::noise::energies(
        &x,
        &added,
        SR,
        tonebench::audio::perturb::SnrScope::Speech,
    );
    let snr = 10.0 * (got.0 / got.1).log10();
    assert!((snr - 5.0).abs() < 0.1, "{snr}");
    // Over the whole clip the pauses hold noise but no speech: a lower SNR.
    let whole = 10.0 * (energy(&x) / energy(&added)).log10();
    assert!(whole < snr - 0.5, "{whole} vs {snr}");
}

#[test]
fn telephone_filters_and_g711_match_scipy_and_audioop() {
    let fx = root().join("tests/fixtures/perturb");
    let bp: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fx.join("bandpass.json")).unwrap()).unwrap();
    let num = |k: &str| -> Vec<f64> {
        bp[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    let mut x = num("x");
    filter(&band_pass(), &mut x);
    let worst = x
        .iter()
        .zip(num("y"))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 1e-9, "band-pass differs from scipy by {worst}");
    let g: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fx.join("g711.json")).unwrap()).unwrap();
    let ints = |k: &str| -> Vec<i64> {
        g[k].as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64().unwrap())
            .collect()
    };
    for ((v, u), a) in ints("values").iter().zip(ints("ulaw")).zip(ints("alaw")) {
        let v = *v as i16;
        assert_eq!(i64::from(linear_to_ulaw(v)), u, "μ-law of {v}");
        assert_eq!(i64::from(linear_to_alaw(v)), a, "A-law of {v}");
    }
    for (c, (u, a)) in ints("ulaw_decoded")
        .iter()
        .zip(ints("alaw_decoded"))
        .enumerate()
    {
        assert_eq!(i64::from(ulaw_to_linear(c as u8)), *u, "μ-law code {c}");
        assert_eq!(i64::from(alaw_to_linear(c as u8)), a, "A-law code {c}");
    }
}
