//! Fuzz target `evolution`: see `wirewright_tests::fuzz_cases::evolution`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_cases::evolution(data));
