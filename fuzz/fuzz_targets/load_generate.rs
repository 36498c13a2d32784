//! Arbitrary bytes through the whole generator: load (YAML, or JSON when the
//! input starts with `{`), lower, emit every part. Any outcome but a panic
//! (or a hang) is fine: bad input must come back as an `Err`.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let name = if text.trim_start().starts_with('{') {
        "fuzz.json"
    } else {
        "fuzz.yaml"
    };
    let Ok(doc) = berth_codegen::load::parse(text, Path::new(name)) else {
        return;
    };
    let _ = berth_codegen::Builder::new()
        .emit_cli(true)
        .render_document(&doc, name);
});
