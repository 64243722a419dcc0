//! The latency section: p50 to p99 and the mean of every profiled model on one axis.

use serde::Serialize;
use tonebench_core::report::LatencyReport;

use super::{f, nice_max, shorten, Axis, Entry, Tick};

#[derive(Debug, Serialize)]
pub struct LatencyView {
    pub width: u32,
    pub height: u32,
    pub plot_x: u32,
    pub plot_right: u32,
    pub axis_y: u32,
    pub ticks: Vec<Tick>,
    pub rows: Vec<LatencyRow>,
}

#[derive(Debug, Serialize)]
pub struct LatencyRow {
    pub model: String,
    pub short: String,
    pub device: String,
    pub provider: String,
    pub p50: String,
    pub p90: String,
    pub p95: String,
    pub p99: String,
    pub mean: String,
    pub throughput: String,
    pub rtf: String,
    pub y: u32,
    pub mid_y: u32,
    pub text_y: u32,
    pub x50: u32,
    pub x90: u32,
    pub x95: u32,
    pub x99: u32,
    pub xmean: u32,
}

/// `None` when no model was profiled.
pub(super) fn latency_view(models: &[Entry<'_>]) -> Option<LatencyView> {
    let with: Vec<(&String, &LatencyReport)> = models
        .iter()
        .filter_map(|(n, _, m, _)| m.latency.as_ref().map(|l| (n, l)))
        .collect();
    if with.is_empty() {
        return None;
    }
    let hi = with
        .iter()
        .map(|(_, l)| l.p99_ms.max(l.mean_ms))
        .filter(|x| x.is_finite())
        .fold(0.0, f64::max);
    let axis = Axis {
        left: 170,
        width: 380,
        max: nice_max(hi),
    };
    let top: u32 = 8;
    let h: u32 = 22;
    let rows = with
        .iter()
        .enumerate()
        .map(|(i, (name, l))| {
            let y = top + i as u32 * h;
            LatencyRow {
                model: (*name).clone(),
                short: shorten(name, 22),
                device: l.device.clone(),
                provider: l.provider.clone(),
                p50: f::millis(l.p50_ms),
                p90: f::millis(l.p90_ms),
                p95: f::millis(l.p95_ms),
                p99: f::millis(l.p99_ms),
                mean: f::millis(l.mean_ms),
                throughput: f::per_second(l.throughput_per_s),
                rtf: f::opt(l.rtf, f::ratio),
                y: y + 4,
                mid_y: y + h / 2,
                text_y: y + h / 2 + 4,
                x50: axis.x(l.p50_ms),
                x90: axis.x(l.p90_ms),
                x95: axis.x(l.p95_ms),
                x99: axis.x(l.p99_ms),
                xmean: axis.x(l.mean_ms),
            }
        })
        .collect();
    let axis_y = top + with.len() as u32 * h + 4;
    Some(LatencyView {
        width: axis.left + axis.width + 30,
        height: axis_y + 22,
        plot_x: axis.left,
        plot_right: axis.left + axis.width,
        axis_y,
        ticks: axis.ticks(f::millis),
        rows,
    })
}
