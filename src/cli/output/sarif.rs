//! `--format sarif`: SARIF 2.1.0, with every rule (help text, default level, tags), results with
//! locations, fingerprints robust to line moves, fixes, and for data-flow findings the way from
//! the source to the sink as a code flow (`codeFlows`: one thread flow whose locations are the
//! steps). Accepted by GitHub code scanning and validated in CI by Microsoft's SARIF multitool
//! (`.ci/sarif-validate.sh`).

use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value, json};

use super::{Located, Report};
use crate::analysis::Severity;
use crate::rules::{self, Rule};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: &str) -> &'static str {
    match severity {
        "error" => "error",
        "warning" => "warning",
        _ => "note",
    }
}

/// GitHub's `security-severity` (a CVSS-like score) from the rule's default severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Info => "3.0",
        Severity::Hint => "1.0",
    }
}

/// Percent-encode a path for a URI reference (RFC 3986: unreserved characters and `/` stay).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A `file://` URI for an absolute path.
pub fn file_uri(path: &Path, directory: bool) -> String {
    let mut text = path.to_string_lossy().replace('\\', "/");
    if !text.starts_with('/') {
        text.insert(0, '/');
    }
    if directory && !text.ends_with('/') {
        text.push('/');
    }
    format!("file://{}", encode_path(&text))
}

/// SARIF's friendly rule names are Pascal-case: `mark-safe-non-constant` → `MarkSafeNonConstant`.
fn pascal(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn rule_json(rule: &Rule) -> Value {
    let mut tags = vec!["security".to_string(), rule.family.as_str().to_string()];
    tags.extend(rule.peers.iter().map(|p| p.to_string()));
    json!({
        "id": rule.code,
        "name": pascal(rule.name),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": rule.render_markdown(), "markdown": rule.render_markdown() },
        "helpUri": rule.url(),
        "defaultConfiguration": { "level": level(rule.severity.as_str()) },
        "properties": {
            "tags": tags,
            "precision": "high",
            "security-severity": security_severity(rule.severity),
        },
    })
}

/// A relative URI under `SRCROOT` (the current folder) when possible, else an absolute one.
fn artifact(path: &str, root: &Path) -> Value {
    let p = Path::new(path);
    if p.is_absolute() {
        match p.strip_prefix(root) {
            Ok(rel) => json!({
                "uri": encode_path(&rel.to_string_lossy().replace('\\', "/")),
                "uriBaseId": "SRCROOT",
            }),
            Err(_) => json!({ "uri": file_uri(p, false) }),
        }
    } else {
        json!({ "uri": encode_path(path), "uriBaseId": "SRCROOT" })
    }
}

/// The source line the finding starts on, as the region's snippet.
fn with_snippet(mut region: Value, f: &Located, text: &str) -> Value {
    let line = text.lines().nth(f.line.saturating_sub(1)).unwrap_or("");
    if let Some(obj) = region.as_object_mut() {
        obj.insert("snippet".into(), json!({ "text": line }));
    }
    region
}

fn region(start: (usize, usize), end: (usize, usize)) -> Value {
    json!({
        "startLine": start.0,
        "startColumn": start.1,
        "endLine": end.0,
        "endColumn": end.1,
    })
}

fn result_json(f: &Located, text: &str, root: &Path) -> Value {
    let index = rules::ALL.iter().position(|r| r.code == f.code);
    let mut result = json!({
        "ruleId": f.code,
        "level": level(f.severity),
        "message": { "text": f.message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(&f.path, root),
                "region": with_snippet(region((f.line, f.column), (f.end.line, f.end.column)), f, text),
            }
        }],
        "partialFingerprints": { "djsec/v1": f.fingerprint },
    });
    if let (Some(i), Some(obj)) = (index, result.as_object_mut()) {
        obj.insert("ruleIndex".into(), json!(i));
    }
    if let (false, Some(obj)) = (f.steps.is_empty(), result.as_object_mut()) {
        obj.insert("codeFlows".into(), code_flows(f, root));
    }
    if let (Some(fix), Some(obj)) = (&f.fix, result.as_object_mut()) {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region((e.start.line, e.start.column), (e.end.line, e.end.column)),
                    "insertedContent": { "text": e.content },
                })
            })
            .collect();
        obj.insert(
            "fixes".into(),
            json!([{
                "description": { "text": format!("{} ({} fix)", fix.title, match fix.applicability {
                    crate::analysis::Applicability::Safe => "safe",
                    crate::analysis::Applicability::Unsafe => "unsafe",
                }) },
                "artifactChanges": [{
                    "artifactLocation": artifact(&f.path, root),
                    "replacements": replacements,
                }],
            }]),
        );
    }
    result
}

/// The steps of a data-flow finding as one SARIF code flow: a thread flow visiting each step,
/// the source first and the sink last.
fn code_flows(f: &Located, root: &Path) -> Value {
    let last = f.steps.len().saturating_sub(1);
    let locations: Vec<Value> = f
        .steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let kind = if i == 0 {
                "source"
            } else if i == last {
                "sink"
            } else {
                "step"
            };
            json!({
                "location": {
                    "physicalLocation": {
                        "artifactLocation": artifact(&f.path, root),
                        "region": region(
                            (step.start.line, step.start.column),
                            (step.end.line, step.end.column),
                        ),
                    },
                    "message": { "text": step.label },
                },
                "kinds": [kind],
                "nestingLevel": 0,
                "executionOrder": i + 1,
            })
        })
        .collect();
    let path: Vec<String> = f.steps.iter().map(|s| format!("`{}`", s.label)).collect();
    json!([{
        "message": { "text": path.join(" → ") },
        "threadFlows": [{ "locations": locations }],
    }])
}

pub fn document(report: &Report, root: &Path) -> Value {
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| json!({ "level": "error", "message": { "text": e } }))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "djsec",
                    "informationUri": "https://github.com/djsec/djsec",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules::ALL.iter().map(|r| rule_json(r)).collect::<Vec<_>>(),
                }
            },
            "originalUriBaseIds": {
                "SRCROOT": { "uri": file_uri(root, true) }
            },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": report
                .files
                .iter()
                .flat_map(|file| file.findings.iter().map(|f| result_json(f, file.text, root)))
                .collect::<Vec<_>>(),
        }]
    })
}

pub fn write(report: &Report, root: &Path, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(report, root)).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_flow_findings_carry_a_code_flow() {
        use crate::analysis::{Context, analyze_text};
        use crate::syntax::Language;

        let text = "import os\ndef v(request):\n    name = request.GET['f']\n    os.system('cat ' + name)\n";
        let findings = analyze_text(text, Language::Python, &Context::default());
        let located = super::super::locate("app/views.py", text, &findings);
        let report = Report {
            files: vec![super::super::FileOutput {
                path: "app/views.py",
                text,
                findings: &located,
            }],
            errors: &[],
            checked: 1,
            fixed: 0,
            baselined: 0,
            hidden: Default::default(),
            unsafe_fixes: false,
        };
        let doc = document(&report, Path::new("/srv"));
        let result = &doc["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "DJS601");
        let locations = &result["codeFlows"][0]["threadFlows"][0]["locations"];
        let labels: Vec<&str> = locations
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|l| l["location"]["message"]["text"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(labels, vec!["request.GET['f']", "name", "os.system()"]);
        assert_eq!(locations[0]["kinds"][0], "source");
        assert_eq!(locations[2]["kinds"][0], "sink");
        assert_eq!(
            locations[0]["location"]["physicalLocation"]["region"]["startLine"],
            3
        );
    }

    #[test]
    fn uris_are_encoded() {
        assert_eq!(encode_path("a b/ü#.py"), "a%20b/%C3%BC%23.py");
        assert_eq!(pascal("mark-safe-non-constant"), "MarkSafeNonConstant");
        assert_eq!(
            file_uri(Path::new("/srv/my app"), true),
            "file:///srv/my%20app/"
        );
    }
}
