//! Fuzz target `roundtrip`: see `wirewright_tests::fuzz_cases::roundtrip`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_cases::roundtrip(data));
