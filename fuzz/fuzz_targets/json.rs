//! Fuzz target `json`: see `wirewright_tests::fuzz_cases::json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_cases::json(data));
