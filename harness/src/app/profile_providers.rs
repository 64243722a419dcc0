//! `profile`: which execution provider ran the graph, from ONNX Runtime's profiling trace —
//! a provider that registered but ran no node of a graph is a silent fallback.

use std::collections::BTreeSet;

use tonebench_core::report::{Warning, WarningCode};

use super::AppError;
use crate::infer::{self, Device};

/// Checks that the requested provider ran the graph; returns the provider to report and
/// warnings about nodes placed elsewhere.
pub fn check_providers(
    device: Device,
    used: &[infer::ProviderUse],
    allow_fallback: bool,
) -> anyhow::Result<(String, Vec<Warning>)> {
    let want = device.provider();
    let mut warnings = Vec::new();
    let listing = used
        .iter()
        .map(|u| format!("{} {} node(s) of {}", u.provider, u.nodes, u.graph))
        .collect::<Vec<_>>()
        .join(", ");
    let graphs: BTreeSet<&str> = used.iter().map(|u| u.graph.as_str()).collect();
    let mut fell_back = Vec::new();
    for g in &graphs {
        let on_wanted = used
            .iter()
            .any(|u| u.graph == *g && u.provider == want && u.nodes > 0);
        if !on_wanted {
            fell_back.push(*g);
        }
    }
    if used.is_empty() {
        warnings.push(Warning {
            code: WarningCode::ProviderUnknown,
            metric: None,
            message: "ONNX Runtime's profile named no nodes; the provider that ran is unknown"
                .into(),
        });
    }
    if !fell_back.is_empty() {
        let msg = format!(
            "{want} ran no node of {} (ran: {listing}): ONNX Runtime fell back",
            fell_back.join(", ")
        );
        if !allow_fallback {
            return Err(AppError::ProviderFallback(format!(
                "{msg}; pass --allow-fallback to profile anyway"
            ))
            .into());
        }
        warnings.push(Warning {
            code: WarningCode::ProviderFallback,
            metric: Some("latency.provider".into()),
            message: msg,
        });
    } else if device != Device::Cpu {
        let cpu: u64 = used
            .iter()
            .filter(|u| u.provider == "CPUExecutionProvider")
            .map(|u| u.nodes)
            .sum();
        if cpu > 0 {
            warnings.push(Warning {
                code: WarningCode::ProviderPartial,
                metric: Some("latency.providers".into()),
                message: format!("{cpu} node(s) ran on the CPU ({listing})"),
            });
        }
    }
    let mut by_nodes: Vec<(&str, u64)> = Vec::new();
    for u in used {
        match by_nodes.iter_mut().find(|(p, _)| *p == u.provider) {
            Some(e) => e.1 += u.nodes,
            None => by_nodes.push((&u.provider, u.nodes)),
        }
    }
    let provider = if fell_back.is_empty() {
        want.to_string()
    } else {
        by_nodes
            .iter()
            .max_by_key(|(_, n)| *n)
            .map(|(p, _)| p.to_string())
            .unwrap_or_else(|| want.to_string())
    };
    Ok((provider, warnings))
}
