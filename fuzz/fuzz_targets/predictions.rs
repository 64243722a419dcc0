//! `cargo fuzz run predictions`: see [`tonebench_fuzz::predictions`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::predictions(data));
