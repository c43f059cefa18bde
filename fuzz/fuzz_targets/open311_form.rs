//! libFuzzer entry for [`binhe_fuzz::open311_form`]; `make fuzz` runs it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    binhe_fuzz::open311_form(data);
});
