#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| promgate::fuzzing::run("catalog_reader", data));
