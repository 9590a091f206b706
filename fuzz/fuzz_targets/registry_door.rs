#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| ecr_conformance::fuzzing::registry_door(data));
