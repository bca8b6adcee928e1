//! `docs/rules/CODE.md` (where diagnostics' `codeDescription` links point) must match the rule
//! registry. Regenerate with `DJSEC_UPDATE_DOCS=1 cargo test --test docs`.

use std::path::Path;

use djsec::rules;

fn render_index() -> String {
    let mut out = String::from(
        "# djsec rules\n\nGenerated from the rule registry (`DJSEC_UPDATE_DOCS=1 cargo test --test docs`).\n\n| code | name | family | severity | fix | summary |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for r in rules::ALL {
        out.push_str(&format!(
            "| [{code}]({code}.md) | {} | {} | {} | {} | {} |\n",
            r.name,
            r.family.as_str(),
            r.severity.as_str(),
            match r.fix {
                rules::FixAvailability::None => "no",
                rules::FixAvailability::Sometimes => "sometimes",
                rules::FixAvailability::Always => "always",
            },
            r.summary.replace('|', "\\|"),
            code = r.code,
        ));
    }
    out
}

#[test]
fn rule_docs_are_in_sync() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let update = std::env::var_os("DJSEC_UPDATE_DOCS").is_some();
    let mut expected: Vec<(String, String)> = rules::ALL
        .iter()
        .map(|r| (format!("{}.md", r.code), r.render_markdown()))
        .collect();
    expected.push(("README.md".to_string(), render_index()));
    if update {
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        if let Ok(entries) = std::fs::read_dir(&dir) {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        for (name, text) in &expected {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &expected {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if &on_disk != text {
            stale.push(name.clone());
        }
    }
    let mut extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !expected.iter().any(|(x, _)| x == n))
                .collect()
        })
        .unwrap_or_default();
    extra.sort();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/rules is out of date (stale: {stale:?}, extra: {extra:?}); run `DJSEC_UPDATE_DOCS=1 cargo test --test docs`"
    );
}
