//! The suite folders `tonebench perturb` writes: one per condition, a suite.toml pointing at the
//! perturbed audio, a copy of the items table, and the audio as 32-bit float WAVs.

use std::path::{Path, PathBuf};

use super::{write_atomic, StoreError};

/// The manifest of a suite folder.
pub const SUITE_TOML: &str = "suite.toml";
/// The folder of the audio inside a perturbed suite folder.
pub const AUDIO_DIR: &str = "audio";

/// A perturbed suite folder being written.
#[derive(Debug, Clone)]
pub struct PerturbedSuite {
    pub dir: PathBuf,
}

impl PerturbedSuite {
    /// Creates `dir`; a folder that already holds a suite is an error (nothing is overwritten).
    pub fn create(dir: &Path) -> Result<PerturbedSuite, StoreError> {
        if dir.join(SUITE_TOML).exists() {
            return Err(StoreError::HoldsSuite(dir.to_owned()));
        }
        mkdir(dir)?;
        Ok(PerturbedSuite {
            dir: dir.to_owned(),
        })
    }

    /// Writes one clip as a mono 32-bit float WAV at `rel` under the audio folder.
    pub fn write_clip(&self, rel: &Path, samples: &[f32], rate: u32) -> Result<(), StoreError> {
        let path = self.dir.join(AUDIO_DIR).join(rel);
        if let Some(parent) = path.parent() {
            mkdir(parent)?;
        }
        write_atomic(&path, &wav_f32(samples, rate))
    }

    /// Copies the items table under its own file name and writes the manifest.
    pub fn finish(&self, items: &Path, manifest: &str) -> Result<(), StoreError> {
        let name = items.file_name().unwrap_or_default();
        let bytes = crate::open::read(items).map_err(|source| StoreError::Write {
            path: items.to_owned(),
            source,
        })?;
        write_atomic(&self.dir.join(name), &bytes)?;
        write_atomic(&self.dir.join(SUITE_TOML), manifest.as_bytes())
    }
}

fn mkdir(dir: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
        path: dir.to_owned(),
        source,
    })
}

/// The bytes of a mono 32-bit IEEE float WAV file.
pub fn wav_f32(samples: &[f32], rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut cur = std::io::Cursor::new(Vec::with_capacity(44 + samples.len() * 4));
    {
        let mut w = hound::WavWriter::new(&mut cur, spec).expect("a WAV header fits in memory");
        for &s in samples {
            w.write_sample(s).expect("writing to memory does not fail");
        }
        w.finalize().expect("writing to memory does not fail");
    }
    cur.into_inner()
}
