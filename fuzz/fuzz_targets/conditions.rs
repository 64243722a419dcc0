//! `cargo fuzz run conditions`: see [`tonebench_fuzz::conditions`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::conditions(data));
