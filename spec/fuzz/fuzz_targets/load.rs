//! Arbitrary bytes, read as UTF-8 (lossy), to `spec::load_str`: it must
//! return `Ok` or `Err`, never panic. `spec/tests/no_panic.rs` runs the same
//! call on a fixed corpus of mutated specs in `cargo test`.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = spec::load_str(Path::new("fuzz.yaml"), &text);
});
