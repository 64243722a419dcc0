//! `cargo fuzz run segments`: see [`tonebench_fuzz::segments`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::segments(data));
