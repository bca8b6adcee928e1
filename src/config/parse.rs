//! Reading a configuration file (or the editor's JSON settings) into a [`Layer`], with errors
//! that name the file, the line and the key.

use std::ops::Range;
use std::path::Path;

use super::value::{Kind, Node, table_entries};
use super::{ConfigError, Layer, Selector, paths};
use crate::analysis::{LineIndex, Severity};
use crate::rules::meta::suppression::ExternalSuppressions;

/// Every key a configuration file may contain (the `docs/configuration.md` reference).
pub const KEYS: &[&str] = &[
    "select",
    "extend-select",
    "ignore",
    "severity",
    "per-file-ignores",
    "exclude",
    "respect-gitignore",
    "external-suppressions",
    "production-settings",
    "development-settings",
    "auth-decorators",
    "auth-mixins",
    "public-views",
    "sanitizers",
    "sql-sinks",
    "request-attributes",
    "tainted-attributes",
    "min-severity",
    "fail-on",
    "cache-dir",
    "taint-sinks",
    "taint-sanitizers",
];

/// Read and parse a configuration file. `Ok(None)`: a `pyproject.toml` without `[tool.djsec]`.
pub fn load_file(path: &Path) -> Result<Option<Layer>, Vec<ConfigError>> {
    match std::fs::read(path) {
        Ok(bytes) => parse_text(path, &String::from_utf8_lossy(&bytes)),
        Err(err) => Err(vec![ConfigError {
            path: Some(path.to_path_buf()),
            line: 0,
            column: 0,
            range: 0..0,
            key: String::new(),
            message: format!("cannot read the configuration: {err}"),
        }]),
    }
}

/// Parse the text of a configuration file named `path` (its name decides where the settings are:
/// `[tool.djsec]` in `pyproject.toml`, the top level elsewhere).
pub fn parse_text(path: &Path, text: &str) -> Result<Option<Layer>, Vec<ConfigError>> {
    let mut v = Validator::new(Some(path), text, true);
    let root = match toml::de::DeTable::parse(text) {
        Ok(root) => root,
        Err(err) => {
            let span = err.span().unwrap_or(0..0);
            let message = err.message().trim().to_string();
            v.error("", span, format!("invalid TOML: {message}"));
            return Err(v.errors);
        }
    };
    let is_pyproject = path.file_name().is_some_and(|n| n == "pyproject.toml");
    let entries = table_entries(root.get_ref(), 0);
    let (prefix, entries) = if is_pyproject {
        let tool = entries.into_iter().find(|(k, _, _)| k == "tool");
        let Some((
            _,
            _,
            Node {
                kind: Kind::Table(tool),
                ..
            },
        )) = tool
        else {
            return Ok(None);
        };
        let Some((_, key_span, node)) = tool.into_iter().find(|(k, _, _)| k == "djsec") else {
            return Ok(None);
        };
        match node.kind {
            Kind::Table(entries) => ("tool.djsec.", entries),
            _ => {
                let found = node.type_name();
                v.error(
                    "tool.djsec",
                    key_span,
                    format!("must be a table, not {found}"),
                );
                return Err(v.errors);
            }
        }
    } else {
        ("", entries)
    };
    let layer = v.layer(prefix, &entries);
    v.errors.sort_by_key(|e| e.range.start);
    if v.errors.is_empty() {
        Ok(Some(layer))
    } else {
        Err(v.errors)
    }
}

/// Read the editor's settings object (keys in camelCase or kebab-case; unknown keys ignored,
/// since editors send settings of their own). Returns what was valid and the errors.
pub fn layer_from_json(value: &serde_json::Value) -> (Layer, Vec<ConfigError>) {
    let mut v = Validator::new(None, "", false);
    let node = Node::from_json(value);
    let layer = match node.kind {
        Kind::Table(entries) => {
            let entries: Vec<_> = entries
                .into_iter()
                .map(|(k, span, mut node)| {
                    // VS Code sends `select: []` when the user set nothing: not an override.
                    if matches!(&node.kind, Kind::Array(a) if a.is_empty()) && k == "select" {
                        node.kind = Kind::Other("unset");
                    }
                    (kebab(&k), span, node)
                })
                .filter(|(_, _, n)| !matches!(n.kind, Kind::Other("unset" | "null")))
                .collect();
            v.layer("", &entries)
        }
        _ => Layer::default(),
    };
    (layer, v.errors)
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let old = row[j + 1];
            row[j + 1] = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(prev + usize::from(ca != *cb));
            prev = old;
        }
    }
    row[b.len()]
}

/// `extendSelect` → `extend-select`.
fn kebab(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else if c == '_' {
            out.push('-');
        } else {
            out.push(c);
        }
    }
    out
}

struct Validator<'a> {
    path: Option<&'a Path>,
    lines: LineIndex,
    text: &'a str,
    strict: bool,
    errors: Vec<ConfigError>,
}

impl<'a> Validator<'a> {
    fn new(path: Option<&'a Path>, text: &'a str, strict: bool) -> Self {
        Validator {
            path,
            lines: LineIndex::new(text),
            text,
            strict,
            errors: Vec::new(),
        }
    }

    fn error(&mut self, key: &str, span: Range<usize>, message: String) {
        let (line, column) = if self.path.is_some() {
            self.lines.line_col(self.text, span.start)
        } else {
            (0, 0)
        };
        self.errors.push(ConfigError {
            path: self.path.map(Path::to_path_buf),
            line,
            column,
            range: span,
            key: key.to_string(),
            message,
        });
    }

    fn layer(&mut self, prefix: &str, entries: &[(String, Range<usize>, Node)]) -> Layer {
        let mut layer = Layer::default();
        for (name, key_span, node) in entries {
            let key = format!("{prefix}{name}");
            match name.as_str() {
                "select" => layer.select = Some(self.selectors(&key, node)),
                "extend-select" => layer.extend_select = self.selectors(&key, node),
                "ignore" => layer.ignore = self.selectors(&key, node),
                "severity" => layer.severity = self.severity(&key, node),
                "per-file-ignores" => layer.per_file_ignores = self.per_file_ignores(&key, node),
                "exclude" => layer.exclude = self.globs(&key, node),
                "respect-gitignore" => layer.respect_gitignore = self.boolean(&key, node),
                "external-suppressions" => {
                    layer.external_suppressions = Some(self.external(&key, node))
                }
                "production-settings" => layer.production_settings = self.globs(&key, node),
                "development-settings" => layer.development_settings = self.globs(&key, node),
                "auth-decorators" => layer.auth_decorators = self.names(&key, node, false),
                "auth-mixins" => layer.auth_mixins = self.names(&key, node, false),
                "public-views" => layer.public_views = self.names(&key, node, true),
                "sanitizers" => layer.sanitizers = self.names(&key, node, false),
                "sql-sinks" => layer.sql_sinks = self.names(&key, node, false),
                "request-attributes" => layer.request_attributes = self.names(&key, node, false),
                "tainted-attributes" => layer.tainted_attributes = self.names(&key, node, false),
                "min-severity" => layer.min_severity = self.level(&key, node),
                "fail-on" => layer.fail_on = self.level(&key, node),
                "cache-dir" => layer.cache_dir = self.string(&key, node),
                "taint-sinks" => layer.taint_sinks = self.taint_table(&key, node, true),
                "taint-sanitizers" => layer.taint_sanitizers = self.taint_table(&key, node, false),
                _ if self.strict => {
                    let hint = KEYS
                        .iter()
                        .find(|k| **k == kebab(name) || edit_distance(k, name) <= 2)
                        .map(|k| format!("; did you mean `{k}`?"))
                        .unwrap_or_else(|| format!("; known keys: {}", KEYS.join(", ")));
                    self.error(&key, key_span.clone(), format!("unknown key{hint}"));
                }
                _ => {}
            }
        }
        layer
    }

    fn strings<'n>(&mut self, key: &str, node: &'n Node) -> Vec<(&'n str, Range<usize>)> {
        match &node.kind {
            Kind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match &item.kind {
                        Kind::Str(s) => out.push((s.as_str(), item.span.clone())),
                        _ => {
                            let found = item.type_name();
                            self.error(
                                key,
                                item.span.clone(),
                                format!("must be an array of strings, but an item is {found}"),
                            );
                        }
                    }
                }
                out
            }
            _ => {
                let found = node.type_name();
                self.error(
                    key,
                    node.span.clone(),
                    format!("must be an array of strings, not {found}"),
                );
                Vec::new()
            }
        }
    }

    fn selector_list(&mut self, key: &str, items: Vec<(&str, Range<usize>)>) -> Vec<Selector> {
        let mut out = Vec::new();
        for (text, span) in items {
            match Selector::parse(text) {
                Some(s) => out.push(s),
                None => self.error(
                    key,
                    span,
                    format!(
                        "`{text}` is not a rule code, code prefix (DJS1), rule name, family \
                         (xss, sql, access, settings, templates, meta, injection, auth) or ALL"
                    ),
                ),
            }
        }
        out
    }

    fn selectors(&mut self, key: &str, node: &Node) -> Vec<Selector> {
        let items = self.strings(key, node);
        self.selector_list(key, items)
    }

    fn table<'n>(&mut self, key: &str, node: &'n Node) -> &'n [(String, Range<usize>, Node)] {
        match &node.kind {
            Kind::Table(entries) => entries,
            _ => {
                let found = node.type_name();
                self.error(
                    key,
                    node.span.clone(),
                    format!("must be a table, not {found}"),
                );
                &[]
            }
        }
    }

    fn severity(&mut self, key: &str, node: &Node) -> Vec<(Selector, Severity)> {
        let mut out = Vec::new();
        for (name, span, value) in self.table(key, node) {
            let entry_key = format!("{key}.{name}");
            let selector = self.selector_list(&entry_key, vec![(name.as_str(), span.clone())]);
            let level = match &value.kind {
                Kind::Str(s) => Severity::parse(s.trim()),
                _ => None,
            };
            match level {
                Some(level) => out.extend(selector.into_iter().map(|s| (s, level))),
                None => self.error(
                    &entry_key,
                    value.span.clone(),
                    "must be \"error\", \"warning\", \"info\" or \"hint\"".to_string(),
                ),
            }
        }
        out
    }

    /// A severity level: `"error"`, `"warning"`, `"info"` or `"hint"`.
    fn level(&mut self, key: &str, node: &Node) -> Option<Severity> {
        let level = match &node.kind {
            Kind::Str(s) => Severity::parse(s.trim()),
            _ => None,
        };
        if level.is_none() {
            self.error(
                key,
                node.span.clone(),
                "must be \"error\", \"warning\", \"info\" or \"hint\"".to_string(),
            );
        }
        level
    }

    fn per_file_ignores(&mut self, key: &str, node: &Node) -> Vec<(String, Vec<Selector>)> {
        let mut out = Vec::new();
        for (pattern, span, value) in self.table(key, node) {
            let entry_key = format!("{key}.\"{pattern}\"");
            if let Err(err) = paths::check(pattern) {
                self.error(&entry_key, span.clone(), format!("invalid glob: {err}"));
                continue;
            }
            let selectors = self.selectors(&entry_key, value);
            out.push((pattern.clone(), selectors));
        }
        out
    }

    fn globs(&mut self, key: &str, node: &Node) -> Vec<String> {
        let mut out = Vec::new();
        for (text, span) in self.strings(key, node) {
            match paths::check(text) {
                Ok(()) if !text.trim().is_empty() => out.push(text.trim().to_string()),
                Ok(()) => self.error(key, span, "empty pattern".to_string()),
                Err(err) => self.error(key, span, format!("invalid glob `{text}`: {err}")),
            }
        }
        out
    }

    fn string(&mut self, key: &str, node: &Node) -> Option<String> {
        match &node.kind {
            Kind::Str(s) => Some(s.clone()),
            _ => {
                let found = node.type_name();
                self.error(
                    key,
                    node.span.clone(),
                    format!("must be a string, not {found}"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str, node: &Node) -> Option<bool> {
        match node.kind {
            Kind::Bool(b) => Some(b),
            _ => {
                let found = node.type_name();
                self.error(
                    key,
                    node.span.clone(),
                    format!("must be true or false, not {found}"),
                );
                None
            }
        }
    }

    fn external(&mut self, key: &str, node: &Node) -> ExternalSuppressions {
        let mut out = ExternalSuppressions::default();
        for (text, span) in self.strings(key, node) {
            if !out.enable(text) {
                self.error(
                    key,
                    span,
                    format!("`{text}` is not one of \"bandit\", \"ruff\", \"semgrep\", \"sonar\""),
                );
            }
        }
        out
    }

    /// `taint-sinks` / `taint-sanitizers`: a table from a kind (`command`, `path`, ...) to
    /// qualified names; a sink may name its argument (`myapp.files.read:1`,
    /// `myapp.files.read:path`, `myapp.files.read:1:path`; the first argument by default).
    fn taint_table(&mut self, key: &str, node: &Node, sinks: bool) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let kinds: Vec<&str> = crate::semantic::SinkKind::CONFIGURABLE
            .iter()
            .map(|(n, _)| *n)
            .chain(
                if sinks {
                    &[][..]
                } else {
                    &["html", "sql", "redirect", "template"][..]
                }
                .iter()
                .copied(),
            )
            .collect();
        for (kind, span, value) in self.table(key, node) {
            let entry_key = format!("{key}.{kind}");
            if !kinds.contains(&kind.as_str()) {
                self.error(
                    &entry_key,
                    span.clone(),
                    format!("unknown kind; known kinds: {}", kinds.join(", ")),
                );
                continue;
            }
            for (text, span) in self.strings(&entry_key, value) {
                let text = text.trim();
                let (name, argument) = text.split_once(':').unwrap_or((text, ""));
                let valid_name = !name.is_empty()
                    && name.split('.').all(|part| {
                        !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                    });
                let valid_argument = argument.is_empty()
                    || (sinks
                        && argument.split(':').count() <= 2
                        && argument.split(':').all(|a| {
                            !a.is_empty() && a.chars().all(|c| c.is_alphanumeric() || c == '_')
                        }));
                if valid_name && valid_argument {
                    out.push((kind.clone(), text.to_string()));
                } else if sinks {
                    self.error(
                        &entry_key,
                        span,
                        format!(
                            "`{text}` is not a dotted Python name with an optional argument, like `myapp.files.read`, `myapp.files.read:1` or `myapp.files.read:path`"
                        ),
                    );
                } else {
                    self.error(
                        &entry_key,
                        span,
                        format!("`{text}` is not a dotted Python name like `myapp.module.name`"),
                    );
                }
            }
        }
        out
    }

    /// Qualified Python names (`myapp.auth.staff_required`); `*` allowed when `wildcards`.
    fn names(&mut self, key: &str, node: &Node, wildcards: bool) -> Vec<String> {
        let mut out = Vec::new();
        for (text, span) in self.strings(key, node) {
            let t = text.trim();
            let valid = !t.is_empty()
                && t.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_' || (wildcards && c == '*'))
                });
            if valid {
                out.push(t.to_string());
            } else {
                self.error(
                    key,
                    span,
                    format!("`{text}` is not a dotted Python name like `myapp.module.name`"),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::Family;

    fn parse(name: &str, text: &str) -> Result<Option<Layer>, Vec<ConfigError>> {
        parse_text(Path::new(name), text)
    }

    #[test]
    fn reads_every_key() {
        let text = r#"
[project]
name = "x"

[tool.other]
anything = 1

[tool.djsec]
select = ["xss", "DJS2"]
extend-select = ["DJS901"]
ignore = ["mark-safe-non-constant"]
exclude = ["migrations", "legacy/*.py"]
respect-gitignore = false
external-suppressions = ["bandit", "ruff"]
production-settings = ["mysite.settings.prod"]
development-settings = ["mysite/settings/dev.py"]
auth-decorators = ["myapp.auth.staff_required"]
auth-mixins = ["myapp.views.StaffRequiredMixin"]
public-views = ["myapp.views.health", "myapp.public.*"]
sanitizers = ["myapp.html.clean"]
sql-sinks = ["myapp.db.run"]
request-attributes = ["json"]
tainted-attributes = ["payload"]
min-severity = "hint"
fail-on = "error"

[tool.djsec.severity]
DJS201 = "warning"
sql = "info"

[tool.djsec.per-file-ignores]
"tests/**" = ["DJS1"]

[tool.djsec.taint-sinks]
command = ["myapp.shell.run"]
path = ["myapp.files.read:1", "myapp.files.write:1:path"]

[tool.djsec.taint-sanitizers]
csv = ["myapp.export.cell"]
"#;
        let layer = match parse("pyproject.toml", text) {
            Ok(Some(layer)) => layer,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(
            layer.select,
            Some(vec![
                Selector::Family(Family::Xss),
                Selector::Prefix("DJS2".into())
            ])
        );
        assert_eq!(layer.ignore, vec![Selector::Prefix("DJS101".into())]);
        assert_eq!(layer.severity.len(), 2);
        assert_eq!(layer.per_file_ignores.len(), 1);
        assert_eq!(layer.respect_gitignore, Some(false));
        let ext = layer.external_suppressions.unwrap_or_default();
        assert!(ext.bandit && ext.ruff && !ext.semgrep && !ext.sonar);
        assert_eq!(layer.public_views.len(), 2);
        assert_eq!(layer.request_attributes, vec!["json".to_string()]);
        assert_eq!(layer.min_severity, Some(Severity::Hint));
        assert_eq!(layer.fail_on, Some(Severity::Error));
        assert_eq!(layer.taint_sinks.len(), 3);
        assert_eq!(
            layer.taint_sanitizers,
            vec![("csv".to_string(), "myapp.export.cell".to_string())]
        );
    }

    #[test]
    fn gate_levels_must_be_severities() {
        let errors = parse("djsec.toml", "min-severity = \"loud\"\nfail-on = 2\n")
            .err()
            .unwrap_or_default();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 2, "{shown:?}");
        assert!(
            shown[0].contains(":1:16: `min-severity`: must be \"error\""),
            "{shown:?}"
        );
        assert!(shown[1].contains(":2:11: `fail-on`: must be"), "{shown:?}");
    }

    #[test]
    fn taint_tables_are_checked() {
        let text = "[taint-sinks]\nshell = [\"a.b\"]\npath = [\"a.b:1:2:3\", \"not a name\"]\n[taint-sanitizers]\nsql = [\"a.b:1\"]\n";
        let errors = parse("djsec.toml", text).err().unwrap_or_default();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert!(
            shown[0]
                .contains("`taint-sinks.shell`: unknown kind; known kinds: command, code, path"),
            "{shown:?}"
        );
        assert!(
            shown[1].contains("`a.b:1:2:3` is not a dotted Python name with an optional argument"),
            "{shown:?}"
        );
        assert!(shown[2].contains("`not a name`"), "{shown:?}");
        assert!(
            shown[3].contains("`taint-sanitizers.sql`: `a.b:1` is not a dotted Python name"),
            "{shown:?}"
        );
    }

    #[test]
    fn pyproject_without_tool_djsec_is_not_a_config() {
        assert_eq!(
            parse("pyproject.toml", "[tool.ruff]\nselect = []\n"),
            Ok(None)
        );
        assert_eq!(parse("pyproject.toml", ""), Ok(None));
        assert!(matches!(parse("djsec.toml", ""), Ok(Some(_))));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let text = "[tool.djsec]\nselect = [\"DJS1\"]\nselct = [\"x\"]\nignore = \"DJS101\"\n\n[tool.djsec.severity]\nDJS101 = \"loud\"\n";
        let errors = parse("pyproject.toml", text).err().unwrap_or_default();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 3, "{shown:?}");
        assert!(
            shown[0].starts_with(
                "pyproject.toml:3:1: `tool.djsec.selct`: unknown key; did you mean `select`?"
            ),
            "{shown:?}"
        );
        assert!(shown[1].starts_with("pyproject.toml:4:10: `tool.djsec.ignore`: must be an array of strings, not a string"), "{shown:?}");
        assert!(
            shown[2].starts_with("pyproject.toml:7:10: `tool.djsec.severity.DJS101`: must be"),
            "{shown:?}"
        );
    }

    #[test]
    fn bad_values_are_reported() {
        let text = "select = [\"DJS1\", \"S308\", 3]\nexclude = [\"[\"]\nsanitizers = [\"not a name\"]\nexternal-suppressions = [\"pylint\"]\nextend_select = []\n";
        let errors = parse("djsec.toml", text).err().unwrap_or_default();
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 6, "{shown:?}");
        assert!(
            shown[0].contains(":1:19: `select`: `S308` is not a rule code"),
            "{shown:?}"
        );
        assert!(
            shown[1].contains(
                ":1:27: `select`: must be an array of strings, but an item is an integer"
            ),
            "{shown:?}"
        );
        assert!(
            shown[2].contains(":2:12: `exclude`: invalid glob"),
            "{shown:?}"
        );
        assert!(shown[3].contains(":3:15: `sanitizers`"), "{shown:?}");
        assert!(
            shown[4].contains(":4:26: `external-suppressions`: `pylint`"),
            "{shown:?}"
        );
        assert!(
            shown[5].contains(":5:1: `extend_select`: unknown key; did you mean `extend-select`?"),
            "{shown:?}"
        );
    }

    #[test]
    fn invalid_toml_is_located() {
        let errors = parse(".djsec.toml", "select = [\n")
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].line >= 1 && errors[0].message.starts_with("invalid TOML"));
        let errors = parse("pyproject.toml", "[tool]\ndjsec = 3\n")
            .err()
            .unwrap_or_default();
        assert_eq!(
            errors[0].to_string(),
            "pyproject.toml:2:1: `tool.djsec`: must be a table, not an integer"
        );
    }

    #[test]
    fn editor_json_accepts_camel_case_and_ignores_unknown_keys() {
        let (layer, errors) = layer_from_json(&serde_json::json!({
            "enable": true, "trace": "off", "select": [], "ignore": ["DJS2"],
            "extendSelect": ["DJS101"], "severity": {"DJS101": "information"},
            "externalSuppressions": ["semgrep"], "perFileIgnores": {"tests/**": ["xss"]}
        }));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(layer.select, None);
        assert_eq!(layer.ignore, vec![Selector::Prefix("DJS2".into())]);
        assert_eq!(layer.extend_select, vec![Selector::Prefix("DJS101".into())]);
        assert_eq!(
            layer.severity,
            vec![(Selector::Prefix("DJS101".into()), Severity::Info)]
        );
        assert!(layer.external_suppressions.is_some_and(|e| e.semgrep));
        assert_eq!(layer.per_file_ignores.len(), 1);
        let (_, errors) = layer_from_json(&serde_json::json!({"select": "DJS1"}));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].to_string(),
            "`select`: must be an array of strings, not a string"
        );
    }
}
