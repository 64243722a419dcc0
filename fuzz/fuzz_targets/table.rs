//! `cargo fuzz run table`: see [`tonebench_fuzz::table`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::table(data));
