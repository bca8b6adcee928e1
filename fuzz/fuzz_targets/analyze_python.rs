//! Arbitrary bytes analysed as a Python module: parsing never fails, analysis never panics, and
//! every finding and fix edit lies inside the text on character boundaries.
#![no_main]

use djsec::analysis::{self, Context};
use djsec::syntax::Language;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let findings = analysis::analyze_text(&text, Language::Python, &Context::default());
    common::check_findings(&text, &findings);
    let settings = analysis::analyze_text(
        &text,
        Language::Python,
        &Context::for_path("project/settings.py"),
    );
    common::check_findings(&text, &settings);
});
