//! Fuzz target `hello`: see `wirewright_tests::fuzz_hello::hello`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirewright_tests::fuzz_hello::hello(data));
