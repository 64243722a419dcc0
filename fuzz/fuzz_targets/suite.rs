//! `cargo fuzz run suite`: see [`tonebench_fuzz::suite`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::suite(data));
