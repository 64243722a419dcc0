//! `cargo fuzz run gate`: see [`tonebench_fuzz::gate`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::gate(data));
