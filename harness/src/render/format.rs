//! Number formatting shared by every human-readable renderer (HTML, Markdown, terminal).
//!
//! Templates never format numbers: the view models hold strings made here, so the HTML and the
//! Markdown report print the same value the same way. A value that is not finite prints as `—`.

use tonebench_core::bootstrap::Interval;

/// What a missing or non-finite value prints as.
pub const MISSING: &str = "—";

/// A score in [0, 1] with three decimals: `0.734`.
pub fn score(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        MISSING.to_string()
    }
}

/// An interval of scores with an en dash: `0.701–0.765`.
pub fn interval(iv: &Interval) -> String {
    if iv.low.is_finite() && iv.high.is_finite() {
        format!("{:.3}–{:.3}", iv.low, iv.high)
    } else {
        MISSING.to_string()
    }
}

/// A fraction as a percentage with one decimal: `0.734` → `73.4%`.
pub fn percent(fraction: f64) -> String {
    if fraction.is_finite() {
        format!("{:.1}%", fraction * 100.0)
    } else {
        MISSING.to_string()
    }
}

/// A value that already is a percentage: `12.5` → `12.5%`.
pub fn percent_value(pct: f64) -> String {
    if pct.is_finite() {
        format!("{pct:.1}%")
    } else {
        MISSING.to_string()
    }
}

/// An interval of fractions as percentages: `70.1–76.5%`.
pub fn percent_interval(low: f64, high: f64) -> String {
    if low.is_finite() && high.is_finite() {
        format!("{:.1}–{:.1}%", low * 100.0, high * 100.0)
    } else {
        MISSING.to_string()
    }
}

/// A difference of fractions in signed percentage points: `0.052` → `+5.2 pp`.
pub fn points(diff: f64) -> String {
    if !diff.is_finite() {
        return MISSING.to_string();
    }
    let pp = diff * 100.0;
    // Avoid "-0.0 pp" for tiny negative differences.
    if pp.abs() < 0.05 {
        "±0.0 pp".to_string()
    } else {
        format!("{pp:+.1} pp")
    }
}

/// A signed difference of scores: `+0.012`.
pub fn signed_score(diff: f64) -> String {
    if !diff.is_finite() {
        return MISSING.to_string();
    }
    if diff.abs() < 0.0005 {
        "±0.000".to_string()
    } else {
        format!("{diff:+.3}")
    }
}

/// A p-value: three significant decimals down to 0.001, then `<0.001`.
pub fn p_value(p: f64) -> String {
    if !p.is_finite() {
        MISSING.to_string()
    } else if p < 0.001 {
        "<0.001".to_string()
    } else {
        format!("{p:.3}")
    }
}

/// A count with thousands separators: `12345` → `12,345`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Milliseconds, with precision that suits the magnitude: `0.42 ms`, `12.3 ms`, `1,234 ms`.
pub fn millis(ms: f64) -> String {
    if !ms.is_finite() {
        MISSING.to_string()
    } else if ms < 10.0 {
        format!("{ms:.2} ms")
    } else if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{} ms", count(ms.round() as u64))
    }
}

/// A rate per second: `123.4/s`.
pub fn per_second(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}/s")
    } else {
        MISSING.to_string()
    }
}

/// A plain ratio with three decimals (real-time factor, fairlearn's ratio): `0.052`.
pub fn ratio(x: f64) -> String {
    score(x)
}

/// The first 12 hex digits of a hash, or `—` when there is none.
pub fn short_hash(h: &str) -> String {
    if h.is_empty() {
        MISSING.to_string()
    } else {
        h.chars().take(12).collect()
    }
}

/// A confidence level as a percentage without decimals when whole: `0.95` → `95%`.
pub fn confidence(level: f64) -> String {
    let pct = level * 100.0;
    if (pct - pct.round()).abs() < 1e-9 {
        format!("{}%", pct.round() as i64)
    } else {
        format!("{pct:.1}%")
    }
}

/// Seconds with two decimals: `6.50 s`.
pub fn seconds(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.2} s")
    } else {
        MISSING.to_string()
    }
}

/// A setting in seconds, as short as it is exact to the millisecond: `5 s`, `2.5 s`.
pub fn seconds_short(x: f64) -> String {
    if !x.is_finite() {
        return MISSING.to_string();
    }
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} s")
}

/// A small magnitude in scientific notation with three significant digits: `7.94e-3`; `0`.
pub fn small(x: f64) -> String {
    if !x.is_finite() {
        MISSING.to_string()
    } else if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x:.2e}")
    }
}

/// `Some(x)` formatted with `f`, or `—`.
pub fn opt(x: Option<f64>, f: fn(f64) -> String) -> String {
    x.map(f).unwrap_or_else(|| MISSING.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(score(0.73449), "0.734");
        assert_eq!(score(f64::NAN), "—");
        assert_eq!(
            interval(&Interval {
                low: 0.7012,
                high: 0.7649
            }),
            "0.701–0.765"
        );
        assert_eq!(percent(0.734), "73.4%");
        assert_eq!(points(0.052), "+5.2 pp");
        assert_eq!(points(-0.0001), "±0.0 pp");
        assert_eq!(p_value(0.0004), "<0.001");
        assert_eq!(p_value(0.0123), "0.012");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(millis(3.004), "3.00 ms");
        assert_eq!(millis(12.34), "12.3 ms");
        assert_eq!(millis(1234.4), "1,234 ms");
        assert_eq!(confidence(0.95), "95%");
        assert_eq!(confidence(0.995), "99.5%");
        assert_eq!(short_hash("0123456789abcdef"), "0123456789ab");
        assert_eq!(opt(None, score), "—");
        assert_eq!(seconds(6.5), "6.50 s");
        assert_eq!(seconds_short(5.0), "5 s");
        assert_eq!(seconds_short(2.5), "2.5 s");
        assert_eq!(seconds_short(0.125), "0.125 s");
        assert_eq!(small(0.007936716), "7.94e-3");
        assert_eq!(small(0.0), "0");
    }
}
