//! The `tonebench` binary: everything lives in the library.

fn main() {
    fixed_mmap_threshold();
    std::process::exit(tonebench::cli::main());
}

/// Pins glibc's mmap threshold at its initial 128 KiB (issue 15). By default glibc raises the
/// threshold each time a large block is freed (up to 32 MiB), so after polars frees the frame of
/// the items table every later large buffer comes from the heap, and what is freed there stays
/// resident: +45 MB peak RSS on a 1,000,000-item `score`. Pinned, each block of 128 KiB or more
/// is its own mapping, given back to the system when freed.
fn fixed_mmap_threshold() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
