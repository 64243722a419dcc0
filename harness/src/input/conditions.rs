//! Conditions files, format version 1: the acoustic conditions of `run --conditions` and
//! `perturb`, read, checked and turned into [`Chain`]s. Unknown keys are errors; every error
//! names the file, line, column and key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;
use tonebench_core::report::ConditionParameters;

use crate::audio::perturb::{opus, Chain, Law, NoiseKind, Rir, SnrScope, Step};
use crate::audio::Waveform;
use crate::input::config::{line_col, parse_toml, ConfigError};

/// A number as TOML writes it (integer or float).
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn get(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

/// A conditions file as written (its JSON Schema is docs/schemas/conditions.schema.json).
pub type ConditionsFile = Manifest;

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    #[schemars(with = "u32")]
    format_version: Spanned<u32>,
    #[serde(default)]
    condition: Vec<ConditionManifest>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ConditionManifest {
    #[schemars(with = "String")]
    name: Spanned<String>,
    #[schemars(with = "Option<String>")]
    noise: Option<Spanned<String>>,
    #[schemars(with = "Option<Num>")]
    snr_db: Option<Spanned<Num>>,
    #[schemars(with = "Option<String>")]
    snr_scope: Option<Spanned<String>>,
    #[schemars(with = "Option<Num>")]
    speed: Option<Spanned<Num>>,
    #[schemars(with = "Option<Num>")]
    tempo: Option<Spanned<Num>>,
    #[schemars(with = "Option<Num>")]
    reverb_rt60: Option<Spanned<Num>>,
    #[schemars(with = "Option<String>")]
    rir: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    telephony: Option<Spanned<String>>,
    #[schemars(with = "Option<String>")]
    codec: Option<Spanned<String>>,
    #[schemars(with = "Option<Num>")]
    bitrate_kbps: Option<Spanned<Num>>,
    #[schemars(with = "Option<Num>")]
    packet_loss_pct: Option<Spanned<Num>>,
    #[schemars(with = "Option<Num>")]
    gain_db: Option<Spanned<Num>>,
    #[schemars(with = "Option<Num>")]
    clip: Option<Spanned<Num>>,
}

/// One checked condition.
#[derive(Debug, Clone)]
pub struct Condition {
    pub name: String,
    pub chain: Chain,
    /// As written, for the report.
    pub parameters: ConditionParameters,
}

/// A checked conditions file.
#[derive(Debug, Clone)]
pub struct Conditions {
    pub path: PathBuf,
    /// sha256 of the file (part of a run's journal identity).
    pub sha256: String,
    pub list: Vec<Condition>,
}

/// The range of `snr-db`.
pub const SNR_RANGE: (f64, f64) = (-20.0, 60.0);

impl Conditions {
    /// Reads and checks a conditions file; noise and RIR files are decoded here.
    pub fn load(path: &Path) -> Result<Conditions, ConfigError> {
        let text = crate::open::read_to_string(path).map_err(|e| ConfigError {
            path: path.to_owned(),
            line: 1,
            column: 1,
            message: format!("cannot read the conditions file: {e}"),
        })?;
        let list = parse(path, &text)?;
        Ok(Conditions {
            path: path.to_owned(),
            sha256: crate::digest::sha256_hex(text.as_bytes()),
            list,
        })
    }
}

/// Parses and checks the text of a conditions file read from `path` (relative paths in it are
/// relative to its folder).
pub fn parse(path: &Path, text: &str) -> Result<Vec<Condition>, ConfigError> {
    let m: Manifest = parse_toml(path, text)?;
    let err = |span: std::ops::Range<usize>, message: String| {
        let (line, column) = line_col(text, span.start);
        ConfigError {
            path: path.to_owned(),
            line,
            column,
            message,
        }
    };
    if *m.format_version.get_ref() != 1 {
        return Err(err(
            m.format_version.span(),
            format!(
                "format-version = {}: this tonebench reads format-version 1",
                m.format_version.get_ref()
            ),
        ));
    }
    if m.condition.is_empty() {
        return Err(err(
            0..0,
            "no [[condition]] entries: add at least one, e.g. [[condition]] name = \"white-5db\" noise = \"white\" snr-db = 5".into(),
        ));
    }
    if let Err(e) = tonebench_core::limits::at_most(
        "the number of [[condition]] entries",
        m.condition.len(),
        tonebench_core::limits::CONDITIONS,
    ) {
        return Err(err(m.condition[0].name.span(), e.to_string()));
    }
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let mut out: Vec<Condition> = Vec::new();
    for c in &m.condition {
        let name = c.name.get_ref().clone();
        let here = |key: &str, span: std::ops::Range<usize>, why: String| {
            err(span, format!("condition {name:?}: {key}: {why}"))
        };
        let ok_name = !name.is_empty()
            && name
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.'))
            && !name.starts_with('.');
        if !ok_name {
            return Err(here(
                "name",
                c.name.span(),
                "a name is letters, digits, '-', '_' and '.' (it names a folder and a gate path segment)".into(),
            ));
        }
        if name == "clean" {
            return Err(here(
                "name",
                c.name.span(),
                "\"clean\" is the unperturbed audio every run scores; choose another name".into(),
            ));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(here(
                "name",
                c.name.span(),
                "a second condition of this name".into(),
            ));
        }
        let range = |key: &str, v: &Spanned<Num>, lo: f64, hi: f64, open_lo: bool| {
            let x = v.get_ref().get();
            let inside = x.is_finite() && x <= hi && if open_lo { x > lo } else { x >= lo };
            if inside {
                Ok(x)
            } else {
                let lo_s = if open_lo {
                    format!("above {lo}")
                } else {
                    format!("{lo}")
                };
                Err(here(key, v.span(), format!("{x} is outside {lo_s} … {hi}")))
            }
        };
        let mut steps = Vec::new();
        let mut params = ConditionParameters::default();
        if let Some(v) = &c.speed {
            let x = range("speed", v, 0.0, 4.0, true)?;
            if (x * 1000.0).round() < 1.0 {
                return Err(here("speed", v.span(), format!("{x} rounds to 0 at 0.001")));
            }
            steps.push(Step::Speed(x));
            params.speed = Some(x);
        }
        if let Some(v) = &c.tempo {
            let x = range("tempo", v, 0.0, 4.0, true)?;
            if x < 0.25 {
                return Err(here("tempo", v.span(), format!("{x} is outside 0.25 … 4")));
            }
            steps.push(Step::Tempo(x));
            params.tempo = Some(x);
        }
        match (&c.reverb_rt60, &c.rir) {
            (Some(_), Some(r)) => {
                return Err(here(
                    "rir",
                    r.span(),
                    "give reverb-rt60 (a synthetic room) or rir (recorded responses), not both"
                        .into(),
                ))
            }
            (Some(v), None) => {
                let x = range("reverb-rt60", v, 0.0, 10.0, true)?;
                steps.push(Step::Reverb(Rir::Synthetic { rt60: x }));
                params.reverb_rt60 = Some(x);
            }
            (None, Some(r)) => {
                let clips =
                    wav_files(&dir, r.get_ref()).map_err(|why| here("rir", r.span(), why))?;
                steps.push(Step::Reverb(Rir::Recorded(Arc::new(clips))));
                params.rir = Some(r.get_ref().clone());
            }
            (None, None) => {}
        }
        match (&c.noise, &c.snr_db) {
            (Some(n), Some(s)) => {
                let snr = range("snr-db", s, SNR_RANGE.0, SNR_RANGE.1, false)?;
                let kind = match n.get_ref().as_str() {
                    "white" => NoiseKind::White,
                    "pink" => NoiseKind::Pink,
                    "babble" => NoiseKind::Babble,
                    file => NoiseKind::Files(Arc::new(wav_files(&dir, file).map_err(|why| {
                        here(
                            "noise",
                            n.span(),
                            format!("not white, pink or babble, and {why}"),
                        )
                    })?)),
                };
                let scope = match c.snr_scope.as_ref().map(|s| s.get_ref().as_str()) {
                    None | Some("clip") => SnrScope::Clip,
                    Some("speech") => SnrScope::Speech,
                    Some(other) => {
                        return Err(here(
                            "snr-scope",
                            c.snr_scope.as_ref().map_or(0..0, Spanned::span),
                            format!("{other:?} is not one of clip, speech"),
                        ))
                    }
                };
                steps.push(Step::Noise {
                    kind,
                    snr_db: snr,
                    scope,
                });
                params.noise = Some(n.get_ref().clone());
                params.snr_db = Some(snr);
                params.snr_scope = Some(
                    match scope {
                        SnrScope::Clip => "clip",
                        SnrScope::Speech => "speech",
                    }
                    .into(),
                );
            }
            (Some(n), None) => {
                return Err(here(
                    "noise",
                    n.span(),
                    "needs snr-db = X (−20 … 60)".into(),
                ))
            }
            (None, Some(s)) => return Err(here("snr-db", s.span(), "given without noise".into())),
            (None, None) => {
                if let Some(s) = &c.snr_scope {
                    return Err(here("snr-scope", s.span(), "given without noise".into()));
                }
            }
        }
        if let Some(t) = &c.telephony {
            let law = match t.get_ref().as_str() {
                "g711-mulaw" => Law::MuLaw,
                "g711-alaw" => Law::ALaw,
                other => {
                    return Err(here(
                        "telephony",
                        t.span(),
                        format!("{other:?} is not one of g711-mulaw, g711-alaw"),
                    ))
                }
            };
            steps.push(Step::Telephony(law));
            params.telephony = Some(t.get_ref().clone());
        }
        match &c.codec {
            Some(codec) if codec.get_ref() == "opus" => {
                if !opus::AVAILABLE {
                    return Err(here("codec", codec.span(), opus::UNAVAILABLE.into()));
                }
                let Some(b) = &c.bitrate_kbps else {
                    return Err(here(
                        "codec",
                        codec.span(),
                        format!(
                            "needs bitrate-kbps = X ({} … {})",
                            opus::BITRATE_KBPS.0,
                            opus::BITRATE_KBPS.1
                        ),
                    ));
                };
                let bitrate = range(
                    "bitrate-kbps",
                    b,
                    opus::BITRATE_KBPS.0,
                    opus::BITRATE_KBPS.1,
                    false,
                )?;
                let loss = match &c.packet_loss_pct {
                    Some(v) => range("packet-loss-pct", v, 0.0, 100.0, false)?,
                    None => 0.0,
                };
                if loss >= 100.0 {
                    return Err(here(
                        "packet-loss-pct",
                        c.packet_loss_pct.as_ref().map_or(0..0, Spanned::span),
                        "100 loses every packet: nothing is left to score".into(),
                    ));
                }
                steps.push(Step::Opus {
                    bitrate_kbps: bitrate,
                    loss_pct: loss,
                });
                params.codec = Some("opus".into());
                params.bitrate_kbps = Some(bitrate);
                params.packet_loss_pct = c.packet_loss_pct.as_ref().map(|_| loss);
                params.codec_library = opus::version();
            }
            Some(codec) => {
                return Err(here(
                    "codec",
                    codec.span(),
                    format!("{:?} is not a known codec (known: opus)", codec.get_ref()),
                ))
            }
            None => {
                for (key, v) in [
                    ("bitrate-kbps", &c.bitrate_kbps),
                    ("packet-loss-pct", &c.packet_loss_pct),
                ] {
                    if let Some(v) = v {
                        return Err(here(
                            key,
                            v.span(),
                            "only applies to a codec, and none is given".into(),
                        ));
                    }
                }
            }
        }
        if let Some(v) = &c.gain_db {
            let x = range("gain-db", v, -60.0, 60.0, false)?;
            steps.push(Step::Gain(x));
            params.gain_db = Some(x);
        }
        if let Some(v) = &c.clip {
            let x = range("clip", v, 0.0, 1.0, true)?;
            steps.push(Step::Clip(x));
            params.clip = Some(x);
        }
        if steps.is_empty() {
            return Err(here(
                "name",
                c.name.span(),
                "no perturbation given (noise, speed, tempo, reverb-rt60, rir, telephony, codec, gain-db or clip)".into(),
            ));
        }
        out.push(Condition {
            chain: Chain::new(name.clone(), steps),
            name,
            parameters: params,
        });
    }
    Ok(out)
}

/// The WAV file at `rel` (relative to `dir`), or every `.wav` in that folder (sorted by name),
/// decoded to mono.
fn wav_files(dir: &Path, rel: &str) -> Result<Vec<Waveform>, String> {
    let p = dir.join(rel);
    let files: Vec<PathBuf> = if p.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&p)
            .map_err(|e| format!("cannot list {}: {e}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|f| f.extension().is_some_and(|x| x.eq_ignore_ascii_case("wav")))
            .collect();
        v.sort();
        if v.is_empty() {
            return Err(format!("folder {} holds no .wav files", p.display()));
        }
        v
    } else if p.is_file() {
        vec![p]
    } else {
        return Err(format!("{} does not exist", p.display()));
    };
    files
        .iter()
        .map(|f| crate::audio::decode(f).map_err(|e| e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, want: &str) {
        let e = parse(Path::new("c.toml"), text).unwrap_err().to_string();
        assert_eq!(e, want);
    }

    #[test]
    fn bad_conditions_name_file_line_and_key() {
        check(
            "format-version = 1\n[[condition]]\nname = \"a\"\nnoise = \"white\"\nsnr-db = 70\n",
            "c.toml line 5 column 10: condition \"a\": snr-db: 70 is outside -20 … 60",
        );
        check(
            "format-version = 1\n[[condition]]\nname = \"a\"\nsped = 0.9\n",
            "c.toml line 4 column 1: unknown field `sped`, expected one of `name`, `noise`, `snr-db`, `snr-scope`, `speed`, `tempo`, `reverb-rt60`, `rir`, `telephony`, `codec`, `bitrate-kbps`, `packet-loss-pct`, `gain-db`, `clip`",
        );
        check(
            "format-version = 1\n[[condition]]\nname = \"a\"\nspeed = 0\n",
            "c.toml line 4 column 9: condition \"a\": speed: 0 is outside above 0 … 4",
        );
        check(
            "format-version = 1\n[[condition]]\nname = \"a\"\nnoise = \"nowhere.wav\"\nsnr-db = 5\n",
            "c.toml line 4 column 9: condition \"a\": noise: not white, pink or babble, and nowhere.wav does not exist",
        );
        check(
            "format-version = 1\n[[condition]]\nname = \"a\"\ncodec = \"mp3\"\n",
            "c.toml line 4 column 9: condition \"a\": codec: \"mp3\" is not a known codec (known: opus)",
        );
        check(
            "format-version = 1\n[[condition]]\nname = \"a\"\nbitrate-kbps = 12\n",
            "c.toml line 4 column 16: condition \"a\": bitrate-kbps: only applies to a codec, and none is given",
        );
        let opus = "format-version = 1\n[[condition]]\nname = \"a\"\ncodec = \"opus\"\n";
        if opus::AVAILABLE {
            check(
                opus,
                "c.toml line 4 column 9: condition \"a\": codec: needs bitrate-kbps = X (6 … 510)",
            );
            check(
                &format!("{opus}bitrate-kbps = 2\n"),
                "c.toml line 5 column 16: condition \"a\": bitrate-kbps: 2 is outside 6 … 510",
            );
            check(
                &format!("{opus}bitrate-kbps = 12\npacket-loss-pct = 100\n"),
                "c.toml line 6 column 19: condition \"a\": packet-loss-pct: 100 loses every packet: nothing is left to score",
            );
        } else {
            check(
                &format!("{opus}bitrate-kbps = 12\n"),
                &format!(
                    "c.toml line 4 column 9: condition \"a\": codec: {}",
                    opus::UNAVAILABLE
                ),
            );
        }
    }

    #[test]
    fn a_condition_keeps_its_parameters() {
        let c = parse(
            Path::new("c.toml"),
            "format-version = 1\n[[condition]]\nname = \"phone\"\ntelephony = \"g711-alaw\"\ngain-db = -6\n",
        )
        .unwrap();
        assert_eq!(c[0].parameters.telephony.as_deref(), Some("g711-alaw"));
        assert_eq!(c[0].parameters.gain_db, Some(-6.0));
        assert_eq!(c[0].chain.steps().len(), 2);
    }
}
