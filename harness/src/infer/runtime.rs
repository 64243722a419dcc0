//! Finding and loading the ONNX Runtime shared library, building sessions, and `tonebench doctor`.
//!
//! ort is built with `load-dynamic`: nothing is linked at build time, and ort panics on first
//! use when it has not been pointed at a library. Every use of ort in tonebench therefore goes
//! through [`environment`], which locates the library ([`locate`]), loads it with
//! `ort::init_from` exactly once, and turns every failure into an [`InferError`] that says what
//! to run.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::{gpu, Device, InferError};

/// Library version tonebench's ort (`=2.0.0-rc.15`, `api-31`) was written against.
pub const EXPECTED_ORT_VERSION: &str = "1.31.1";

const SETUP_HINT: &str =
    "run scripts/setup-ort.sh (or make setup) to fetch it, or set ORT_DYLIB_PATH to a libonnxruntime.so";

/// The CPU build's folder, written by `scripts/setup-ort.sh`.
const CPU_DIR: &str = ".ort";

/// Where the library came from, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `ORT_DYLIB_PATH`.
    Env,
    /// The onnxruntime wheel of the Python environment the executable is installed in
    /// (`pip install tonebench`: `<env>/bin/tonebench` beside `<env>/lib/python*/site-packages`).
    Installed,
    /// `<repo>/.ort-gpu/`, the GPU build written by `scripts/setup-ort.sh --gpu`: preferred to
    /// `.ort/` when both are there (its CPU provider is the same code).
    ProjectGpu,
    /// `<repo>/.ort/`, written by `scripts/setup-ort.sh`.
    ProjectLocal,
    /// The `onnxruntime` Python package.
    Python,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Env => "ORT_DYLIB_PATH",
            Source::Installed => "onnxruntime wheel of the installed environment",
            Source::ProjectGpu => "project-local .ort-gpu/, the GPU build",
            Source::ProjectLocal => "project-local .ort/",
            Source::Python => "python onnxruntime package",
        })
    }
}

/// The loaded library.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub path: PathBuf,
    pub source: Source,
    pub version: String,
    env: ort::environment::Environment,
}

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// Locates the ONNX Runtime library without loading it.
pub fn locate() -> Result<(PathBuf, Source), InferError> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        if p.is_file() {
            return Ok((p, Source::Env));
        }
        return Err(InferError::Runtime(format!(
            "ORT_DYLIB_PATH={} is not a file; {SETUP_HINT}",
            p.display()
        )));
    }
    if let Some(p) = std::env::current_exe()
        .ok()
        .and_then(|exe| installed_lib(&exe))
    {
        return Ok((p, Source::Installed));
    }
    for root in repo_roots() {
        if let Some(p) = find_lib(&root.join(gpu::GPU_DIR)) {
            return Ok((p, Source::ProjectGpu));
        }
        if let Some(p) = find_lib(&root.join(CPU_DIR)) {
            return Ok((p, Source::ProjectLocal));
        }
    }
    if let Some(p) = python_lib() {
        return Ok((p, Source::Python));
    }
    Err(InferError::Runtime(format!(
        "ONNX Runtime library not found (looked at ORT_DYLIB_PATH, .ort/ in the repository, python onnxruntime); {SETUP_HINT}"
    )))
}

/// Candidate repository roots: ancestors of the executable and of the current directory that
/// hold a `Cargo.toml`, a `.ort` or a `.ort-gpu` folder.
pub(super) fn repo_roots() -> Vec<PathBuf> {
    let mut starts = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        starts.push(exe);
    }
    if let Ok(cwd) = std::env::current_dir() {
        starts.push(cwd);
    }
    // Tests and `cargo run` build into a shared target directory; the manifest dir is exact.
    starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let mut roots = Vec::new();
    for s in starts {
        for dir in s.ancestors() {
            if (dir.join(CPU_DIR).is_dir()
                || dir.join(gpu::GPU_DIR).is_dir()
                || dir.join("Cargo.toml").is_file())
                && !roots.iter().any(|r: &PathBuf| r == dir)
            {
                roots.push(dir.to_path_buf());
            }
        }
    }
    roots
}

/// The newest-looking `libonnxruntime.so*` in `dir` (the exact versioned name first).
fn find_lib(dir: &Path) -> Option<PathBuf> {
    let exact = dir.join(format!("libonnxruntime.so.{EXPECTED_ORT_VERSION}"));
    if exact.is_file() {
        return Some(exact);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("libonnxruntime.so"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// The onnxruntime wheel beside an executable installed in a Python environment:
/// `<env>/bin/tonebench` → `<env>/lib*/python*/site-packages/onnxruntime/capi/`. Found by
/// looking, not by running Python, so it works with the environment not activated.
fn installed_lib(exe: &Path) -> Option<PathBuf> {
    let env = exe.parent().filter(|bin| bin.ends_with("bin"))?.parent()?;
    for lib in ["lib", "lib64"] {
        let Ok(entries) = std::fs::read_dir(env.join(lib)) else {
            continue;
        };
        let mut pythons: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("python"))
            })
            .collect();
        pythons.sort();
        for py in pythons.iter().rev() {
            if let Some(p) = find_lib(&py.join("site-packages/onnxruntime/capi")) {
                return Some(p);
            }
        }
    }
    None
}

fn python_lib() -> Option<PathBuf> {
    for py in ["python3", "python"] {
        let out = std::process::Command::new(py)
            .args([
                "-c",
                "import onnxruntime, os; print(os.path.dirname(onnxruntime.__file__))",
            ])
            .stderr(std::process::Stdio::null())
            .output();
        if let Ok(out) = out {
            if out.status.success() {
                let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if let Some(p) = find_lib(&Path::new(&dir).join("capi")) {
                    return Some(p);
                }
            }
        }
    }
    None
}

/// Loads ONNX Runtime once per process and returns it; later calls return the same result.
pub fn runtime() -> Result<&'static Runtime, InferError> {
    RUNTIME
        .get_or_init(|| {
            let (path, source) = locate().map_err(|e| match e {
                InferError::Runtime(m) => m,
                other => other.to_string(),
            })?;
            let builder = ort::init_from(&path).map_err(|e| {
                format!(
                    "cannot load ONNX Runtime from {} ({source}): {e}; {SETUP_HINT}",
                    path.display()
                )
            })?;
            let env = builder
                .with_name("tonebench")
                .build()
                .map_err(|e| format!("cannot create ONNX Runtime environment: {e}"))?;
            // tonebench reports every failure itself, on one line; ONNX Runtime's own log lines
            // (kernel errors, profiler notices) would only duplicate them on stderr.
            env.set_log_level(ort::logging::LogLevel::Fatal);
            let version = version_of(&path);
            Ok(Runtime {
                path,
                source,
                version,
                env,
            })
        })
        .as_ref()
        .map_err(|e| InferError::Runtime(e.clone()))
}

/// The library's version: from the file name, else from ort's build info.
fn version_of(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if let Some(v) = name.strip_prefix("libonnxruntime.so.") {
        if !v.is_empty() {
            return v.to_string();
        }
    }
    // "ORT Build Info: git-branch=rel-1.31.1, ..."
    let info = ort::info();
    info.split(|c: char| c == ',' || c.is_whitespace())
        .find_map(|part| part.strip_prefix("git-branch=rel-"))
        .map(str::to_string)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The ONNX Runtime version string, loading the library if needed.
pub fn ort_version() -> Result<String, InferError> {
    Ok(runtime()?.version.clone())
}

/// Session options tonebench always sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionOptions {
    /// Intra-op threads; 0 leaves ONNX Runtime's default.
    pub threads: usize,
    pub device: Device,
    /// Turn on ONNX Runtime's profiler (a JSON trace in the temp folder) so that
    /// [`end_profiling`] can tell which execution provider ran each node.
    pub profile: bool,
}

/// Builds a session for `onnx` with graph optimisation ALL (what the references used), the
/// requested threads, and the device's execution provider registered with `error_on_failure`,
/// so a CUDA provider that cannot start is an error instead of a silent CPU fallback.
pub(super) fn session(
    onnx: &Path,
    opts: SessionOptions,
) -> Result<ort::session::Session, InferError> {
    let rt = runtime()?;
    let file = onnx.display().to_string();
    let err = |what: &str, e: String| InferError::Model {
        file: file.clone(),
        msg: format!("{what}: {e}"),
    };
    if let Err(e) = crate::open::check(onnx) {
        return Err(InferError::ModelInput {
            file: file.clone(),
            msg: if e.kind() == std::io::ErrorKind::NotFound {
                "file not found".into()
            } else {
                e.to_string()
            },
        });
    }
    let mut b =
        ort::session::Session::builder(&rt.env).map_err(|e| err("session", e.to_string()))?;
    b = b
        .with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
        .map_err(|e| err("optimisation level", e.to_string()))?;
    if opts.threads > 0 {
        b = b
            .with_intra_threads(opts.threads)
            .map_err(|e| err("intra-op threads", e.to_string()))?;
    }
    // The CUDA libraries must be loaded before ONNX Runtime loads the provider (gpu.rs says why).
    gpu::prepare(&rt.path, opts.device);
    let eps = match opts.device {
        Device::Cpu => vec![ort::ep::CPU::default().build().error_on_failure()],
        Device::Cuda => vec![ort::ep::CUDA::default().build().error_on_failure()],
        Device::Tensorrt => vec![
            ort::ep::TensorRT::default().build().error_on_failure(),
            ort::ep::CUDA::default().build().error_on_failure(),
        ],
    };
    let provider_error = |e: String| {
        let why = if opts.device != Device::Cpu {
            gpu::explain(&rt.path, opts.device, &e)
        } else {
            e
        };
        InferError::Runtime(format!(
            "{file}: cannot use the {} execution provider: {why}",
            opts.device
        ))
    };
    b = b
        .with_execution_providers(eps)
        .map_err(|e| provider_error(e.to_string()))?;
    if opts.profile {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let prefix =
            std::env::temp_dir().join(format!("tonebench-ort-profile-{}-{n}", std::process::id()));
        b = b
            .with_profiling(&prefix)
            .map_err(|e| err("profiling", e.to_string()))?;
    }
    b.commit_from_file(onnx).map_err(|e| {
        let e = e.to_string();
        if opts.device != Device::Cpu && e.to_lowercase().contains("execution provider") {
            provider_error(e)
        } else {
            err("cannot load the ONNX graph", e)
        }
    })
}

/// Ends ONNX Runtime's profiling of `session` and returns, per execution provider, how many
/// distinct graph nodes it ran (from the `Node` events of the trace). The trace is deleted.
pub(super) fn end_profiling(
    session: &mut ort::session::Session,
) -> Result<Vec<(String, u64)>, String> {
    let path = session.end_profiling().map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"));
    let _ = std::fs::remove_file(&path);
    providers_in_trace(&text?).map_err(|e| format!("{path}: {e}"))
}

/// Counts distinct nodes per provider in an ONNX Runtime profiling trace (a JSON array of
/// events; node events have `cat: "Node"` and `args.provider`).
pub fn providers_in_trace(json: &str) -> Result<Vec<(String, u64)>, String> {
    let events: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|e| format!("not a profiling trace: {e}"))?;
    let mut seen: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for ev in &events {
        if ev.get("cat").and_then(|c| c.as_str()) != Some("Node") {
            continue;
        }
        let Some(provider) = ev.pointer("/args/provider").and_then(|p| p.as_str()) else {
            continue;
        };
        let name = ev.get("name").and_then(|n| n.as_str()).unwrap_or("");
        // Events are "<node>_fence_before", "<node>_kernel_time", "<node>_fence_after".
        let node = name
            .strip_suffix("_kernel_time")
            .or_else(|| name.strip_suffix("_fence_before"))
            .or_else(|| name.strip_suffix("_fence_after"))
            .unwrap_or(name);
        seen.entry(provider.to_string())
            .or_default()
            .insert(node.to_string());
    }
    Ok(seen
        .into_iter()
        .map(|(p, nodes)| (p, nodes.len() as u64))
        .collect())
}

/// What `tonebench doctor` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DoctorInfo {
    pub library: String,
    pub source: String,
    pub version: String,
    pub build_info: String,
    /// Execution provider name → "ok" or why it does not work (for CUDA and TensorRT, which
    /// library is missing, or that the libraries load and the device fails).
    pub providers: Vec<(String, String)>,
    /// When the library is a GPU build: each library the CUDA and TensorRT providers need (the
    /// driver's last) → "loads (path)" or "missing (where it comes from)".
    pub gpu_libraries: Vec<(String, String)>,
    /// Whether the CPU provider works (decided from the provider check, not its text).
    #[serde(skip)]
    pub cpu_works: bool,
}

/// A one-node identity graph (opset 13, float input "x" → output "y"), serialized ONNX.
/// Used to check that an execution provider really registers on this machine.
fn tiny_model() -> Vec<u8> {
    // Protobuf, hand-encoded: ModelProto{ir_version=8, opset_import{version=13},
    // graph{node{input "x", output "y", op_type "Identity"}, name "t",
    // input{name "x", type{tensor_type{elem_type=1, shape{dim{dim_value=1}}}}}, output{"y" likewise}}}
    fn field(tag: u8, bytes: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let mut n = bytes.len();
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                v.push(b);
                break;
            }
            v.push(b | 0x80);
        }
        v.extend_from_slice(bytes);
        v
    }
    let value_info = |name: &[u8]| {
        let dim = field(0x0a, &[0x08, 0x01]); // Dimension{dim_value=1}
        let shape = field(0x12, &dim); // TensorTypeProto.shape
        let mut tensor = vec![0x08, 0x01]; // elem_type = FLOAT
        tensor.extend(shape);
        let ty = field(0x0a, &tensor); // TypeProto.tensor_type
        let mut vi = field(0x0a, name);
        vi.extend(field(0x12, &ty));
        vi
    };
    let mut node = field(0x0a, b"x");
    node.extend(field(0x12, b"y"));
    node.extend(field(0x22, b"Identity"));
    let mut graph = field(0x0a, &node);
    graph.extend(field(0x12, b"t"));
    graph.extend(field(0x5a, &value_info(b"x")));
    graph.extend(field(0x62, &value_info(b"y")));
    let mut model = vec![0x08, 0x08]; // ir_version = 8
    model.extend(field(0x3a, &graph)); // graph = 7
    model.extend(field(0x42, &[0x10, 0x0d])); // opset_import{version=13}
    model
}

/// Whether a provider registers and runs a one-node graph; why not when it does not.
fn try_provider(rt: &Runtime, name: &str) -> Result<(), String> {
    let (ep, device) = match name {
        "CPU" => (
            ort::ep::CPU::default().build().error_on_failure(),
            Device::Cpu,
        ),
        "CUDA" => (
            ort::ep::CUDA::default().build().error_on_failure(),
            Device::Cuda,
        ),
        "TensorRT" => (
            ort::ep::TensorRT::default().build().error_on_failure(),
            Device::Tensorrt,
        ),
        _ => return Err("unknown provider".into()),
    };
    gpu::prepare(&rt.path, device);
    let model = tiny_model();
    let result = ort::session::Session::builder(&rt.env)
        .map_err(|e| e.to_string())
        .and_then(|b| b.with_execution_providers([ep]).map_err(|e| e.to_string()))
        .and_then(|mut b| b.commit_from_memory(&model).map_err(|e| e.to_string()));
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = e.lines().next().unwrap_or("failed").to_string();
            Err(if device == Device::Cpu {
                e
            } else {
                gpu::explain(&rt.path, device, &e)
            })
        }
    }
}

/// Loads the library and checks which execution providers work.
pub fn doctor() -> Result<DoctorInfo, InferError> {
    let rt = runtime()?;
    let checks: Vec<(&str, Result<(), String>)> = ["CPU", "CUDA", "TensorRT"]
        .into_iter()
        .map(|n| (n, try_provider(rt, n)))
        .collect();
    let cpu_works = checks.iter().any(|(n, r)| *n == "CPU" && r.is_ok());
    let providers = checks
        .into_iter()
        .map(|(n, r)| (n.to_string(), r.err().unwrap_or_else(|| "ok".into())))
        .collect();
    let has_gpu_provider = [Device::Cuda, Device::Tensorrt].into_iter().any(|d| {
        gpu::provider_library(d)
            .zip(rt.path.parent())
            .is_some_and(|(p, dir)| dir.join(p).is_file())
    });
    let gpu_libraries = if has_gpu_provider {
        gpu::library_report(&rt.path, Device::Tensorrt)
    } else {
        Vec::new()
    };
    Ok(DoctorInfo {
        library: rt.path.display().to_string(),
        source: rt.source.to_string(),
        version: rt.version.clone(),
        build_info: ort::info().to_string(),
        providers,
        gpu_libraries,
        cpu_works,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wheel_beside_an_installed_executable_is_found() {
        let env = tempfile::tempdir().unwrap();
        let capi = env
            .path()
            .join("lib/python3.11/site-packages/onnxruntime/capi");
        std::fs::create_dir_all(&capi).unwrap();
        std::fs::create_dir_all(env.path().join("bin")).unwrap();
        let exe = env.path().join("bin/tonebench");
        assert_eq!(installed_lib(&exe), None, "no library yet");
        let lib = capi.join(format!("libonnxruntime.so.{EXPECTED_ORT_VERSION}"));
        std::fs::write(&lib, b"").unwrap();
        assert_eq!(installed_lib(&exe), Some(lib));
        // Not in a bin/ folder (a cargo target dir): not an installed environment.
        assert_eq!(installed_lib(&env.path().join("debug/tonebench")), None);
    }
}
