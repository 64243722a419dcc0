//! The confusion section: one heatmap per model, rows normalized to rates.

use serde::Serialize;
use tonebench_core::report::ModelReport;

use super::{f, shorten};

#[derive(Debug, Serialize)]
pub struct ConfusionView {
    pub anchor: String,
    pub model: String,
    pub width: u32,
    pub height: u32,
    pub cells: Vec<ConfusionCell>,
    pub col_labels: Vec<AxisLabel>,
    pub row_labels: Vec<AxisLabel>,
    pub axis_x: u32,
    pub axis_y: u32,
    pub grid_mid_x: u32,
    pub grid_mid_y: u32,
}

#[derive(Debug, Serialize)]
pub struct ConfusionCell {
    pub x: u32,
    pub y: u32,
    pub size: u32,
    pub cx: u32,
    pub cy: u32,
    pub fill: String,
    pub ink: String,
    pub count: String,
    pub rate: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct AxisLabel {
    pub x: u32,
    pub y: u32,
    pub text: String,
    pub full: String,
}

/// Sequential blue colour scale for a rate in [0, 1]: white-ish to dark blue.
fn blue(rate: f64) -> String {
    let t = if rate.is_finite() {
        rate.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (r0, g0, b0) = (247.0, 251.0, 255.0);
    let (r1, g1, b1) = (8.0, 48.0, 107.0);
    let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(r0, r1), mix(g0, g1), mix(b0, b1))
}

pub(super) fn confusion_view(index: usize, name: &str, m: &ModelReport) -> ConfusionView {
    let c = &m.metrics.confusion;
    let k = c.labels.len().max(1) as u32;
    let size: u32 = match k {
        0..=4 => 72,
        5..=7 => 60,
        8..=12 => 44,
        _ => 32,
    };
    let max_label = c
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4);
    let left = (max_label.min(16) as u32) * 7 + 28;
    let top: u32 = 44;
    let mut cells = Vec::new();
    for (r, row) in c.matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (col, &n) in row.iter().enumerate() {
            let rate = if total == 0 {
                f64::NAN
            } else {
                n as f64 / total as f64
            };
            let (x, y) = (left + col as u32 * size, top + r as u32 * size);
            let truth = c.labels.get(r).map(String::as_str).unwrap_or("?");
            let pred = c.labels.get(col).map(String::as_str).unwrap_or("?");
            cells.push(ConfusionCell {
                x,
                y,
                size,
                cx: x + size / 2,
                cy: y + size / 2,
                fill: blue(rate),
                ink: if rate > 0.5 { "#fff" } else { "#1b1f24" }.to_string(),
                count: f::count(n),
                rate: f::percent(rate),
                title: format!(
                    "true {truth}, predicted {pred}: {} of {} ({})",
                    f::count(n),
                    f::count(total),
                    f::percent(rate)
                ),
            });
        }
    }
    let short = if size < 50 { 6 } else { 10 };
    let col_labels = c
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| AxisLabel {
            x: left + i as u32 * size + size / 2,
            y: top - 8,
            text: shorten(l, short),
            full: l.clone(),
        })
        .collect();
    let row_labels = c
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| AxisLabel {
            x: left - 8,
            y: top + i as u32 * size + size / 2 + 4,
            text: shorten(l, 16),
            full: l.clone(),
        })
        .collect();
    ConfusionView {
        anchor: format!("confusion-{}", index + 1),
        model: name.to_string(),
        width: left + k * size + 8,
        height: top + k * size + 8,
        cells,
        col_labels,
        row_labels,
        axis_x: left + k * size / 2,
        axis_y: 14,
        grid_mid_x: 12,
        grid_mid_y: top + k * size / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        assert_eq!(blue(0.0), "#f7fbff");
        assert_eq!(blue(1.0), "#08306b");
    }
}
