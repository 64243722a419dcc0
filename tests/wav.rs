//! WAV decoding and resampling: every supported encoding, bad files as errors naming the file,
//! and the resampler against the reference (scipy's `resample_poly`) on clips in `../shared`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tonebench::audio;

use crate::common::{ravdess, read_csv, shared_models};

fn read_f32_wav(path: &Path) -> Vec<f32> {
    hound::WavReader::open(path)
        .unwrap()
        .samples::<f32>()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn resampling_matches_the_reference_resampler() {
    let Some(shared) = shared_models() else {
        return;
    };
    let check = shared.join("models/audio-cnn-valence/resample-check");
    let mut n = 0;
    let (mut worst_poly, mut worst_rubato) = (0.0f32, 0.0f32);
    for entry in std::fs::read_dir(&check).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(rel) = name
            .strip_suffix(".wav")
            .and_then(|n| n.strip_prefix("ravdess__"))
        else {
            continue;
        };
        let source = shared
            .join("data/ravdess-dev")
            .join(rel.replace("__", "/") + ".wav");
        let want = read_f32_wav(&path);
        let wave = audio::decode(&source).unwrap();
        let poly = audio::resample_poly(&wave.samples, wave.sample_rate, 16000).unwrap();
        assert_eq!(poly.len(), want.len(), "{name}");
        let d = poly
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        worst_poly = worst_poly.max(d);
        let rub = audio::resample_rubato(&wave.samples, wave.sample_rate, 16000).unwrap();
        let d = rub
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        worst_rubato = worst_rubato.max(d);
        n += 1;
    }
    eprintln!("resample 48->16 kHz vs scipy resample_poly on {n} clips: max |dx| polyphase {worst_poly:.2e}, rubato fft {worst_rubato:.2e}");
    assert_eq!(n, 3);
    assert!(worst_poly < 1e-6, "{worst_poly}");
}

#[test]
fn decode_and_resample_throughput() {
    let Some(shared) = shared_models() else {
        return;
    };
    let r = ravdess(&shared);
    let clips: Vec<&PathBuf> = r.inputs.iter().take(20).map(|(_, _, p)| p).collect();
    let t = Instant::now();
    let mut seconds = 0.0;
    for c in &clips {
        let l = audio::load(c, 16000).unwrap();
        seconds += l.source_duration_s;
    }
    let wall = t.elapsed().as_secs_f64();
    eprintln!(
        "decode + resample 48->16 kHz: {:.0}x real time on one core ({seconds:.1} s audio in {wall:.3} s; unoptimised test build)",
        seconds / wall
    );
}

fn write_wav(path: &Path, spec: hound::WavSpec, frames: &[Vec<f64>]) {
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for frame in frames {
        for &s in frame {
            match spec.sample_format {
                hound::SampleFormat::Float => w.write_sample(s as f32).unwrap(),
                hound::SampleFormat::Int => {
                    let full = f64::from(1u32 << (spec.bits_per_sample - 1));
                    let v = (s * full).round() as i32;
                    if spec.bits_per_sample == 8 {
                        w.write_sample(v as i8).unwrap()
                    } else {
                        w.write_sample(v).unwrap()
                    }
                }
            }
        }
    }
    w.finalize().unwrap();
}

fn wav_spec(channels: u16, bits: u16, float: bool) -> hound::WavSpec {
    hound::WavSpec {
        channels,
        sample_rate: 8000,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    }
}

#[test]
fn decodes_every_supported_wav_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let frames = vec![vec![0.5, -0.25], vec![-1.0, 0.0], vec![0.25, 0.75]];
    // mono = mean of the two channels
    let want = [(0.5 - 0.25) / 2.0, (-1.0 + 0.0) / 2.0, (0.25 + 0.75) / 2.0];
    for (bits, float) in [
        (8, false),
        (16, false),
        (24, false),
        (32, false),
        (32, true),
    ] {
        let path = dir.path().join(format!("stereo-{bits}-{float}.wav"));
        write_wav(&path, wav_spec(2, bits, float), &frames);
        let w = audio::decode(&path).unwrap();
        assert_eq!(w.sample_rate, 8000);
        assert_eq!(w.samples.len(), 3);
        for (got, want) in w.samples.iter().zip(want) {
            assert!(
                (f64::from(*got) - want).abs() < 1e-9,
                "{bits}-bit {float}: {got} vs {want}"
            );
        }
    }
    // 16-bit mono: PCM16 / 32768 exactly.
    let path = dir.path().join("mono16.wav");
    write_wav(
        &path,
        wav_spec(1, 16, false),
        &[vec![16384.0 / 32768.0], vec![-1.0]],
    );
    assert_eq!(audio::decode(&path).unwrap().samples, vec![0.5, -1.0]);
    // 8 kHz → 16 kHz doubles the length.
    let l = audio::load(&path, 16000).unwrap();
    assert_eq!(l.waveform.samples.len(), 4);
}

fn audio_err(path: &Path) -> String {
    audio::decode(path).unwrap_err().to_string()
}

#[test]
fn bad_wav_files_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.wav");
    assert_eq!(
        audio_err(&missing),
        format!("audio {}: file not found", missing.display())
    );

    let corrupt = dir.path().join("corrupt.wav");
    std::fs::write(&corrupt, b"this is not a wav file at all, not even close").unwrap();
    assert!(audio_err(&corrupt)
        .starts_with(&format!("audio {}: not a readable WAV", corrupt.display())));

    let good = dir.path().join("good.wav");
    write_wav(&good, wav_spec(1, 16, false), &vec![vec![0.1]; 1000]);
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.wav");
    std::fs::write(&truncated, &bytes[..bytes.len() - 501]).unwrap();
    let e = audio_err(&truncated);
    assert!(
        e.starts_with(&format!("audio {}: truncated", truncated.display())),
        "{e}"
    );
    let header_only = dir.path().join("cut-header.wav");
    std::fs::write(&header_only, &bytes[..30]).unwrap();
    assert!(audio_err(&header_only).contains("cut-header.wav"));

    let empty = dir.path().join("empty.wav");
    write_wav(&empty, wav_spec(1, 16, false), &[]);
    assert_eq!(
        audio_err(&empty),
        format!("audio {}: no samples (zero-length audio)", empty.display())
    );

    // 64-bit float PCM: a valid WAV that tonebench does not read.
    let mut f64wav = Vec::new();
    let data: Vec<u8> = [0.5f64, -0.5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    f64wav.extend_from_slice(b"RIFF");
    f64wav.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    f64wav.extend_from_slice(b"WAVEfmt ");
    f64wav.extend_from_slice(&16u32.to_le_bytes());
    f64wav.extend_from_slice(&3u16.to_le_bytes()); // IEEE float
    f64wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    f64wav.extend_from_slice(&8000u32.to_le_bytes());
    f64wav.extend_from_slice(&(8000u32 * 8).to_le_bytes());
    f64wav.extend_from_slice(&8u16.to_le_bytes());
    f64wav.extend_from_slice(&64u16.to_le_bytes());
    f64wav.extend_from_slice(b"data");
    f64wav.extend_from_slice(&(data.len() as u32).to_le_bytes());
    f64wav.extend_from_slice(&data);
    let unsupported = dir.path().join("f64.wav");
    std::fs::write(&unsupported, &f64wav).unwrap();
    let e = audio_err(&unsupported);
    assert!(
        e.starts_with(&format!(
            "audio {}: unsupported WAV encoding",
            unsupported.display()
        )),
        "{e}"
    );
}

#[test]
fn resampled_inputs_are_bit_identical_to_the_reference() {
    use sha2::{Digest, Sha256};
    let Some(shared) = shared_models() else {
        return;
    };
    let rows = read_csv(&shared.join("models/audio-cnn-valence/reference_ravdess_actors13-18.csv"));
    let (mut same_len, mut same_sha) = (0, 0);
    for row in &rows {
        let path = shared.join("data/ravdess-dev").join(&row["file"]);
        let l = audio::load(&path, 16000).unwrap();
        let bytes: Vec<u8> = l
            .waveform
            .samples
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        same_len += usize::from(l.waveform.samples.len().to_string() == row["n_samples_16k"]);
        same_sha += usize::from(sha == row["sha256_f32le_16k"]);
    }
    eprintln!(
        "resampled inputs: {same_len}/{} same length, {same_sha} bit-identical to the reference",
        rows.len()
    );
    assert_eq!(same_len, rows.len());
}

/// A WAV of 24 valid bits in 32-bit containers (read through hound's per-sample reader) whose
/// data chunk claims 4 GB but holds 8 bytes: the claimed count was reserved before a sample was
/// read (a 4 GB allocation from a 76-byte file). Now the header's duration is checked first.
#[test]
fn a_wav_header_claiming_gigabytes_reserves_nothing_from_the_claim() {
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&68u32.to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&40u32.to_le_bytes());
    b.extend_from_slice(&0xFFFEu16.to_le_bytes()); // WAVE_FORMAT_EXTENSIBLE
    b.extend_from_slice(&1u16.to_le_bytes()); // channels
    b.extend_from_slice(&16_000u32.to_le_bytes());
    b.extend_from_slice(&64_000u32.to_le_bytes()); // bytes per second
    b.extend_from_slice(&4u16.to_le_bytes()); // block align
    b.extend_from_slice(&32u16.to_le_bytes()); // container bits
    b.extend_from_slice(&22u16.to_le_bytes()); // extension size
    b.extend_from_slice(&24u16.to_le_bytes()); // valid bits
    b.extend_from_slice(&4u32.to_le_bytes()); // channel mask
    b.extend_from_slice(&[
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B,
        0x71,
    ]); // KSDATAFORMAT_SUBTYPE_PCM
    b.extend_from_slice(b"data");
    b.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    b.extend_from_slice(&[0; 8]);
    let e = audio::decode_bytes(Path::new("claim.wav"), &b)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("claim.wav") && e.contains("the duration (seconds) is 67108"),
        "{e}"
    );
    // The same header with its true length decodes.
    let n = b.len();
    b[n - 12..n - 8].copy_from_slice(&8u32.to_le_bytes());
    let w = audio::decode_bytes(Path::new("claim.wav"), &b).unwrap();
    assert_eq!(w.samples.len(), 2);
}
