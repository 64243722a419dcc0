//! Audio decoding (WAV with hound; FLAC, MP3, OGG/Vorbis, MP4/M4A with symphonia), downmixing,
//! resampling to a model's sample rate, and the feature extractors of [`features`].
//!
//! The preprocessing contract of the reference models (see `../shared/models/README.md`):
//! integer PCM is scaled by `1 / 2^(bits-1)` (PCM16 / 32768), float PCM is taken as is,
//! channels are averaged, and the waveform is resampled with a polyphase FIR filter that is
//! sample-for-sample the one `scipy.signal.resample_poly` uses (Kaiser window, β = 5,
//! half length 10 × max(up, down)). Matching the reference's resampler keeps model
//! outputs within float rounding of the Python reference; [`resample_rubato`] offers
//! rubato's FFT resampler for comparison.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use thiserror::Error;

/// Why a WAV file could not be turned into a waveform. Every variant names the file.
#[derive(Debug, Error)]
pub enum AudioError {
    #[error("audio {path}: file not found")]
    Missing { path: PathBuf },
    #[error("audio {path}: not a readable WAV file: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("audio {path}: truncated WAV data: {reason}")]
    Truncated { path: PathBuf, reason: String },
    #[error("audio {path}: no samples (zero-length audio)")]
    Empty { path: PathBuf },
    #[error("audio {path}: unsupported WAV encoding: {what}")]
    Unsupported { path: PathBuf, what: String },
    /// A file that is not WAV in a format or codec this build does not decode.
    #[error("audio {path}: unsupported audio format: {what}")]
    Format { path: PathBuf, what: String },
    /// A FLAC, MP3, OGG or MP4 file whose stream is damaged.
    #[error("audio {path}: cannot decode: {reason}")]
    Undecodable { path: PathBuf, reason: String },
    /// Not a regular file, or a read that failed.
    #[error("audio {path}: cannot read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    /// A header or clip past a bound of DESIGN.md's Limits.
    #[error("audio {path}: {reason}")]
    Limit { path: PathBuf, reason: String },
    #[error("audio {path}: cannot resample from {from} Hz to {to} Hz: {reason}")]
    Resample {
        path: PathBuf,
        from: u32,
        to: u32,
        reason: String,
    },
}

impl crate::error::HasKind for AudioError {
    fn kind(&self) -> crate::error::ErrorKind {
        crate::error::ErrorKind::Input
    }
}

/// A decoded mono waveform, samples in [-1, 1] (not clipped), at `sample_rate`.
#[derive(Debug, Clone, PartialEq)]
pub struct Waveform {
    pub samples: Vec<f32>,
    pub sample_rate: u32,
}

impl Waveform {
    /// Length in seconds.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// A waveform at the target rate plus how long decoding and resampling took.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub waveform: Waveform,
    /// Duration of the source audio in seconds.
    pub source_duration_s: f64,
    pub decode: Duration,
    pub resample: Duration,
}

/// Resamples a waveform decoded from `path` to `to` Hz (the reference's polyphase filter);
/// `path` names the file in the error.
pub fn resample(path: &Path, source: &Waveform, to: u32) -> Result<Vec<f32>, AudioError> {
    let bounded = tonebench_core::limits::sample_rate(source.sample_rate)
        .and_then(|()| tonebench_core::limits::sample_rate(to));
    if let Err(reason) = bounded {
        return Err(AudioError::Resample {
            path: path.to_path_buf(),
            from: source.sample_rate,
            to,
            reason,
        });
    }
    resample_poly(&source.samples, source.sample_rate, to).map_err(|reason| AudioError::Resample {
        path: path.to_path_buf(),
        from: source.sample_rate,
        to,
        reason,
    })
}

/// Decodes `path` and resamples it to `target_rate` (the reference's polyphase filter).
pub fn load(path: &Path, target_rate: u32) -> Result<Loaded, AudioError> {
    let t0 = Instant::now();
    let source = decode(path)?;
    let decode = t0.elapsed();
    let t1 = Instant::now();
    let samples = resample(path, &source, target_rate)?;
    let resample = t1.elapsed();
    Ok(Loaded {
        source_duration_s: source.duration_s(),
        waveform: Waveform {
            samples,
            sample_rate: target_rate,
        },
        decode,
        resample,
    })
}

/// The duration of an audio file in seconds: from the header alone for WAV, by decoding for
/// the other formats.
pub fn duration_s(path: &Path) -> Result<f64, AudioError> {
    crate::open::check(path).map_err(|e| unreadable(path, e))?;
    let is_wav_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    if !is_wav_name {
        return decode(path).map(|w| w.duration_s());
    }
    let file = crate::open::open(path).map_err(|e| unreadable(path, e))?;
    let reader = hound::WavReader::new(std::io::BufReader::new(file))
        .map_err(|e| classify(path, e, "header"))?;
    let spec = reader.spec();
    check_spec(path, spec)?;
    Ok(f64::from(reader.duration()) / f64::from(spec.sample_rate))
}

/// Decodes an audio file to mono f32, any number of channels (averaged): WAV (8/16/24/32-bit
/// integer or 32-bit float PCM) with hound, FLAC, MP3, OGG/Vorbis and MP4/M4A (AAC) with
/// symphonia ([`codec`]). A file is taken as WAV when its name ends in `.wav` or its bytes
/// start with a RIFF header.
pub fn decode(path: &Path) -> Result<Waveform, AudioError> {
    match crate::open::read(path) {
        Ok(bytes) if is_wav(path, &bytes) => decode_bytes(path, &bytes),
        Ok(bytes) if bytes.is_empty() => Err(AudioError::Empty {
            path: path.to_path_buf(),
        }),
        Ok(bytes) => codec::decode_bytes(path, bytes),
        Err(e) => Err(unreadable(path, e)),
    }
}

/// An audio file that could not be read: missing, or not a regular file.
fn unreadable(path: &Path, e: std::io::Error) -> AudioError {
    match e.kind() {
        std::io::ErrorKind::NotFound => AudioError::Missing {
            path: path.to_path_buf(),
        },
        _ => AudioError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
    }
}

/// Whether `path` is read as WAV: by its extension, or by a RIFF header whatever its name.
fn is_wav(path: &Path, bytes: &[u8]) -> bool {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    matches!(ext.as_deref(), Some("wav" | "wave")) || bytes.starts_with(b"RIFF")
}

/// Decodes WAV bytes held in memory; `path` is only used in messages.
///
/// hound parses the header; plain PCM (sample container = sample width) is then converted
/// straight from the data bytes, which is several times faster than hound's per-sample reader.
/// Anything else (e.g. 24 valid bits in 32-bit containers) goes through hound.
pub fn decode_bytes(path: &Path, bytes: &[u8]) -> Result<Waveform, AudioError> {
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes))
        .map_err(|e| classify(path, e, "header"))?;
    let spec = reader.spec();
    check_spec(path, spec)?;
    let channels = usize::from(spec.channels);
    let width = usize::from(spec.bits_per_sample / 8);
    let plain = fmt_block_align(bytes) == Some(channels * width)
        && spec.bits_per_sample % 8 == 0
        && matches!(
            (spec.sample_format, spec.bits_per_sample),
            (hound::SampleFormat::Int, 8 | 16 | 24 | 32) | (hound::SampleFormat::Float, 32)
        );
    if !plain {
        return decode_reader(path, reader);
    }
    let declared = reader.len() as usize;
    check_duration(path, declared / channels.max(1), spec.sample_rate)?;
    let start = usize::try_from(reader.into_inner().position()).unwrap_or(usize::MAX);
    let data = bytes.get(start..).unwrap_or(&[]);
    let need = declared.saturating_mul(width);
    if data.len() < need {
        return Err(AudioError::Truncated {
            path: path.to_path_buf(),
            reason: format!(
                "header declares {declared} samples, file holds {}",
                data.len() / width.max(1)
            ),
        });
    }
    let data = &data[..need];
    let interleaved: Vec<f32> = match (spec.sample_format, width) {
        (hound::SampleFormat::Float, _) => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
        // 8-bit WAV is unsigned with an offset of 128.
        (_, 1) => data
            .iter()
            .map(|&b| (f32::from(b) - 128.0) / 128.0)
            .collect(),
        (_, 2) => data
            .chunks_exact(2)
            .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
            .collect(),
        (_, 3) => data
            .chunks_exact(3)
            .map(|b| {
                let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                (f64::from(v) / 8_388_608.0) as f32
            })
            .collect(),
        _ => data
            .chunks_exact(4)
            .map(|b| {
                (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0) as f32
            })
            .collect(),
    };
    if let Some(i) = interleaved.iter().position(|x| !x.is_finite()) {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            reason: format!(
                "sample {i} is {} (float samples must be finite)",
                interleaved[i]
            ),
        });
    }
    mono(path, interleaved, channels, spec.sample_rate)
}

/// `block_align` of the first `fmt ` chunk (bytes per frame), if the RIFF layout is readable.
fn fmt_block_align(bytes: &[u8]) -> Option<usize> {
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let id = &bytes[at..at + 4];
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        if id == b"fmt " {
            let b = bytes.get(at + 20..at + 22)?;
            return Some(usize::from(u16::from_le_bytes([b[0], b[1]])));
        }
        at = at.checked_add(8 + len + (len & 1))?;
    }
    None
}

fn check_spec(path: &Path, spec: hound::WavSpec) -> Result<(), AudioError> {
    if spec.channels == 0 {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            reason: "header declares 0 channels".into(),
        });
    }
    if spec.sample_rate == 0 {
        return Err(AudioError::Corrupt {
            path: path.to_path_buf(),
            reason: "header declares a sample rate of 0 Hz".into(),
        });
    }
    let limits = tonebench_core::limits::sample_rate(spec.sample_rate).and_then(|()| {
        tonebench_core::limits::at_most(
            "the number of channels",
            u32::from(spec.channels),
            tonebench_core::limits::CHANNELS,
        )
        .map_err(|e| e.to_string())
    });
    limits.map_err(|reason| AudioError::Limit {
        path: path.to_path_buf(),
        reason,
    })
}

/// A clip of `frames` frames at `rate` Hz is at most [`tonebench_core::limits::AUDIO_SECONDS`]
/// long, and its rate is within [`tonebench_core::limits::SAMPLE_RATE_HZ`].
fn check_duration(path: &Path, frames: usize, rate: u32) -> Result<(), AudioError> {
    let limit = |reason: String| AudioError::Limit {
        path: path.to_path_buf(),
        reason,
    };
    tonebench_core::limits::sample_rate(rate).map_err(limit)?;
    let seconds = frames as f64 / f64::from(rate);
    tonebench_core::limits::at_most(
        "the duration (seconds)",
        seconds,
        tonebench_core::limits::AUDIO_SECONDS,
    )
    .map_err(|e| limit(e.to_string()))
}

/// A clip fed to a model is at least [`tonebench_core::limits::MIN_MODEL_AUDIO_SECONDS`] long.
pub fn long_enough(path: &Path, w: &Waveform) -> Result<(), AudioError> {
    let min = tonebench_core::limits::MIN_MODEL_AUDIO_SECONDS;
    let need = (min * f64::from(w.sample_rate)).ceil() as usize;
    if w.samples.len() >= need {
        return Ok(());
    }
    Err(AudioError::Limit {
        path: path.to_path_buf(),
        reason: format!(
            "{} samples at {} Hz is shorter than the {min} s a model is fed at least (DESIGN.md, Limits)",
            w.samples.len(),
            w.sample_rate
        ),
    })
}

/// Averages interleaved channels into one.
fn mono(
    path: &Path,
    interleaved: Vec<f32>,
    channels: usize,
    sample_rate: u32,
) -> Result<Waveform, AudioError> {
    let frames = interleaved.len() / channels.max(1);
    if frames == 0 {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    }
    check_duration(path, frames, sample_rate)?;
    let samples = if channels == 1 {
        interleaved
    } else {
        let inv = 1.0 / channels as f64;
        interleaved
            .chunks_exact(channels)
            .map(|frame| (frame.iter().map(|&s| f64::from(s)).sum::<f64>() * inv) as f32)
            .collect()
    };
    Ok(Waveform {
        samples,
        sample_rate,
    })
}

fn classify(path: &Path, e: hound::Error, during: &str) -> AudioError {
    let path = path.to_path_buf();
    match e {
        hound::Error::Unsupported => AudioError::Unsupported {
            path,
            what: "hound does not support this format".into(),
        },
        // hound reports a short read either as UnexpectedEof or as "Failed to read enough bytes."
        hound::Error::IoError(io)
            if io.kind() == std::io::ErrorKind::UnexpectedEof
                || io.to_string().contains("enough bytes") =>
        {
            AudioError::Truncated {
                path,
                reason: format!("file ends inside the {during}"),
            }
        }
        hound::Error::FormatError(msg) if msg.contains("bits per sample") => {
            AudioError::Unsupported {
                path,
                what: msg.to_string(),
            }
        }
        other => AudioError::Corrupt {
            path,
            reason: other.to_string(),
        },
    }
}

fn decode_reader<R: std::io::Read>(
    path: &Path,
    mut reader: hound::WavReader<R>,
) -> Result<Waveform, AudioError> {
    let spec = reader.spec();
    check_spec(path, spec)?;
    let channels = usize::from(spec.channels);
    let declared = reader.len() as usize;
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
            let scale = 1.0 / f64::from(1u32 << (bits - 1));
            let mut out = Vec::with_capacity(declared);
            for s in reader.samples::<i32>() {
                let s = s.map_err(|e| classify(path, e, "sample data"))?;
                out.push((f64::from(s) * scale) as f32);
            }
            out
        }
        (hound::SampleFormat::Float, 32) => {
            let mut out = Vec::with_capacity(declared);
            for s in reader.samples::<f32>() {
                out.push(s.map_err(|e| classify(path, e, "sample data"))?);
            }
            out
        }
        (format, bits) => {
            return Err(AudioError::Unsupported {
                path: path.to_path_buf(),
                what: format!(
                    "{bits}-bit {} PCM (supported: 8/16/24/32-bit integer, 32-bit float)",
                    match format {
                        hound::SampleFormat::Int => "integer",
                        hound::SampleFormat::Float => "float",
                    }
                ),
            })
        }
    };
    if interleaved.len() < declared {
        return Err(AudioError::Truncated {
            path: path.to_path_buf(),
            reason: format!(
                "header declares {declared} samples, file holds {}",
                interleaved.len()
            ),
        });
    }
    mono(path, interleaved, channels, spec.sample_rate)
}

pub mod codec;
pub mod features;
pub mod mfcc;
pub mod perturb;
mod resample;
pub use resample::resample_poly;

/// Resamples with rubato's synchronous FFT resampler (for comparison with [`resample_poly`]).
pub fn resample_rubato(x: &[f32], from: u32, to: u32) -> Result<Vec<f32>, String> {
    use rubato::audioadapter::Adapter;
    use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
    use rubato::Resampler;
    if from == to {
        return Ok(x.to_vec());
    }
    let mut r = rubato::Fft::<f32>::new(
        from as usize,
        to as usize,
        1024,
        1,
        rubato::FixedSync::Input,
    )
    .map_err(|e| e.to_string())?;
    let input = vec![x.to_vec()];
    let adapter = SequentialSliceOfVecs::new(&input, 1, x.len()).map_err(|e| e.to_string())?;
    let out = r
        .process_all(&adapter, x.len(), None)
        .map_err(|e| e.to_string())?;
    let frames = out.frames();
    Ok((0..frames)
        .map(|i| out.read_sample(0, i).unwrap_or(0.0))
        .collect())
}
