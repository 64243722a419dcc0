//! The `tonebench` binary: everything lives in the library.

fn main() {
    std::process::exit(tonebench::cli::main());
}
