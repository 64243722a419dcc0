//! Group-disjoint splits stratified by label: every item of a group (a speaker, a session) lands
//! in the same part, and each part's label counts come as close to its share of the whole as
//! the groups allow.
//!
//! The rule (DESIGN.md, `suite split`): the target of part `p` for label `l` is
//! `weight[p] × total[l]`; the cost of an assignment is `Σ_p Σ_l (count[p][l] − target[p][l])²`.
//! Groups are placed one at a time, largest first (ties: by their label counts, then in the
//! seeded order), each into the part where it raises the cost least (ties: the part with the
//! fewest items so far relative to its weight, then the lower index); then single-group moves
//! and two-group swaps that lower the cost are made until none does (at most a fixed number of
//! rounds). Groups with identical label counts are placed consecutively, so when the groups
//! allow an exact split of that kind (every part a copy of every other), it is found.
//!
//! Groups of one item each reduce this to a round robin per label: every part ends within one
//! item of its target for every label.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Why a split cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SplitError {
    #[error("a split needs at least 2 parts (got {0})")]
    TooFewParts(usize),
    #[error("{groups} groups cannot fill {parts} parts: every part needs at least one group")]
    TooFewGroups { groups: usize, parts: usize },
    #[error("part weights must be positive and finite (got {0:?})")]
    BadWeights(Vec<f64>),
}

// Groups, parts and labels are indices into several tables at once.
#[allow(clippy::needless_range_loop)]
/// The part of every group. `counts[g][l]` is the number of items of label `l` in group `g`;
/// `weights[p]` the share of part `p` (any positive scale). Deterministic for a seed.
pub fn assign_groups(
    counts: &[Vec<u64>],
    weights: &[f64],
    seed: u64,
) -> Result<Vec<usize>, SplitError> {
    let parts = weights.len();
    if parts < 2 {
        return Err(SplitError::TooFewParts(parts));
    }
    if weights.iter().any(|w| !w.is_finite() || *w <= 0.0) {
        return Err(SplitError::BadWeights(weights.to_vec()));
    }
    if counts.len() < parts {
        return Err(SplitError::TooFewGroups {
            groups: counts.len(),
            parts,
        });
    }
    let labels = counts.iter().map(Vec::len).max().unwrap_or(0);
    let count = |g: usize, l: usize| counts[g].get(l).copied().unwrap_or(0) as f64;
    let sum_w: f64 = weights.iter().sum();
    let share: Vec<f64> = weights.iter().map(|w| w / sum_w).collect();
    let totals: Vec<f64> = (0..labels)
        .map(|l| (0..counts.len()).map(|g| count(g, l)).sum())
        .collect();
    let target = |p: usize, l: usize| share[p] * totals[l];

    // The order groups are placed in: largest first, equal label counts together, the seed
    // breaking the remaining ties.
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.shuffle(&mut Xoshiro256PlusPlus::seed_from_u64(seed));
    let size = |g: usize| counts[g].iter().sum::<u64>();
    order.sort_by(|&a, &b| {
        size(b)
            .cmp(&size(a))
            .then_with(|| padded(&counts[b], labels).cmp(&padded(&counts[a], labels)))
    });

    let mut fill = vec![vec![0.0f64; labels]; parts];
    let mut items = vec![0.0f64; parts];
    let mut part = vec![usize::MAX; counts.len()];
    // The cost change of adding (sign 1) or removing (sign -1) group g to part p.
    let delta = |fill: &[Vec<f64>], p: usize, g: usize, sign: f64| -> f64 {
        (0..labels)
            .map(|l| {
                let c = fill[p][l] - target(p, l);
                let n = c + sign * count(g, l);
                n * n - c * c
            })
            .sum()
    };
    for (placed, &g) in order.iter().enumerate() {
        // Parts still empty must be filled while enough groups remain.
        let empty: Vec<usize> = (0..parts).filter(|&p| items[p] == 0.0).collect();
        let must_fill = empty.len() >= order.len() - placed;
        let candidates: Vec<usize> = if must_fill {
            empty
        } else {
            (0..parts).collect()
        };
        let best = candidates
            .iter()
            .copied()
            .min_by(|&a, &b| {
                delta(&fill, a, g, 1.0)
                    .total_cmp(&delta(&fill, b, g, 1.0))
                    .then_with(|| (items[a] / share[a]).total_cmp(&(items[b] / share[b])))
                    .then(a.cmp(&b))
            })
            .expect("at least two parts");
        place(&mut fill, &mut items, best, counts, g, labels, 1.0);
        part[g] = best;
    }

    const ROUNDS: usize = 50;
    const EPS: f64 = 1e-9;
    let mut members = vec![0usize; parts];
    for &p in &part {
        members[p] += 1;
    }
    for _ in 0..ROUNDS {
        let mut improved = false;
        // Moves of one group, keeping every part non-empty.
        for g in 0..counts.len() {
            let from = part[g];
            if members[from] < 2 {
                continue;
            }
            let out = delta(&fill, from, g, -1.0);
            if let Some((to, gain)) = (0..parts)
                .filter(|&p| p != from)
                .map(|p| (p, out + delta(&fill, p, g, 1.0)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
            {
                if gain < -EPS {
                    place(&mut fill, &mut items, from, counts, g, labels, -1.0);
                    place(&mut fill, &mut items, to, counts, g, labels, 1.0);
                    part[g] = to;
                    members[from] -= 1;
                    members[to] += 1;
                    improved = true;
                }
            }
        }
        // Swaps of two groups in different parts.
        for a in 0..counts.len() {
            for b in a + 1..counts.len() {
                let (pa, pb) = (part[a], part[b]);
                if pa == pb {
                    continue;
                }
                let before =
                    cost_of(&fill, pa, labels, &target) + cost_of(&fill, pb, labels, &target);
                place(&mut fill, &mut items, pa, counts, a, labels, -1.0);
                place(&mut fill, &mut items, pb, counts, a, labels, 1.0);
                place(&mut fill, &mut items, pb, counts, b, labels, -1.0);
                place(&mut fill, &mut items, pa, counts, b, labels, 1.0);
                let after =
                    cost_of(&fill, pa, labels, &target) + cost_of(&fill, pb, labels, &target);
                if after < before - EPS {
                    part.swap(a, b);
                    improved = true;
                } else {
                    place(&mut fill, &mut items, pa, counts, b, labels, -1.0);
                    place(&mut fill, &mut items, pb, counts, b, labels, 1.0);
                    place(&mut fill, &mut items, pb, counts, a, labels, -1.0);
                    place(&mut fill, &mut items, pa, counts, a, labels, 1.0);
                }
            }
        }
        if !improved {
            break;
        }
    }
    Ok(part)
}

fn padded(c: &[u64], labels: usize) -> Vec<u64> {
    (0..labels)
        .map(|l| c.get(l).copied().unwrap_or(0))
        .collect()
}

fn place(
    fill: &mut [Vec<f64>],
    items: &mut [f64],
    p: usize,
    counts: &[Vec<u64>],
    g: usize,
    labels: usize,
    sign: f64,
) {
    for (l, f) in fill[p].iter_mut().enumerate().take(labels) {
        let c = counts[g].get(l).copied().unwrap_or(0) as f64;
        *f += sign * c;
        items[p] += sign * c;
    }
}

fn cost_of(
    fill: &[Vec<f64>],
    p: usize,
    labels: usize,
    target: &dyn Fn(usize, usize) -> f64,
) -> f64 {
    (0..labels)
        .map(|l| {
            let d = fill[p][l] - target(p, l);
            d * d
        })
        .sum()
}

/// Label counts per group: `groups[i]` and `labels[i]` are item `i`'s group and label index.
pub fn group_counts(
    groups: &[usize],
    labels: &[usize],
    n_groups: usize,
    n_labels: usize,
) -> Vec<Vec<u64>> {
    let mut c = vec![vec![0u64; n_labels]; n_groups];
    for (&g, &l) in groups.iter().zip(labels) {
        c[g][l] += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    fn fold_counts(counts: &[Vec<u64>], part: &[usize], parts: usize) -> Vec<Vec<u64>> {
        let labels = counts[0].len();
        let mut f = vec![vec![0u64; labels]; parts];
        for (g, &p) in part.iter().enumerate() {
            for l in 0..labels {
                f[p][l] += counts[g][l];
            }
        }
        f
    }

    #[test]
    fn single_item_groups_are_within_one_item_of_ideal() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for case in 0..200 {
            let k = rng.gen_range(2..7);
            let labels = rng.gen_range(2..5);
            let n = rng.gen_range(k..60);
            let counts: Vec<Vec<u64>> = (0..n)
                .map(|_| {
                    let mut c = vec![0; labels];
                    c[rng.gen_range(0..labels)] = 1;
                    c
                })
                .collect();
            let part = assign_groups(&counts, &vec![1.0; k], case).unwrap();
            let f = fold_counts(&counts, &part, k);
            for l in 0..labels {
                let total: u64 = counts.iter().map(|c| c[l]).sum();
                let ideal = total as f64 / k as f64;
                for fold in &f {
                    assert!((fold[l] as f64 - ideal).abs() < 1.0, "case {case}: {f:?}");
                }
            }
        }
    }

    #[test]
    fn copies_of_one_fold_split_exactly() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        for case in 0..100 {
            let k = rng.gen_range(2..6);
            let profiles: Vec<Vec<u64>> = (0..rng.gen_range(1..5))
                .map(|_| (0..3).map(|_| rng.gen_range(0..6)).collect())
                .filter(|c: &Vec<u64>| c.iter().sum::<u64>() > 0)
                .collect();
            if profiles.is_empty() {
                continue;
            }
            let mut counts = Vec::new();
            for _ in 0..k {
                counts.extend(profiles.iter().cloned());
            }
            counts.shuffle(&mut rng);
            let part = assign_groups(&counts, &vec![1.0; k], case).unwrap();
            let f = fold_counts(&counts, &part, k);
            assert!(f.iter().all(|x| x == &f[0]), "case {case}: {f:?}");
        }
    }

    #[test]
    fn every_group_is_in_one_part_and_no_part_is_empty() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        for case in 0..200 {
            let k = rng.gen_range(2..6);
            let n = rng.gen_range(k..20);
            let counts: Vec<Vec<u64>> = (0..n)
                .map(|_| (0..3).map(|_| rng.gen_range(0..10)).collect())
                .collect();
            let part = assign_groups(&counts, &vec![1.0; k], case).unwrap();
            assert_eq!(part.len(), n);
            for p in 0..k {
                assert!(part.contains(&p), "case {case}: part {p} empty: {part:?}");
            }
            assert_eq!(part, assign_groups(&counts, &vec![1.0; k], case).unwrap());
        }
    }

    #[test]
    fn bad_requests_are_errors() {
        let c = vec![vec![1, 0], vec![0, 1]];
        assert_eq!(
            assign_groups(&c, &[1.0], 0),
            Err(SplitError::TooFewParts(1))
        );
        assert!(matches!(
            assign_groups(&c, &[1.0, 1.0, 1.0], 0),
            Err(SplitError::TooFewGroups { .. })
        ));
        assert!(matches!(
            assign_groups(&c, &[1.0, -1.0], 0),
            Err(SplitError::BadWeights(_))
        ));
    }
}
