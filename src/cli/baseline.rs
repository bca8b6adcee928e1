//! Baselines: `--write-baseline FILE` records today's findings; `--baseline FILE` hides them, so
//! only new findings fail the build.
//!
//! A finding is matched by its file (relative to the baseline file's folder), its code and a
//! fingerprint: a hash of the code, the text of its first line with whitespace collapsed, and the
//! text it covers, plus its rank among identical findings in the file. Line numbers are not part
//! of it, so adding or removing lines elsewhere, or re-indenting, keeps findings matched.

use std::collections::HashMap;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::analysis::{Finding, LineIndex};

/// FNV-1a, 64 bits: stable across platforms and Rust versions (unlike `DefaultHasher`).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The fingerprint of each finding of one file, in order.
pub fn fingerprints(text: &str, findings: &[Finding]) -> Vec<String> {
    if findings.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(text);
    let mut seen: HashMap<u64, usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let start = f.range.start.min(text.len());
            let line_start = lines.line_start(lines.line(start)).min(start);
            let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let line = collapse(text.get(line_start..line_end).unwrap_or(""));
            let covered: String = text
                .get(f.range.clone())
                .map(collapse)
                .unwrap_or_default()
                .chars()
                .take(256)
                .collect();
            let hash = fnv1a(&[f.code, &line, &covered]);
            let rank = seen.entry(hash).or_insert(0);
            let fp = format!("{hash:016x}:{rank}");
            *rank += 1;
            fp
        })
        .collect()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub tool: String,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub code: String,
    pub fingerprint: String,
    /// Where the finding was when the baseline was written (informative; not matched).
    #[serde(default)]
    pub line: usize,
    #[serde(default)]
    pub message: String,
}

/// A file's path as a baseline records it: relative to the baseline's folder, `/`-separated.
pub fn key_path(file: &Path, baseline_dir: &Path) -> String {
    let rel = file.strip_prefix(baseline_dir).unwrap_or(file);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(p) => Some(p.to_string_lossy().into_owned()),
            Component::RootDir => Some(String::new()),
            _ => None,
        })
        .collect();
    parts.join("/")
}

impl Baseline {
    pub fn new(findings: Vec<Entry>) -> Baseline {
        Baseline {
            version: 1,
            tool: "djsec".to_string(),
            findings,
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read the baseline: {e}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a djsec baseline: {e}", path.display()))?;
        if baseline.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (expected 1)",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("{}: cannot write the baseline: {e}", path.display()))
    }

    /// A matcher that consumes entries, so two identical new findings need two entries.
    pub fn matcher(&self) -> Matcher {
        let mut counts: HashMap<(String, String, String), usize> = HashMap::new();
        for e in &self.findings {
            *counts
                .entry((e.path.clone(), e.code.clone(), e.fingerprint.clone()))
                .or_insert(0) += 1;
        }
        Matcher { counts }
    }
}

pub struct Matcher {
    counts: HashMap<(String, String, String), usize>,
}

impl Matcher {
    /// Whether the baseline has this finding (and take it off).
    pub fn take(&mut self, path: &str, code: &str, fingerprint: &str) -> bool {
        let key = (path.to_string(), code.to_string(), fingerprint.to_string());
        match self.counts.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Context;
    use crate::analysis::analyze_text;
    use crate::syntax::Language;

    fn fps(src: &str) -> Vec<String> {
        let findings = analyze_text(src, Language::Python, &Context::default());
        assert!(!findings.is_empty(), "no findings in {src}");
        fingerprints(src, &findings)
    }

    const SRC: &str = "from django.utils.safestring import mark_safe\n\ndef v(request):\n    return mark_safe(request.GET['x'])\n\ndef w(request):\n    return mark_safe(request.GET['x'])\n";

    #[test]
    fn fingerprints_survive_line_moves_and_reindentation() {
        let before = fps(SRC);
        assert_eq!(before.len(), 2);
        assert_ne!(
            before[0], before[1],
            "identical findings get distinct ranks"
        );
        let moved = format!(
            "import os\n\n\n{}",
            SRC.replace("    return", "        return")
        );
        assert_eq!(fps(&moved), before);
    }

    #[test]
    fn fingerprints_change_when_the_code_changes() {
        let before = fps(SRC);
        let changed = SRC.replacen("request.GET['x']", "request.GET['y']", 1);
        let after = fps(&changed);
        assert_ne!(after[0], before[0]);
        assert_eq!(fnv1a(&["a", "b"]), fnv1a(&["a", "b"]));
        assert_ne!(fnv1a(&["ab", ""]), fnv1a(&["a", "b"]));
    }

    #[test]
    fn matcher_consumes_entries() {
        let entry = Entry {
            path: "a.py".into(),
            code: "DJS101".into(),
            fingerprint: "f:0".into(),
            line: 1,
            message: String::new(),
        };
        let mut m = Baseline::new(vec![entry]).matcher();
        assert!(m.take("a.py", "DJS101", "f:0"));
        assert!(!m.take("a.py", "DJS101", "f:0"));
        assert!(!m.take("b.py", "DJS101", "f:0"));
    }

    #[test]
    fn key_paths_are_relative_and_slash_separated() {
        assert_eq!(
            key_path(Path::new("/p/app/v.py"), Path::new("/p")),
            "app/v.py"
        );
        assert_eq!(key_path(Path::new("/q/v.py"), Path::new("/p")), "/q/v.py");
    }
}
