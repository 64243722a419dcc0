//! Warnings: notes the reader must see next to the numbers, each with a stable code.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A note the reader must see next to the numbers: a 0/0 metric, a small cohort, a noisy timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Warning {
    /// Stable machine-readable kind, e.g. `zero_division`.
    pub code: WarningCode,
    /// Dotted report path of the affected value, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub message: String,
}

/// Declares [`WarningCode`] from one table of `Variant = "string"`, so that the enum,
/// [`WarningCode::as_str`], [`WarningCode::parse`] and [`WarningCode::KNOWN`] cannot disagree.
macro_rules! warning_codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $code:literal,)*) => {
        /// The `code` of a [`Warning`]: serialized as its string (`zero_division`), which is part
        /// of report.json's schema and never changes for a variant.
        ///
        /// A report written by another version of tonebench may carry a code this one does not
        /// know: it is read as [`WarningCode::Other`] and written back unchanged. Do not build
        /// `Other` for a code that has a variant; [`WarningCode::parse`] never does.
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum WarningCode {
            $($(#[doc = $doc])* $variant,)*
            /// A code this version does not know, as written.
            Other(String),
        }

        impl WarningCode {
            /// Every known code, in declaration order (not `Other`).
            pub const KNOWN: &'static [WarningCode] = &[$(WarningCode::$variant,)*];

            /// The code as report.json spells it.
            pub fn as_str(&self) -> &str {
                match self {
                    $(WarningCode::$variant => $code,)*
                    WarningCode::Other(code) => code,
                }
            }

            /// The variant that `code` spells, or `Other(code)`.
            pub fn parse(code: &str) -> WarningCode {
                match code {
                    $($code => WarningCode::$variant,)*
                    other => WarningCode::Other(other.to_string()),
                }
            }
        }
    };
}

warning_codes! {
    // Metrics (`evaluate`).
    /// A metric was 0/0 and is reported as 0 (scikit-learn's `zero_division=0`).
    ZeroDivision = "zero_division",
    /// Some suite items have no prediction and are not scored.
    ItemsNotScored = "items_not_scored",
    /// A predictions file's `pred` is not the argmax of its probabilities.
    PredNotArgmax = "pred_not_argmax",
    /// Some items have no prediction, so the model's cohorts were not analysed.
    CohortsSkipped = "cohorts_skipped",
    /// A probability metric is undefined (a class absent from the truth) and reported as null.
    UndefinedMetric = "undefined_metric",

    // Running models (`run`).
    /// `--batch` above 1: how far predictions at that batch size agree with batch 1.
    BatchSensitivity = "batch_sensitivity",
    /// An item failed to run and is not scored.
    ItemFailed = "item_failed",
    /// The audio front end is not the one the model's `preprocessor_config.json` asks for
    /// (e.g. raw samples into a Wav2Vec2 export that normalizes): outputs differ from
    /// transformers'.
    FrontEndMismatch = "front_end_mismatch",
    /// `run --conditions`: a model that takes no audio (a text model) is not run under
    /// acoustic conditions.
    RobustnessSkipped = "robustness_skipped",

    // Profiling (`profile`).
    /// Which execution provider ran the graph's nodes could not be determined.
    ProviderUnknown = "provider_unknown",
    /// The requested execution provider ran no node of a graph: ONNX Runtime fell back.
    ProviderFallback = "provider_fallback",
    /// On a device other than the CPU, some nodes ran on the CPU.
    ProviderPartial = "provider_partial",
    /// Many timings of a batch size are outliers: the machine was busy.
    NoisyTiming = "noisy_timing",
    /// Audio graphs run one clip per call: a batch of N is N consecutive calls.
    AudioBatch = "audio_batch",
    /// Streaming windows take longer than the hop: the model falls behind real time.
    StreamingBehind = "streaming_behind",

    // Streaming evaluation (`run --window`).
    /// No window of some calls was judged speech: their estimate averages every window.
    StreamingNoSpeech = "streaming_no_speech",
    /// Speech presence came from the energy detector, the weakest source.
    StreamingEnergySpeech = "streaming_energy_speech",

    // Cohorts (`cohorts`).
    /// Items with an empty value of a metadata column are in no cohort of its partition.
    CohortMissingMetadata = "cohort_missing_metadata",
    /// An embeddings table has speakers with no item in the suite; they are ignored.
    CohortUnusedEmbeddings = "cohort_unused_embeddings",
    /// Items without a speaker are in no embedding cohort.
    CohortItemsWithoutSpeaker = "cohort_items_without_speaker",
    /// Embedding cohorts change with the clustering seed (mean adjusted Rand index below the
    /// stability threshold).
    CohortUnstable = "cohort_unstable",
    /// A cohort is below the partition's minimum size and is never named worst.
    CohortTooSmall = "cohort_too_small",
    /// A partition has no cohort big enough, or a single non-empty one: no worst, no test.
    CohortNoTest = "cohort_no_test",
    /// A cohort is small (the synthetic sample reports of tests and benches).
    SmallCohort = "small_cohort",

    // Speaker embeddings for cohorts (`embeddings`).
    /// Some items could not be embedded and are left out of their speaker's mean.
    EmbeddingItemsFailed = "embedding_items_failed",
    /// Embedding cohorts were not computed (speakers without usable audio, too few speakers).
    EmbeddingSkipped = "embedding_skipped",
    /// Embedding cohorts come from MFCC statistics, the weakest embedding.
    WeakEmbedding = "weak_embedding",

    // Comparing runs (`tonebench compare`, HTML only).
    /// The compared runs were measured on different suites.
    DifferentSuite = "different_suite",

    // Leakage (`suite.toml` `training`).
    /// The suite declares the training set of the models it scores, and they share speakers:
    /// the scores are not speaker-independent.
    TrainingSpeakersShared = "training_speakers_shared",
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WarningCode {
    type Err = Infallible;
    fn from_str(code: &str) -> Result<WarningCode, Infallible> {
        Ok(WarningCode::parse(code))
    }
}

impl Serialize for WarningCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for WarningCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<WarningCode, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(WarningCode::parse(&code))
    }
}

/// A warning code is a string: the codes above, or one a newer tonebench wrote.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for WarningCode {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "WarningCode".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Today's codes, as report.json has spelled them: a variant's string never changes.
    const SPELLED: &[&str] = &[
        "zero_division",
        "items_not_scored",
        "pred_not_argmax",
        "cohorts_skipped",
        "undefined_metric",
        "batch_sensitivity",
        "item_failed",
        "front_end_mismatch",
        "robustness_skipped",
        "provider_unknown",
        "provider_fallback",
        "provider_partial",
        "noisy_timing",
        "audio_batch",
        "streaming_behind",
        "streaming_no_speech",
        "streaming_energy_speech",
        "cohort_missing_metadata",
        "cohort_unused_embeddings",
        "cohort_items_without_speaker",
        "cohort_unstable",
        "cohort_too_small",
        "cohort_no_test",
        "small_cohort",
        "embedding_items_failed",
        "embedding_skipped",
        "weak_embedding",
        "different_suite",
        "training_speakers_shared",
    ];

    #[test]
    fn every_variant_round_trips_to_its_exact_string() {
        let known: Vec<&str> = WarningCode::KNOWN.iter().map(WarningCode::as_str).collect();
        assert_eq!(known, SPELLED);
        for code in WarningCode::KNOWN {
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: WarningCode = serde_json::from_str(&json).unwrap();
            assert_eq!(&back, code);
            assert!(
                !matches!(back, WarningCode::Other(_)),
                "{json} read as Other"
            );
            assert_eq!(code.to_string(), code.as_str());
            assert_eq!(code.as_str().parse::<WarningCode>(), Ok(code.clone()));
        }
    }

    #[test]
    fn an_unknown_code_round_trips() {
        let back: WarningCode = serde_json::from_str("\"from_a_newer_version\"").unwrap();
        assert_eq!(back, WarningCode::Other("from_a_newer_version".into()));
        assert_eq!(
            serde_json::to_string(&back).unwrap(),
            "\"from_a_newer_version\""
        );
        // Known codes are never read as Other, whatever their source.
        assert_eq!(
            WarningCode::parse("zero_division"),
            WarningCode::ZeroDivision
        );
    }

    #[test]
    fn a_warning_serializes_as_before() {
        let w = Warning {
            code: WarningCode::CohortNoTest,
            metric: Some("cohorts.sex".into()),
            message: "no test".into(),
        };
        let json = r#"{"code":"cohort_no_test","metric":"cohorts.sex","message":"no test"}"#;
        assert_eq!(serde_json::to_string(&w).unwrap(), json);
        assert_eq!(serde_json::from_str::<Warning>(json).unwrap(), w);
        let newer = r#"{"code":"brand_new","message":"m"}"#;
        let read: Warning = serde_json::from_str(newer).unwrap();
        assert_eq!(read.code, WarningCode::Other("brand_new".into()));
        assert_eq!(serde_json::to_string(&read).unwrap(), newer);
    }
}
