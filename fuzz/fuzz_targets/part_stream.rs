#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ecr_conformance::fuzzing::part_stream(data));
