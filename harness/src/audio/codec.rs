//! Compressed and containerised audio — FLAC, MP3, OGG/Vorbis, MP4/M4A (AAC) — decoded with
//! symphonia (only those codecs and containers are compiled in).
//!
//! Samples become f32 the way the WAV path scales them (`i16 / 32768`, 24- and 32-bit
//! through f64), and channels are averaged by the same function, so a lossless file decodes to
//! exactly the samples of the WAV it was made from. Lossy decoders are compared with ffmpeg's
//! in tests/formats.rs.

use std::path::Path;

use symphonia::core::audio::GenericAudioBufferRef;
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::{mono, AudioError, Waveform};

/// The formats this build decodes besides WAV, as messages list them.
pub const FORMATS: &str = "WAV, FLAC, MP3, OGG/Vorbis, MP4/M4A (AAC)";

/// Decodes the first audio track of a FLAC, MP3, OGG or MP4 file held in memory to mono f32;
/// `path` names the file in messages and gives the probe its extension hint.
pub fn decode_bytes(path: &Path, bytes: Vec<u8>) -> Result<Waveform, AudioError> {
    let unsupported = |what: String| AudioError::Format {
        path: path.to_path_buf(),
        what,
    };
    let corrupt = |reason: String| AudioError::Undecodable {
        path: path.to_path_buf(),
        reason,
    };
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let bytes_head = if bytes.get(4..8) == Some(b"ftyp") {
        bytes.clone()
    } else {
        Vec::new()
    };
    let mss = MediaSourceStream::new(Box::new(std::io::Cursor::new(bytes)), Default::default());
    let mut format = symphonia::default::get_probe()
        .probe(
            &hint,
            mss,
            FormatOptions::default(),
            MetadataOptions::default(),
        )
        .map_err(|e| match e {
            SymError::Unsupported(_) => unsupported(format!(
                "not a container this build reads (supported: {FORMATS})"
            )),
            other => corrupt(other.to_string()),
        })?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| unsupported(format!("no audio track this build decodes ({FORMATS})")))?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| unsupported("the audio track has no codec parameters".into()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| match e {
            SymError::Unsupported(_) => unsupported(format!(
                "codec {} is not one this build decodes (supported: {FORMATS}; OGG/Opus is not)",
                params.codec
            )),
            other => corrupt(other.to_string()),
        })?;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut layout: Option<(usize, u32)> = None;
    let mut packet_buf: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(corrupt(e.to_string())),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf: GenericAudioBufferRef<'_> = match decoder.decode(&packet) {
            Ok(b) => b,
            Err(e) => return Err(corrupt(format!("cannot decode a packet: {e}"))),
        };
        let spec = buf.spec();
        let here = (spec.channels().count(), spec.rate());
        match layout {
            None => layout = Some(here),
            Some(prev) if prev != here => {
                return Err(unsupported(format!(
                    "the stream changes from {} channels at {} Hz to {} channels at {} Hz",
                    prev.0, prev.1, here.0, here.1
                )))
            }
            Some(_) => {}
        }
        packet_buf.resize(buf.samples_interleaved(), 0.0);
        buf.copy_to_slice_interleaved(&mut packet_buf[..]);
        interleaved.extend_from_slice(&packet_buf);
    }
    let Some((channels, rate)) = layout else {
        return Err(AudioError::Empty {
            path: path.to_path_buf(),
        });
    };
    if channels == 0 || rate == 0 {
        return Err(corrupt(format!(
            "the stream declares {channels} channels at {rate} Hz"
        )));
    }
    // MP4 encoders put the codec's priming samples first and say so in the edit list, which
    // symphonia's MP4 reader does not apply: skip them as ffmpeg does.
    let skip = mp4_priming(&bytes_head, rate).unwrap_or(0) * channels;
    if skip > 0 && skip < interleaved.len() {
        interleaved.drain(..skip);
    }
    if let Some(i) = interleaved.iter().position(|x| !x.is_finite()) {
        return Err(corrupt(format!("decoded sample {i} is not finite")));
    }
    mono(path, interleaved, channels, rate)
}

/// The boxes of an MP4 byte range: (type, payload).
fn boxes(mut b: &[u8]) -> Vec<([u8; 4], &[u8])> {
    let mut out = Vec::new();
    while b.len() >= 8 {
        let size = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
        let kind = [b[4], b[5], b[6], b[7]];
        let (head, size) = match size {
            0 => (8, b.len()),
            1 if b.len() >= 16 => {
                let big = u64::from_be_bytes(b[8..16].try_into().unwrap_or([0; 8]));
                (16, usize::try_from(big).unwrap_or(usize::MAX))
            }
            s => (8, s),
        };
        if size < head || size > b.len() {
            break;
        }
        out.push((kind, &b[head..size]));
        b = &b[size..];
    }
    out
}

fn child<'a>(b: &'a [u8], kind: &[u8; 4]) -> Option<&'a [u8]> {
    boxes(b)
        .into_iter()
        .find(|(k, _)| k == kind)
        .map(|(_, p)| p)
}

/// The priming samples an MP4 file's first track skips: the `media_time` of its edit list
/// (`moov/trak/edts/elst`) in the track's timescale (`mdia/mdhd`), converted to `rate`.
fn mp4_priming(file: &[u8], rate: u32) -> Option<usize> {
    let trak = child(child(file, b"moov")?, b"trak")?;
    let elst = child(child(trak, b"edts")?, b"elst")?;
    let version = *elst.first()?;
    let media_time = match version {
        0 => i64::from(i32::from_be_bytes(elst.get(12..16)?.try_into().ok()?)),
        _ => i64::from_be_bytes(elst.get(16..24)?.try_into().ok()?),
    };
    let mdhd = child(child(trak, b"mdia")?, b"mdhd")?;
    let at = if *mdhd.first()? == 0 { 12 } else { 20 };
    let timescale = u32::from_be_bytes(mdhd.get(at..at + 4)?.try_into().ok()?);
    if media_time <= 0 || timescale == 0 {
        return None;
    }
    usize::try_from(media_time * i64::from(rate) / i64::from(timescale)).ok()
}
