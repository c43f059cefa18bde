//! libFuzzer entry for [`binhe_fuzz::intake_json`]; `make fuzz` runs it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    binhe_fuzz::intake_json(data);
});
