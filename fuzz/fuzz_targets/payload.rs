//! Fuzz target `payload`: see `wirewright_tests::fuzz_cases::payload`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_cases::payload(data));
