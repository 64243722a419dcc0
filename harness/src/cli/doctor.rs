//! `tonebench doctor`: where ONNX Runtime was found, its version, which providers work.

use clap::Args;

use super::exit;
use crate::infer::{doctor, EXPECTED_ORT_VERSION};

#[derive(Debug, Clone, Args)]
pub struct DoctorArgs {
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Exit code 0 when the library loads and the CPU provider works, 3 otherwise.
pub fn execute(args: &DoctorArgs) -> anyhow::Result<i32> {
    let info = doctor()?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        println!("onnx runtime library: {} ({})", info.library, info.source);
        println!("onnx runtime version: {}", info.version);
        if info.version != EXPECTED_ORT_VERSION {
            println!(
                "warning: tonebench was built for ONNX Runtime {EXPECTED_ORT_VERSION}; results may differ from the references"
            );
        }
        println!("execution providers:");
        for (name, status) in &info.providers {
            println!("  {name:<9} {status}");
        }
        if !info.gpu_libraries.is_empty() {
            println!("libraries of the CUDA and TensorRT providers:");
            for (name, status) in &info.gpu_libraries {
                println!("  {name:<22} {status}");
            }
        }
    }
    Ok(if info.cpu_works {
        exit::SUCCESS
    } else {
        exit::RUNTIME_FAILURE
    })
}
