//! libFuzzer entry for [`binhe_fuzz::work_orders`]; `make fuzz` runs it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    binhe_fuzz::work_orders(data);
});
