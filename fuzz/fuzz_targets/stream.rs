//! Fuzz target `stream`: see `wirewright_tests::fuzz_cases::stream`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_cases::stream(data));
