//! Cohort statistics: Fisher's exact test, Benjamini–Hochberg adjustment and the speaker-level
//! (cluster) bootstrap of a cohort's error rate.

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use statrs::function::factorial::ln_binomial;

use crate::bootstrap::{percentile_interval, Interval};

/// Two-sided p-value of Fisher's exact test on the 2×2 table `[[a, b], [c, d]]`, computed as
/// `scipy.stats.fisher_exact(alternative="two-sided")` does: the probability, under the
/// hypergeometric null with the margins fixed, of every table at most as likely as the observed
/// one (with scipy's relative tolerance of 1e-7). A table with an empty margin gives 1.
pub fn fisher_exact_two_sided(a: u64, b: u64, c: u64, d: u64) -> f64 {
    let r1 = a + b;
    let r2 = c + d;
    let c1 = a + c;
    let n = r1 + r2;
    if r1 == 0 || r2 == 0 || c1 == 0 || c1 == n {
        return 1.0;
    }
    let lo = c1.saturating_sub(r2);
    let hi = r1.min(c1);
    // log P(x) up to the constant -ln C(n, c1), which cancels in the ratio below.
    let logp = |x: u64| ln_binomial(r1, x) + ln_binomial(r2, c1 - x);
    let observed = logp(a);
    let max = (lo..=hi).map(logp).fold(f64::NEG_INFINITY, f64::max);
    let threshold = observed + (1.0f64 + 1e-7).ln();
    let (mut tail, mut total) = (0.0, 0.0);
    for x in lo..=hi {
        let l = logp(x);
        let w = (l - max).exp();
        total += w;
        if l <= threshold {
            tail += w;
        }
    }
    (tail / total).min(1.0)
}

/// Benjamini–Hochberg adjusted p-values (the step-up false discovery rate procedure, as
/// `statsmodels.stats.multitest.multipletests(method="fdr_bh")`): for p-values sorted ascending,
/// `p_adj(i) = min over j ≥ i of p(j) · m / j`, capped at 1, returned in input order. A p-value
/// that is NaN is left NaN and not counted in `m`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| !p[i].is_nan()).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let m = order.len() as f64;
    let mut out = vec![f64::NAN; p.len()];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        let adj = p[i] * m / (rank + 1) as f64;
        running = running.min(adj).min(1.0);
        out[i] = running;
    }
    out
}

/// One resampling unit of a cohort: a speaker (all its items) or a speakerless item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unit {
    pub errors: u64,
    pub items: u64,
}

/// Percentile interval of a cohort's error rate, resampling its units (speakers) with
/// replacement: items of one speaker are not independent, so they are drawn together.
/// `None` when there is nothing to resample.
pub fn cluster_bootstrap_error(
    units: &[Unit],
    resamples: u32,
    confidence: f64,
    seed: u64,
) -> Option<Interval> {
    if units.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = units.len();
    let mut rates = Vec::with_capacity(resamples as usize);
    for _ in 0..resamples {
        let (mut e, mut t) = (0u64, 0u64);
        for _ in 0..n {
            let u = units[rng.gen_range(0..n)];
            e += u.errors;
            t += u.items;
        }
        if t > 0 {
            rates.push(e as f64 / t as f64);
        }
    }
    if rates.is_empty() {
        return None;
    }
    Some(percentile_interval(rates, confidence))
}

/// A stable 64-bit seed derived from the run seed and a name (FNV-1a), so that each cohort's
/// bootstrap draws do not depend on how many partitions came before it.
pub fn derive_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Speaker-level permutation test of the worst cohort's gap that accounts for the worst cohort
/// having been picked as the maximum.
///
/// `units` are the partition's resampling units (speakers; speakerless items alone), `cohort`
/// the cohort of each unit, `eligible[c]` whether cohort `c` may be named worst. The statistic
/// is the largest `error(c) − error(rest)` over eligible cohorts; units are shuffled across
/// cohorts (cohort sizes in units kept, so eligibility by speaker count is kept too) and the
/// one-sided p-value is `(1 + #{permuted ≥ observed}) / (1 + resamples)`. `None` without
/// resamples or without an eligible cohort.
pub fn max_gap_permutation_p(
    units: &[Unit],
    cohort: &[usize],
    eligible: &[bool],
    resamples: u32,
    seed: u64,
) -> Option<f64> {
    use rand::seq::SliceRandom;
    if resamples == 0 || !eligible.iter().any(|&e| e) {
        return None;
    }
    let k = eligible.len();
    let total_e: u64 = units.iter().map(|u| u.errors).sum();
    let total_n: u64 = units.iter().map(|u| u.items).sum();
    let stat = |labels: &[usize], e: &mut [u64], n: &mut [u64]| {
        e.iter_mut().for_each(|x| *x = 0);
        n.iter_mut().for_each(|x| *x = 0);
        for (u, &c) in units.iter().zip(labels) {
            e[c] += u.errors;
            n[c] += u.items;
        }
        (0..k)
            .filter(|&c| eligible[c] && n[c] > 0 && n[c] < total_n)
            .map(|c| e[c] as f64 / n[c] as f64 - (total_e - e[c]) as f64 / (total_n - n[c]) as f64)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let (mut e, mut n) = (vec![0u64; k], vec![0u64; k]);
    let observed = stat(cohort, &mut e, &mut n);
    if !observed.is_finite() {
        return None;
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut labels = cohort.to_vec();
    let mut hits = 0u32;
    for _ in 0..resamples {
        labels.shuffle(&mut rng);
        if stat(&labels, &mut e, &mut n) >= observed - 1e-12 {
            hits += 1;
        }
    }
    Some((1 + hits) as f64 / (1 + resamples) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12 || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn bh_two_discoveries() {
        // sorted: 0.01 (rank 1) → 0.01·3/1 = 0.03; 0.03 (rank 2) → 0.03·3/2 = 0.045;
        // 0.5 (rank 3) → 0.5·3/3 = 0.5. Both 0.03 and 0.045 are ≤ 0.05.
        let adj = benjamini_hochberg(&[0.5, 0.01, 0.03]);
        assert!(close(adj[0], 0.5));
        assert!(close(adj[1], 0.01 * 3.0 / 1.0));
        assert!(close(adj[2], 0.03 * 3.0 / 2.0));
        let discoveries: Vec<bool> = adj.iter().map(|&p| p <= 0.05).collect();
        assert_eq!(discoveries, [false, true, true]);
    }

    #[test]
    fn bh_no_discovery_and_monotone_step_up() {
        // sorted 0.04, 0.2, 0.3, 0.6: raw 0.16, 0.4, 0.4, 0.6 → step-up min keeps them.
        let adj = benjamini_hochberg(&[0.3, 0.04, 0.6, 0.2]);
        let expect = [0.3 * 4.0 / 3.0, 0.04 * 4.0 / 1.0, 0.6, 0.2 * 4.0 / 2.0];
        for (a, e) in adj.iter().zip(expect) {
            assert!(close(*a, e), "{a} != {e}");
        }
        assert!(adj.iter().all(|&p| p > 0.05));
        // the step-up minimum: p = [0.02, 0.021] → raw 0.04, 0.021 → first becomes 0.021.
        let adj = benjamini_hochberg(&[0.02, 0.021]);
        assert!(close(adj[0], 0.021) && close(adj[1], 0.021));
        // NaN is skipped and not counted.
        let adj = benjamini_hochberg(&[f64::NAN, 0.01]);
        assert!(adj[0].is_nan() && close(adj[1], 0.01));
        assert!(benjamini_hochberg(&[]).is_empty());
    }

    #[test]
    fn fisher_degenerate_tables() {
        assert_eq!(fisher_exact_two_sided(0, 0, 3, 9), 1.0);
        assert_eq!(fisher_exact_two_sided(0, 0, 0, 0), 1.0);
        // [[8, 2], [1, 5]]: hand check of one term, P(a=8) = C(10,8)·C(6,1)/C(16,9) = 270/11440.
        let p = fisher_exact_two_sided(8, 2, 1, 5);
        assert!(p > 270.0 / 11440.0 && p < 0.05);
    }

    #[test]
    fn cluster_bootstrap_is_seeded_and_brackets() {
        let units = [
            Unit {
                errors: 1,
                items: 10,
            },
            Unit {
                errors: 5,
                items: 10,
            },
            Unit {
                errors: 2,
                items: 8,
            },
            Unit {
                errors: 0,
                items: 1,
            },
        ];
        let a = cluster_bootstrap_error(&units, 500, 0.95, 3).unwrap();
        let b = cluster_bootstrap_error(&units, 500, 0.95, 3).unwrap();
        assert_eq!(a, b);
        let point = 8.0 / 29.0;
        assert!(a.low <= point && point <= a.high);
        assert!(cluster_bootstrap_error(&[], 500, 0.95, 3).is_none());
    }
}
