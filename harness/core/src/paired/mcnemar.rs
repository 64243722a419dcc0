//! McNemar's exact test on the discordant pairs of correctness.

use serde::{Deserialize, Serialize};

use super::Paired;

/// McNemar's exact test on the discordant pairs of correctness.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct McNemar {
    /// Items the candidate got right and the baseline wrong.
    pub candidate_only: u64,
    /// Items the baseline got right and the candidate wrong.
    pub baseline_only: u64,
    /// Two-sided exact p-value (statsmodels `mcnemar(exact=True)`).
    pub p_value: f64,
}

/// McNemar's exact test of candidate vs baseline correctness, over all items or only the items
/// whose true label is `class`.
pub fn mcnemar(p: &Paired, class: Option<usize>) -> McNemar {
    let (mut cand_only, mut base_only) = (0u64, 0u64);
    for ((&t, &c), &b) in p.truth.iter().zip(&p.candidate).zip(&p.baseline) {
        if class.is_some_and(|k| k != t) {
            continue;
        }
        match (c == t, b == t) {
            (true, false) => cand_only += 1,
            (false, true) => base_only += 1,
            _ => {}
        }
    }
    McNemar {
        candidate_only: cand_only,
        baseline_only: base_only,
        p_value: mcnemar_exact_p(cand_only, base_only),
    }
}

/// Two-sided exact McNemar p-value: `min(1, 2 · P[X ≤ min(b, c)])` with `X ~ Binomial(b + c, ½)`,
/// as statsmodels' `mcnemar(table, exact=True)` and scipy's `binomtest(min, n, 0.5)` compute it.
pub fn mcnemar_exact_p(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let m = b.min(c);
    // log P[X = i] = log C(n, i) − n log 2, summed in log space.
    let mut log_term = -(n as f64) * std::f64::consts::LN_2;
    let mut log_sum = log_term;
    for i in 0..m {
        log_term += ((n - i) as f64).ln() - ((i + 1) as f64).ln();
        let (hi, lo) = if log_sum > log_term {
            (log_sum, log_term)
        } else {
            (log_term, log_sum)
        };
        log_sum = hi + (lo - hi).exp().ln_1p();
    }
    (2.0 * log_sum.exp()).min(1.0)
}
