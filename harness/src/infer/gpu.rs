//! The GPU build of ONNX Runtime: the libraries its CUDA and TensorRT providers need, loaded
//! before ONNX Runtime loads a provider, and telling which one is missing when one is.
//!
//! `scripts/setup-ort.sh --gpu` puts the onnxruntime-gpu libraries and the CUDA 13 / cuDNN 9
//! libraries of NVIDIA's PyPI wheels in one flat folder, `.ort-gpu/`. ONNX Runtime loads
//! `libonnxruntime_providers_cuda.so` from its own folder, but that library's own dependencies
//! (`libcudart.so.13`, `libcublas.so.13`, …; it has no run path) are looked up by the dynamic
//! loader in LD_LIBRARY_PATH, the ld.so cache and the system folders only, never in `.ort-gpu/`.
//!
//! Setting LD_LIBRARY_PATH from inside the process does not help: glibc reads it once, at
//! start-up. The two ways out are to re-execute the process with LD_LIBRARY_PATH set, or to load
//! each dependency first by absolute path: the loader then matches a later request for
//! `libcudart.so.13` (a provider's DT_NEEDED or a dlopen by name) to the library already loaded
//! under that soname. tonebench does the second ([`prepare`]): it works the same for the binary,
//! the tests and anything linking the library, does not replace a running process (a re-exec
//! would lose the test harness's and the caller's state), and it is done only when a CUDA or
//! TensorRT session is asked for, so CPU runs load nothing more. The libraries are loaded with
//! RTLD_NOW | RTLD_GLOBAL, in dependency order (the order onnxruntime's own Python `preload_dlls`
//! uses), and never unloaded.
//!
//! The driver's `libcuda.so.1` comes with the NVIDIA driver, never from a wheel: it is looked up
//! by name. On a machine without the driver the CUDA provider library cannot load, and
//! [`missing_library`] names it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::Device;

/// The project-local folder of `scripts/setup-ort.sh --gpu`.
pub const GPU_DIR: &str = ".ort-gpu";

/// The NVIDIA driver's library (not provisioned: it comes with the driver).
pub const DRIVER_LIB: &str = "libcuda.so.1";

/// What the CUDA provider needs, in load order: DT_NEEDED of
/// `libonnxruntime_providers_cuda.so` (cudart, cublasLt, cublas, curand) and what it dlopens
/// (nvrtc, cufft, cudnn); nvJitLink is cuFFT's and cuBLASLt's.
pub const CUDA_LIBS: &[&str] = &[
    "libcudart.so.13",
    "libnvJitLink.so.13",
    "libcublasLt.so.13",
    "libcublas.so.13",
    "libnvrtc.so.13",
    "libcurand.so.10",
    "libcufft.so.12",
    "libcudnn.so.9",
];

/// What the TensorRT provider needs beyond [`CUDA_LIBS`] (DT_NEEDED of
/// `libonnxruntime_providers_tensorrt.so`).
pub const TENSORRT_LIBS: &[&str] = &["libnvinfer.so.10", "libnvonnxparser.so.10"];

/// The provider library of a GPU device, next to `libonnxruntime.so`.
pub fn provider_library(device: Device) -> Option<&'static str> {
    match device {
        Device::Cpu => None,
        Device::Cuda => Some("libonnxruntime_providers_cuda.so"),
        Device::Tensorrt => Some("libonnxruntime_providers_tensorrt.so"),
    }
}

/// The libraries `device` needs, in load order: the driver's first (loaded from the folders
/// when one of them has it, e.g. `TONEBENCH_GPU_LIB_PATH=/usr/local/nvidia/lib64`, else left to
/// the loader's own search), then [`CUDA_LIBS`], then for TensorRT [`TENSORRT_LIBS`].
pub fn needed(device: Device) -> Vec<&'static str> {
    let trt: &[&str] = match device {
        Device::Cpu => return Vec::new(),
        Device::Cuda => &[],
        Device::Tensorrt => TENSORRT_LIBS,
    };
    std::iter::once(DRIVER_LIB)
        .chain(CUDA_LIBS.iter().copied())
        .chain(trt.iter().copied())
        .collect()
}

/// Folders that may hold the NVIDIA libraries for the ONNX Runtime library at `ort_lib`: those
/// of `TONEBENCH_GPU_LIB_PATH` (colon-separated; e.g. the `nvidia/cu13/lib` and
/// `nvidia/cudnn/lib` of a Python environment that has them), its own folder (`.ort-gpu/`), and
/// for a pip-installed onnxruntime-gpu (`site-packages/onnxruntime/capi/`) the folders of the
/// nvidia-* and tensorrt wheels beside it.
pub fn library_dirs(ort_lib: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("TONEBENCH_GPU_LIB_PATH")
        .map(|v| {
            std::env::split_paths(&v)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    let Some(dir) = ort_lib.parent() else {
        return dirs;
    };
    dirs.push(dir.to_path_buf());
    if dir.ends_with("onnxruntime/capi") {
        if let Some(site) = dir.parent().and_then(Path::parent) {
            for sub in ["nvidia/cu13/lib", "nvidia/cudnn/lib", "tensorrt_libs"] {
                dirs.push(site.join(sub));
            }
        }
    }
    dirs
}

/// Where `name` is among `dirs`, if anywhere.
pub fn find_in(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// One library [`prepare`] tried.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Loaded {
    pub name: String,
    /// The file loaded, or None when it is in none of the folders (then the loader's own
    /// search path is left to find it).
    pub path: Option<String>,
    /// None when it loaded; the loader's message when not.
    pub error: Option<String>,
}

/// What has been loaded so far, by name (a library is tried once per process).
static LOADED: Mutex<Vec<Loaded>> = Mutex::new(Vec::new());

/// Loads, in order, the libraries `device` needs that are in `library_dirs(ort_lib)`, before
/// ONNX Runtime loads the provider (see the module comment for why). Returns what was tried for
/// this device. Cheap on later calls.
pub fn prepare(ort_lib: &Path, device: Device) -> Vec<Loaded> {
    let dirs = library_dirs(ort_lib);
    let mut loaded = LOADED.lock().unwrap_or_else(|e| e.into_inner());
    let mut out = Vec::new();
    for name in needed(device) {
        if let Some(done) = loaded.iter().find(|l| l.name == name) {
            out.push(done.clone());
            continue;
        }
        let path = find_in(&dirs, name);
        let error = path.as_deref().and_then(|p| load_global(p).err());
        let l = Loaded {
            name: name.to_string(),
            path: path.map(|p| p.display().to_string()),
            error,
        };
        loaded.push(l.clone());
        out.push(l);
    }
    out
}

/// dlopen(path, RTLD_NOW | RTLD_GLOBAL), kept loaded for the life of the process.
fn load_global(path: &Path) -> Result<(), String> {
    use libloading::os::unix::{Library, RTLD_GLOBAL, RTLD_NOW};
    // SAFETY: the file is one of NVIDIA's CUDA libraries, whose initialisers only set up their
    // own state; it is never unloaded (forgotten below), so no symbol outlives it.
    let lib = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_GLOBAL) };
    match lib {
        Ok(lib) => {
            std::mem::forget(lib);
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Whether the loader finds `name` by itself (LD_LIBRARY_PATH, ld.so cache, system folders, or
/// already loaded). Used for the driver's library, which is never provisioned.
pub fn loader_finds(name: &str) -> Result<(), String> {
    use libloading::os::unix::{Library, RTLD_LAZY, RTLD_LOCAL};
    // SAFETY: only the NVIDIA driver's library is opened this way; its initialiser sets up its
    // own state, and the handle is dropped at once (the library stays if it was loaded before).
    unsafe { Library::open(Some(name), RTLD_LAZY | RTLD_LOCAL) }
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The library a loader message says it could not find: the part before
/// `: cannot open shared object file` ("…/libonnxruntime_providers_cuda.so: libcuda.so.1:
/// cannot open shared object file: No such file or directory" → `libcuda.so.1`).
pub fn missing_library(msg: &str) -> Option<String> {
    let at = msg.find(": cannot open shared object file")?;
    let before = &msg[..at];
    let name = before
        .rsplit(|c: char| c == ':' || c.is_whitespace() || c == '\'' || c == '"')
        .next()?;
    let name = Path::new(name).file_name()?.to_str()?;
    name.contains(".so").then(|| name.to_string())
}

/// The wheel of `scripts/setup-ort.sh --gpu` that holds `name`.
pub fn wheel_of(name: &str) -> &'static str {
    const WHEELS: &[(&str, &str)] = &[
        ("libcudart.", "nvidia-cuda-runtime"),
        ("libcublas", "nvidia-cublas"),
        ("libcurand.", "nvidia-curand"),
        ("libcufft.", "nvidia-cufft"),
        ("libnvrtc", "nvidia-cuda-nvrtc"),
        ("libnvJitLink.", "nvidia-nvjitlink"),
        ("libcudnn", "nvidia-cudnn-cu13"),
        ("libnvinfer", "tensorrt-cu13-libs"),
        ("libnvonnxparser", "tensorrt-cu13-libs"),
    ];
    WHEELS
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map_or("onnxruntime-gpu", |(_, w)| w)
}

/// How to get a missing library.
fn remedy(name: &str) -> String {
    if name == DRIVER_LIB {
        return "the NVIDIA driver's library, which no wheel provides: this machine has no NVIDIA \
                driver, so there is no GPU to run on"
            .into();
    }
    let wheel = wheel_of(name);
    if wheel == "tensorrt-cu13-libs" {
        return format!(
            "from {wheel}, which has no wheel on PyPI: rerun scripts/setup-ort.sh --gpu with \
             TONEBENCH_TENSORRT_INDEX set to NVIDIA's package index"
        );
    }
    format!("from {wheel}: run make setup-gpu (scripts/setup-ort.sh --gpu)")
}

/// Each library `device` needs (the driver's first): "loads", or what is wrong and what to do.
pub fn library_report(ort_lib: &Path, device: Device) -> Vec<(String, String)> {
    prepare(ort_lib, device)
        .into_iter()
        .map(|l| {
            let status = match (&l.path, &l.error) {
                (Some(p), None) => format!("loads ({p})"),
                (Some(_), Some(e)) => format!("does not load: {e}"),
                (None, _) => match loader_finds(&l.name) {
                    Ok(()) => "loads (from the system's library path)".to_string(),
                    Err(_) => format!("missing ({})", remedy(&l.name)),
                },
            };
            (l.name, status)
        })
        .collect()
}

/// Why a `device` provider failed with ONNX Runtime's message `err`, naming the missing library
/// when one is missing, or saying that the libraries load and the device itself failed.
pub fn explain(ort_lib: &Path, device: Device, err: &str) -> String {
    let Some(provider) = provider_library(device) else {
        return err.to_string();
    };
    let dir = ort_lib.parent().unwrap_or(Path::new("."));
    if !dir.join(provider).is_file() {
        return format!(
            "not in this build: {} is a CPU build of ONNX Runtime (no {provider} beside it); \
             run make setup-gpu (scripts/setup-ort.sh --gpu) to put the GPU build in {GPU_DIR}/",
            ort_lib.display()
        );
    }
    let report = library_report(ort_lib, device);
    let bad: Vec<(&str, &str)> = report
        .iter()
        .filter(|(_, s)| !s.starts_with("loads"))
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    if let Some(name) = missing_library(err) {
        let mut msg = format!(
            "{provider} cannot load: {name} is missing ({})",
            remedy(&name)
        );
        let others: Vec<&str> = bad.iter().map(|b| b.0).filter(|n| *n != name).collect();
        if !others.is_empty() {
            msg.push_str(&format!("; also missing: {}", others.join(", ")));
        } else if name == DRIVER_LIB {
            msg.push_str(&format!(
                "; the {} libraries it needs from the wheels all load",
                report.len() - 1
            ));
        }
        return msg;
    }
    if !bad.is_empty() {
        let bad: Vec<String> = bad.iter().map(|(n, s)| format!("{n} {s}")).collect();
        return format!("{}; ONNX Runtime: {}", bad.join("; "), short_error(err));
    }
    format!(
        "{provider} and the {} libraries it needs load (the driver's included); no usable device: {}",
        report.len(),
        short_error(err)
    )
}

/// ONNX Runtime's CUDA errors without the C++ signature around them: "CUDA failure 100: no
/// CUDA-capable device is detected (cudaSetDevice(info_.device_id))".
pub fn short_error(err: &str) -> String {
    let Some(at) = err.find("CUDA failure") else {
        return err.trim().to_string();
    };
    let rest = &err[at..];
    let what = rest.split(" ; ").next().unwrap_or(rest).trim();
    match rest.split("expr=").nth(1) {
        Some(expr) => format!("{what} ({})", expr.trim().trim_end_matches(';').trim()),
        None => what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_library_is_read_from_loader_messages() {
        assert_eq!(
            missing_library(
                "/r/.ort-gpu/libonnxruntime_providers_cuda.so: libcuda.so.1: cannot open shared object file: No such file or directory"
            )
            .as_deref(),
            Some("libcuda.so.1")
        );
        assert_eq!(
            missing_library(
                "Failed to load library libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory"
            )
            .as_deref(),
            Some("libcublasLt.so.13")
        );
        assert_eq!(
            missing_library("/x/libnvinfer.so.10: cannot open shared object file").as_deref(),
            Some("libnvinfer.so.10")
        );
        assert_eq!(
            missing_library("CUDA failure 100: no CUDA-capable device is detected"),
            None
        );
    }

    #[test]
    fn cuda_errors_lose_the_cpp_signature() {
        let e = "/src/cuda_call.cc:154 std::conditional_t<THRW, void> onnxruntime::CudaCall(ERRTYPE) [with ERRTYPE = cudaError] \
                 CUDA failure 100: no CUDA-capable device is detected ; GPU=-1 ; hostname=vm ; file=/src/cuda_execution_provider.cc ; \
                 line=355 ; expr=cudaSetDevice(info_.device_id); ";
        assert_eq!(
            short_error(e),
            "CUDA failure 100: no CUDA-capable device is detected (cudaSetDevice(info_.device_id))"
        );
        assert_eq!(short_error(" other "), "other");
    }

    #[test]
    fn pip_layout_adds_the_nvidia_folders() {
        let dirs = library_dirs(Path::new(
            "/v/site-packages/onnxruntime/capi/libonnxruntime.so.1.31.1",
        ));
        assert!(dirs.contains(&PathBuf::from("/v/site-packages/onnxruntime/capi")));
        assert!(dirs.contains(&PathBuf::from("/v/site-packages/nvidia/cu13/lib")));
        assert!(dirs.contains(&PathBuf::from("/v/site-packages/nvidia/cudnn/lib")));
        assert!(
            library_dirs(Path::new("/r/.ort-gpu/libonnxruntime.so.1.31.1"))
                .contains(&PathBuf::from("/r/.ort-gpu"))
        );
    }

    #[test]
    fn tensorrt_needs_the_cuda_libraries_first() {
        let n = needed(Device::Tensorrt);
        assert_eq!(n[0], DRIVER_LIB);
        assert_eq!(&n[1..=CUDA_LIBS.len()], CUDA_LIBS);
        assert!(n.ends_with(TENSORRT_LIBS));
        assert!(needed(Device::Cpu).is_empty());
    }
}
