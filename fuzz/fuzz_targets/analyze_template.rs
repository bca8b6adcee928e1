//! Arbitrary bytes analysed as a Django template: the lexer accepts anything, analysis never
//! panics, and every finding and fix edit lies inside the text on character boundaries.
#![no_main]

use djsec::analysis::{self, Context};
use djsec::syntax::Language;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let findings = analysis::analyze_text(
        &text,
        Language::Template,
        &Context::for_path("app/templates/app/page.html"),
    );
    common::check_findings(&text, &findings);
});
