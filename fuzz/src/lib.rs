//! Fuzz targets for wirewright live in `fuzz_targets/` (see the fuzzing issue).
