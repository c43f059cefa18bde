//! libFuzzer entry for [`binhe_fuzz::survey_files`]; `make fuzz` runs it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    binhe_fuzz::survey_files(data);
});
