//! `cargo fuzz run rule`: the gate rule language (`tonebench_core::gate::Rule::parse`) alone,
//! the whole input and each of its lines. Builds without the harness (`--no-default-features`).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tonebench_core::gate::Rule::parse(text);
        for line in text.lines() {
            let _ = tonebench_core::gate::Rule::parse(line);
        }
    }
});
