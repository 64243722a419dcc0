//! Latency statistics: nearest-rank percentiles as onnxruntime_perf_test computes them,
//! spread, throughput, real-time factors per audio-length bucket and a MAD-based outlier count.
//!
//! Values in, values out: callers measure (the clock lives at the edge) and pass milliseconds.
//!
//! Definitions:
//! - percentile p of n sorted timings: `sorted[ceil(p / 100 · n) − 1]` (index clamped to
//!   `0..n`), exactly onnxruntime_perf_test's nearest rank; no interpolation.
//! - `std`: sample standard deviation (n − 1 in the denominator; 0 for one timing).
//! - `rtf` = processing time ÷ audio duration (summed over items); `rtfx` = 1 / `rtf`.
//! - outliers: modified z-score `0.6745 · (x − median) / MAD` with |z| > [`OUTLIER_Z`] = 3.5
//!   (Iglewicz & Hoaglin 1993, the rule hyperfine cites). The noise warning fires as hyperfine's
//!   does: when some timing lies more than [`NOISE_MADS`] = 14.826 MADs (10 robust standard
//!   deviations) from the median.

use serde::{Deserialize, Serialize};

/// |modified z-score| above which a timing counts as an outlier (Iglewicz & Hoaglin).
pub const OUTLIER_Z: f64 = 3.5;
/// Consistency constant of the modified z-score: 0.6745 ≈ Φ⁻¹(0.75), so that z ≈ a standard
/// score for normal data.
pub const MAD_Z: f64 = 0.6745;
/// hyperfine's threshold: |x − median| / MAD above 1.4826 · 10 means a timing 10 robust
/// standard deviations away — the run was disturbed and the figures are noisy.
pub const NOISE_MADS: f64 = 1.4826 * 10.0;

/// Nearest-rank percentile of ascending `sorted` timings (`p` in 0..=100); `None` when empty.
pub fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    // p · n / 100 in that order, and a hair below the ceiling, so that 99.9 % of 1000 is rank
    // 999 and not 1000 through binary rounding of 0.999.
    let rank = (p * n as f64 / 100.0 - 1e-9).ceil().max(0.0) as usize;
    let idx = rank.saturating_sub(1).min(n - 1);
    Some(sorted[idx])
}

/// The median as the midpoint of the two middle values (used for MAD, not for reported p50).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Outliers of a series of timings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Outliers {
    /// Timings with |modified z-score| > [`OUTLIER_Z`].
    pub count: u64,
    /// Whether some timing lies more than [`NOISE_MADS`] MADs from the median.
    pub noisy: bool,
    /// Median absolute deviation from the median, ms.
    pub mad_ms: f64,
}

/// Counts outliers by the modified z-score. With MAD = 0 (more than half the timings equal),
/// every timing that differs from the median is an outlier and makes the series noisy.
pub fn outliers(xs: &[f64]) -> Outliers {
    let s = sorted(xs);
    if s.is_empty() {
        return Outliers {
            count: 0,
            noisy: false,
            mad_ms: 0.0,
        };
    }
    let med = median(&s);
    let dev = sorted(&s.iter().map(|x| (x - med).abs()).collect::<Vec<_>>());
    let mad = median(&dev);
    let (count, noisy) = if mad > 0.0 {
        (
            s.iter()
                .filter(|&&x| (MAD_Z * (x - med) / mad).abs() > OUTLIER_Z)
                .count(),
            s.iter().any(|&x| ((x - med) / mad).abs() > NOISE_MADS),
        )
    } else {
        let c = s.iter().filter(|&&x| x != med).count();
        (c, c > 0)
    };
    Outliers {
        count: count as u64,
        noisy,
        mad_ms: mad,
    }
}

/// Order statistics and moments of a series of timings, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Summary {
    pub n: u64,
    pub min_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    pub std_ms: f64,
    /// Timings with |modified z-score| > 3.5.
    pub outliers: u64,
    /// hyperfine's noise rule fired.
    pub noisy: bool,
}

/// Summarizes timings (ms); `None` when there are none. NaNs are ignored.
pub fn summarize(xs: &[f64]) -> Option<Summary> {
    let s = sorted(xs);
    let n = s.len();
    if n == 0 {
        return None;
    }
    let mean = s.iter().sum::<f64>() / n as f64;
    let std = if n > 1 {
        (s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    let p = |q: f64| nearest_rank(&s, q).unwrap_or(f64::NAN);
    let o = outliers(&s);
    Some(Summary {
        n: n as u64,
        min_ms: s[0],
        p50_ms: p(50.0),
        p90_ms: p(90.0),
        p95_ms: p(95.0),
        p99_ms: p(99.0),
        p999_ms: p(99.9),
        max_ms: s[n - 1],
        mean_ms: mean,
        std_ms: std,
        outliers: o.count,
        noisy: o.noisy,
    })
}

/// Items per second: `items` processed in `total_ms` of wall time (0 when no time passed).
pub fn throughput(items: u64, total_ms: f64) -> f64 {
    if total_ms > 0.0 {
        items as f64 / (total_ms / 1000.0)
    } else {
        0.0
    }
}

/// Real-time factor and its inverse.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RealTime {
    /// Processing time ÷ audio duration; below 1 is faster than real time.
    pub rtf: f64,
    /// 1 / rtf: seconds of audio processed per second.
    pub rtfx: f64,
}

/// RTF over items of (processing ms, audio seconds); `None` without audio.
pub fn real_time(items: &[(f64, f64)]) -> Option<RealTime> {
    let proc_s: f64 = items.iter().map(|(ms, _)| ms / 1000.0).sum();
    let audio_s: f64 = items.iter().map(|(_, a)| a).sum();
    if items.is_empty() || audio_s <= 0.0 {
        return None;
    }
    let rtf = proc_s / audio_s;
    Some(RealTime {
        rtf,
        rtfx: if rtf > 0.0 { 1.0 / rtf } else { f64::INFINITY },
    })
}

/// Audio-length bucket edges in seconds: `<2 s`, `2–5 s`, `5–10 s`, `≥10 s`.
pub const BUCKET_EDGES_S: [f64; 3] = [2.0, 5.0, 10.0];

/// The name of the bucket an audio length falls in.
pub fn bucket_name(audio_s: f64) -> String {
    let e = BUCKET_EDGES_S;
    if audio_s < e[0] {
        format!("<{} s", e[0])
    } else if let Some(w) = e.windows(2).find(|w| audio_s < w[1]) {
        format!("{}–{} s", w[0], w[1])
    } else {
        format!("≥{} s", e[e.len() - 1])
    }
}

/// Latency and real-time factor of the items whose audio falls in one length bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Bucket {
    pub name: String,
    pub items: u64,
    /// Summed audio seconds.
    pub audio_s: f64,
    /// Per-item processing time.
    pub latency: Summary,
    pub rtf: f64,
    pub rtfx: f64,
}

/// Per-length-bucket summaries of items given as (processing ms, audio seconds), in bucket
/// order; empty buckets are left out.
pub fn buckets(items: &[(f64, f64)]) -> Vec<Bucket> {
    let names: Vec<String> = [0.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|&s| bucket_name(s))
        .collect();
    names
        .into_iter()
        .filter_map(|name| {
            let inside: Vec<(f64, f64)> = items
                .iter()
                .copied()
                .filter(|&(_, a)| bucket_name(a) == name)
                .collect();
            let latency = summarize(&inside.iter().map(|x| x.0).collect::<Vec<_>>())?;
            let rt = real_time(&inside)?;
            Some(Bucket {
                name,
                items: inside.len() as u64,
                audio_s: inside.iter().map(|x| x.1).sum(),
                latency,
                rtf: rt.rtf,
                rtfx: rt.rtfx,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn nearest_rank_matches_perf_test_indexing() {
        // n = 10: p50 → ceil(5) − 1 = index 4; p90 → 8; p95 → ceil(9.5) − 1 = 9; p99 → 9.
        let s: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&s, 50.0), Some(5.0));
        assert_eq!(nearest_rank(&s, 90.0), Some(9.0));
        assert_eq!(nearest_rank(&s, 95.0), Some(10.0));
        assert_eq!(nearest_rank(&s, 99.0), Some(10.0));
        // p0 clamps to the first value; one value is every percentile.
        assert_eq!(nearest_rank(&s, 0.0), Some(1.0));
        assert_eq!(nearest_rank(&[7.0], 99.9), Some(7.0));
        assert_eq!(nearest_rank(&[], 50.0), None);
        // n = 1000: p99.9 → ceil(999) − 1 = 998 (the 999th value), not the max.
        let k: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(nearest_rank(&k, 99.9), Some(999.0));
    }

    #[test]
    fn summary_of_a_small_series() {
        // 4, 1, 3, 2 (unsorted): mean 2.5, sample variance ((1.5² + 0.5²) · 2) / 3 = 5/3.
        let s = summarize(&[4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(s.n, 4);
        close(s.min_ms, 1.0);
        close(s.max_ms, 4.0);
        close(s.mean_ms, 2.5);
        close(s.std_ms, (5.0f64 / 3.0).sqrt());
        // p50 of 4 → index ceil(2) − 1 = 1 → 2.0 (nearest rank, not the midpoint 2.5).
        close(s.p50_ms, 2.0);
        close(s.p90_ms, 4.0);
        assert_eq!(s.outliers, 0);
        assert!(!s.noisy);
        assert!(summarize(&[]).is_none());
        assert_eq!(summarize(&[3.0]).unwrap().std_ms, 0.0);
    }

    #[test]
    fn outliers_by_modified_z_score() {
        // 1..=9 and 100: median (5 + 6) / 2 = 5.5; deviations 0.5, 0.5, 1.5, 1.5, … , 94.5
        // → MAD = median(0.5, 0.5, 1.5, 1.5, 2.5, 2.5, 3.5, 3.5, 4.5, 94.5) = 2.5.
        // z(100) = 0.6745 · 94.5 / 2.5 = 25.5 > 3.5; z(1) = 0.6745 · 4.5 / 2.5 = 1.21.
        // 94.5 / 2.5 = 37.8 MADs > 14.826 → noisy.
        let mut xs: Vec<f64> = (1..=9).map(f64::from).collect();
        xs.push(100.0);
        let o = outliers(&xs);
        close(o.mad_ms, 2.5);
        assert_eq!(o.count, 1);
        assert!(o.noisy);
        // 20 at 37.8 MADs would be noisy; 12: z = 0.6745 · 6.5 / 2.5 = 1.75 → none.
        xs[9] = 12.0;
        let o = outliers(&xs);
        assert_eq!(o.count, 0);
        assert!(!o.noisy);
        // Outlier but not noise: 20 → z = 0.6745 · 14.5 / 2.5 = 3.91 > 3.5, 5.8 MADs < 14.826.
        xs[9] = 20.0;
        let o = outliers(&xs);
        assert_eq!(o.count, 1);
        assert!(!o.noisy);
        // MAD = 0: everything different from the median is an outlier.
        let o = outliers(&[2.0, 2.0, 2.0, 3.0]);
        assert_eq!((o.count, o.noisy), (1, true));
    }

    #[test]
    fn throughput_and_real_time() {
        // 32 items in 400 ms → 80 items/s.
        close(throughput(32, 400.0), 80.0);
        assert_eq!(throughput(5, 0.0), 0.0);
        // 100 ms on 2 s of audio + 300 ms on 3 s → 0.4 s / 5 s = 0.08; RTFx 12.5.
        let rt = real_time(&[(100.0, 2.0), (300.0, 3.0)]).unwrap();
        close(rt.rtf, 0.08);
        close(rt.rtfx, 12.5);
        assert!(real_time(&[]).is_none());
        assert!(real_time(&[(1.0, 0.0)]).is_none());
    }

    #[test]
    fn length_buckets() {
        assert_eq!(bucket_name(1.99), "<2 s");
        assert_eq!(bucket_name(2.0), "2–5 s");
        assert_eq!(bucket_name(9.9), "5–10 s");
        assert_eq!(bucket_name(10.0), "≥10 s");
        // Two short clips, one long: <2 s has 10 ms / 1 s + 30 ms / 1.5 s = 0.04 s / 2.5 s.
        let b = buckets(&[(10.0, 1.0), (30.0, 1.5), (120.0, 12.0)]);
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].name.as_str(), b[0].items), ("<2 s", 2));
        close(b[0].rtf, 0.04 / 2.5);
        close(b[0].audio_s, 2.5);
        assert_eq!((b[1].name.as_str(), b[1].items), ("≥10 s", 1));
        close(b[1].rtf, 0.01);
        close(b[1].rtfx, 100.0);
    }
}
