//! Tables across partitions and models: each partition's gap and worst-cohort share (given vs
//! discovered groupings), and the fusion gain of hybrid models per cohort. The row types live in
//! [`crate::report`], which owns every serialized type.

use crate::report::{CohortReport, FusionGain, Modality, PartitionRow};

/// The partition comparison table of one model, in partition order.
pub fn compare_partitions(model: &str, reports: &[CohortReport]) -> Vec<PartitionRow> {
    reports
        .iter()
        .map(|r| PartitionRow {
            model: model.into(),
            partition: r.partition.clone(),
            source: r.source.clone(),
            cohorts: r.groups.len(),
            worst: r.worst.clone(),
            gap_abs: r.gap_abs,
            gap_rel_pct: r.gap_rel_pct,
            worst_share_pct: r.worst_share_pct,
            difference: r.difference,
            p_adjusted: r.p_adjusted,
        })
        .collect()
}

/// One model's cohort results, for [`fusion_gain`].
#[derive(Debug, Clone, Copy)]
pub struct ModelCohorts<'a> {
    pub name: &'a str,
    pub modality: Modality,
    pub cohorts: &'a [CohortReport],
}

/// Fusion gain of every hybrid model on every cohort that at least one text or audio model was
/// also scored on. Empty cohorts and cohorts no single-modality model has are skipped.
pub fn fusion_gain(models: &[ModelCohorts]) -> Vec<FusionGain> {
    let singles: Vec<&ModelCohorts> = models
        .iter()
        .filter(|m| matches!(m.modality, Modality::Text | Modality::Audio))
        .collect();
    let mut out = Vec::new();
    for h in models.iter().filter(|m| m.modality == Modality::Hybrid) {
        for r in h.cohorts {
            for g in r.groups.iter().filter(|g| g.items > 0) {
                let mut best: Option<(&str, f64)> = None;
                for s in &singles {
                    let acc = s
                        .cohorts
                        .iter()
                        .find(|x| x.partition == r.partition)
                        .and_then(|x| x.groups.iter().find(|y| y.name == g.name && y.items > 0))
                        .map(|y| y.accuracy);
                    if let Some(acc) = acc {
                        if best.is_none_or(|(_, b)| acc > b) {
                            best = Some((s.name, acc));
                        }
                    }
                }
                if let Some((name, acc)) = best {
                    out.push(FusionGain {
                        partition: r.partition.clone(),
                        cohort: g.name.clone(),
                        hybrid: h.name.into(),
                        hybrid_accuracy: g.accuracy,
                        best_single: name.into(),
                        best_single_accuracy: acc,
                        gain: g.accuracy - acc,
                    });
                }
            }
        }
    }
    out
}
