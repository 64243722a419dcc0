//! `cargo fuzz run wav`: see [`tonebench_fuzz::wav`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::wav(data));
