//! libFuzzer entry for [`binhe_fuzz::grid_import`]; `make fuzz` runs it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    binhe_fuzz::grid_import(data);
});
