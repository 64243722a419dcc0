//! The robustness section: per model, accuracy under every acoustic condition with its interval
//! against clean audio (reference line and band), and the table of paired differences.

use serde::Serialize;

use super::{shorten, Axis, Entry, Tick};
use crate::render::format as f;
use crate::render::robustness::{describe, RobustnessRow};

#[derive(Debug, Serialize)]
pub struct RobustnessView {
    pub model: String,
    pub width: u32,
    pub height: u32,
    pub plot_x: u32,
    pub plot_right: u32,
    pub axis_y: u32,
    pub ticks: Vec<Tick>,
    pub clean: String,
    pub clean_x: u32,
    /// The clean interval as a band (`band_w` = 0 without intervals).
    pub band_x: u32,
    pub band_w: u32,
    pub points: Vec<ConditionPoint>,
    pub rows: Vec<RobustnessRow>,
}

#[derive(Debug, Serialize)]
pub struct ConditionPoint {
    pub condition: String,
    pub short: String,
    pub title: String,
    pub mid_y: u32,
    pub text_y: u32,
    pub x: u32,
    pub low: u32,
    pub high: u32,
    /// McNemar rejects at 0.01 and the paired interval excludes 0.
    pub significant: bool,
}

/// One view per model that ran under conditions.
pub(super) fn robustness_views(models: &[Entry<'_>]) -> Vec<RobustnessView> {
    models
        .iter()
        .filter(|(_, _, m, _)| !m.robustness.is_empty())
        .map(|(name, _, m, report)| {
            let axis = Axis {
                left: 170,
                width: 380,
                max: 1.0,
            };
            let top: u32 = 8;
            let h: u32 = 22;
            let points: Vec<ConditionPoint> = m
                .robustness
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let y = top + i as u32 * h;
                    let iv = e.metrics.intervals.as_ref().map(|i| i.accuracy);
                    let d = e
                        .vs_clean
                        .as_ref()
                        .and_then(|v| v.diffs.iter().find(|d| d.metric == "accuracy"));
                    let p = e.vs_clean.as_ref().map(|v| v.mcnemar.p_value);
                    ConditionPoint {
                        condition: e.condition.clone(),
                        short: shorten(&e.condition, 22),
                        title: format!(
                            "{} ({}): accuracy {}{}, Δ vs clean {}, McNemar p {}",
                            e.condition,
                            describe(&e.parameters),
                            f::score(e.metrics.accuracy),
                            iv.map(|i| format!(" {}", f::interval(&i)))
                                .unwrap_or_default(),
                            d.map(|d| f::signed_score(d.diff))
                                .unwrap_or_else(|| f::MISSING.into()),
                            p.map(f::p_value).unwrap_or_else(|| f::MISSING.into()),
                        ),
                        mid_y: y + h / 2,
                        text_y: y + h / 2 + 4,
                        x: axis.x(e.metrics.accuracy),
                        low: axis.x(iv.map_or(e.metrics.accuracy, |i| i.low)),
                        high: axis.x(iv.map_or(e.metrics.accuracy, |i| i.high)),
                        significant: d.is_some_and(|d| d.high < 0.0 || d.low > 0.0)
                            && p.is_some_and(|p| p < 0.01),
                    }
                })
                .collect();
            let axis_y = top + points.len() as u32 * h + 4;
            let clean = m.metrics.accuracy;
            let civ = m.metrics.intervals.as_ref().map(|i| i.accuracy);
            let (band_x, band_w) = civ.map_or((axis.x(clean), 0), |i| {
                (axis.x(i.low), axis.x(i.high) - axis.x(i.low))
            });
            let rows = crate::render::robustness::rows(report)
                .into_iter()
                .filter(|r| r.model == m.name)
                .collect();
            RobustnessView {
                model: name.clone(),
                width: axis.left + axis.width + 30,
                height: axis_y + 22,
                plot_x: axis.left,
                plot_right: axis.left + axis.width,
                axis_y,
                ticks: axis.ticks(f::score),
                clean: format!(
                    "{}{}",
                    f::score(clean),
                    civ.map(|i| format!(" {}", f::interval(&i)))
                        .unwrap_or_default()
                ),
                clean_x: axis.x(clean),
                band_x,
                band_w,
                points,
                rows,
            }
        })
        .collect()
}
