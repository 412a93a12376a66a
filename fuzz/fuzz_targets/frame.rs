//! Fuzz target `frame`: see `wirewright_tests::fuzz_cases::frame`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_cases::frame(data));
