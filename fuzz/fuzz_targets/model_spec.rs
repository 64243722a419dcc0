//! `cargo fuzz run model_spec`: see [`tonebench_fuzz::model_spec`].
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| tonebench_fuzz::model_spec(data));
