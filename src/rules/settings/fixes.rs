//! Edits the settings quick-fixes share: replace a value, read a setting from the environment
//! with a safe default (adding `import os` when needed), insert an element into a list literal,
//! append a block of settings.

use tree_sitter::Node;

use super::Settings;
use crate::analysis::Edit;
use crate::project::value::EnvStyle;
use crate::project::{Kind, Value};
use crate::semantic::node;

/// The node spanning exactly `range` in the file being analysed (the outermost such node).
pub fn node_at<'t>(settings: &Settings<'_, 't>, range: std::ops::Range<usize>) -> Option<Node<'t>> {
    let mut n = settings
        .checker
        .model
        .tree
        .descendant_for_byte_range(range.start, range.end)?;
    if n.byte_range() != range {
        return None;
    }
    while let Some(p) = n.parent() {
        if p.byte_range() == range && p.kind() != "module" {
            n = p;
        } else {
            break;
        }
    }
    Some(n)
}

/// Replace a value written in this file (`X = <value>`) with `text`.
pub fn replace_value(settings: &Settings, value: &Value, text: &str) -> Option<Edit> {
    let loc = value.loc.as_ref().filter(|l| l.file == settings.file)?;
    // Only replace a whole expression, never part of a token.
    node_at(settings, loc.span.clone())?;
    Some(Edit::replace(loc.span.clone(), text))
}

/// How the file reads the environment, by what it already has in scope.
pub enum EnvApi {
    /// A django-environ or environs reader named `.0` (`env`).
    Reader(String, EnvStyle),
    /// python-decouple's `config`, by its local name.
    Decouple(String),
    /// `os`, by its local name; `import os` is added when it is not in scope.
    Os(String, Option<Edit>),
}

/// The environment API to use in this file: the one it already uses, else `os`.
pub fn env_api(settings: &Settings) -> EnvApi {
    if let Some(ns) = settings.own_namespace() {
        let mut names: Vec<&String> = ns.names.keys().collect();
        names.sort_by_key(|n| (n.as_str() != "env", n.len(), n.as_str()));
        for name in &names {
            if let Some(b) = ns.names.get(*name)
                && let Kind::EnvReader(reader) = &b.value.kind
                && reader.style != EnvStyle::Decouple
            {
                return EnvApi::Reader((*name).clone(), reader.style);
            }
        }
        for name in &names {
            if let Some(b) = ns.names.get(*name)
                && matches!(&b.value.kind, Kind::Ref(q) if q == "decouple.config")
            {
                return EnvApi::Decouple((*name).clone());
            }
        }
        for name in &names {
            if let Some(b) = ns.names.get(*name)
                && matches!(&b.value.kind, Kind::Ref(q) if q == "os")
            {
                return EnvApi::Os((*name).clone(), None);
            }
        }
    }
    EnvApi::Os("os".to_string(), Some(import_os(settings)))
}

/// The edit adding `import os`: before the first top-level import, else after the module
/// docstring and leading comments.
fn import_os(settings: &Settings) -> Edit {
    let src = settings.source();
    let top: Vec<Node> = settings.checker.model.tree.named_top_level();
    if let Some(first_import) = top.iter().find(|s| {
        matches!(s.kind(), "import_statement" | "import_from_statement")
            && s.start_position().column == 0
    }) {
        return Edit::insert(first_import.start_byte(), "import os\n");
    }
    let first_code = top.iter().find(|s| s.kind() != "comment");
    match first_code {
        Some(doc)
            if doc.kind() == "expression_statement"
                && doc.named_child(0).is_some_and(|c| c.kind() == "string") =>
        {
            let end = line_end_after(src, doc.end_byte());
            let prefix = if end == src.len() && !src.ends_with('\n') {
                "\n"
            } else {
                ""
            };
            Edit::insert(end, format!("{prefix}import os\n"))
        }
        // No import yet: the new one is set off from the settings by a blank line.
        Some(stmt) => Edit::insert(node::line_start(src, stmt.start_byte()), "import os\n\n"),
        None => Edit::insert(src.len(), "import os\n"),
    }
}

fn line_end_after(src: &str, byte: usize) -> usize {
    let byte = byte.min(src.len());
    src[byte..].find('\n').map_or(src.len(), |i| byte + i + 1)
}

/// An expression reading a boolean from the environment, `False` unless set to true, and the
/// import it needs.
pub fn env_bool(settings: &Settings, var: &str) -> (String, Option<Edit>) {
    match env_api(settings) {
        EnvApi::Reader(env, _) => (format!("{env}.bool({var:?}, default=False)"), None),
        EnvApi::Decouple(config) => (format!("{config}({var:?}, default=False, cast=bool)"), None),
        EnvApi::Os(os, import) => (
            format!("{os}.environ.get({var:?}, \"\").lower() == \"true\""),
            import,
        ),
    }
}

/// An expression reading a required value from the environment (no default: a missing variable
/// stops the application), and the import it needs.
pub fn env_required(settings: &Settings, var: &str) -> (String, Option<Edit>) {
    match env_api(settings) {
        EnvApi::Reader(env, _) => (format!("{env}({var:?})"), None),
        EnvApi::Decouple(config) => (format!("{config}({var:?})"), None),
        EnvApi::Os(os, import) => (format!("{os}.environ[{var:?}]"), import),
    }
}

/// An expression reading a comma-separated list from the environment, `default` when unset.
pub fn env_list(settings: &Settings, var: &str, default: &str) -> (String, Option<Edit>) {
    match env_api(settings) {
        EnvApi::Reader(env, EnvStyle::Environ) => {
            (format!("{env}.list({var:?}, default=[{default:?}])"), None)
        }
        EnvApi::Reader(env, _) => (format!("{env}.list({var:?}, [{default:?}])"), None),
        EnvApi::Decouple(config) => (
            format!("{config}({var:?}, default={default:?}).split(\",\")"),
            None,
        ),
        EnvApi::Os(os, import) => (
            format!("{os}.environ.get({var:?}, {default:?}).split(\",\")"),
            import,
        ),
    }
}

/// For a value that is the default of an environment read in this file, the edit replacing that
/// default (`default=True` → `default=False`, `getenv("X", "1")` → `getenv("X", "")`).
pub fn replace_env_default(settings: &Settings, value: &Value, text: &str) -> Option<Edit> {
    value.env.as_ref()?;
    let loc = value.loc.as_ref().filter(|l| l.file == settings.file)?;
    let call = node_at(settings, loc.span.clone())?;
    let call = node::unparenthesize(call);
    if call.kind() != "call" {
        return None;
    }
    let src = settings.source();
    if let Some(default) = node::keyword_arg(call, "default", src) {
        return Some(Edit::replace(default.byte_range(), text));
    }
    let positional = node::positional_args(call);
    let default = positional.get(1)?;
    Some(Edit::replace(default.byte_range(), text))
}

/// Insert `item` (Python source) as element `index` of the list or tuple literal `value`
/// written in this file, following its layout (one element per line or all on one line).
pub fn insert_item(settings: &Settings, value: &Value, index: usize, item: &str) -> Option<Edit> {
    let loc = value.loc.as_ref().filter(|l| l.file == settings.file)?;
    let list = node_at(settings, loc.span.clone())?;
    if !matches!(list.kind(), "list" | "tuple") {
        return None;
    }
    let src = settings.source();
    let mut cursor = list.walk();
    let elements: Vec<Node> = list
        .named_children(&mut cursor)
        .filter(|c| c.kind() != "comment")
        .collect();
    let open = list.child(0)?;
    if elements.is_empty() {
        let text = if list.kind() == "tuple" {
            format!("{item},")
        } else {
            item.to_string()
        };
        return Some(Edit::insert(open.end_byte(), text));
    }
    let multiline = node::text(list, src).contains('\n');
    if index < elements.len() {
        let before = elements[index];
        if multiline {
            let indent = node::line_indent(src, before.start_byte());
            Some(Edit::insert(
                before.start_byte(),
                format!("{item},\n{indent}"),
            ))
        } else {
            Some(Edit::insert(before.start_byte(), format!("{item}, ")))
        }
    } else {
        let last = *elements.last()?;
        // After the last element (and its trailing comma, if any).
        let after_last = src.get(last.end_byte()..list.end_byte()).unwrap_or("");
        let has_comma = after_last.trim_start().starts_with(',');
        if multiline {
            let indent = node::line_indent(src, last.start_byte());
            let comma_end = if has_comma {
                last.end_byte() + after_last.find(',').map_or(0, |i| i + 1)
            } else {
                last.end_byte()
            };
            let lead = if has_comma { "" } else { "," };
            Some(Edit::insert(comma_end, format!("{lead}\n{indent}{item},")))
        } else if has_comma {
            let comma_end = last.end_byte() + after_last.find(',').map_or(0, |i| i + 1);
            Some(Edit::insert(comma_end, format!(" {item},")))
        } else {
            Some(Edit::insert(last.end_byte(), format!(", {item}")))
        }
    }
}

/// Insert the string `text` as element `index` of a list literal, quoted like the list's first
/// string element.
pub fn insert_str_item(
    settings: &Settings,
    value: &Value,
    index: usize,
    text: &str,
) -> Option<Edit> {
    let quote = list_quote(settings, value).unwrap_or('"');
    insert_item(settings, value, index, &format!("{quote}{text}{quote}"))
}

/// The quote character of the first string element of a list literal written in this file.
fn list_quote(settings: &Settings, value: &Value) -> Option<char> {
    let loc = value.loc.as_ref().filter(|l| l.file == settings.file)?;
    let list = node_at(settings, loc.span.clone())?;
    let mut cursor = list.walk();
    let first = list
        .named_children(&mut cursor)
        .find(|c| c.kind() == "string")?;
    node::text(first, settings.source())
        .chars()
        .find(|c| *c == '"' || *c == '\'')
}

/// The edit appending `block` (lines ending with newlines) at the end of the file, after a blank
/// line.
pub fn append_block(settings: &Settings, block: &str) -> Edit {
    let src = settings.source();
    let lead = if src.is_empty() || src.ends_with("\n\n") {
        ""
    } else if src.ends_with('\n') {
        "\n"
    } else {
        "\n\n"
    };
    Edit::insert(src.len(), format!("{lead}{block}"))
}

/// A Python string literal.
pub fn quoted(text: &str) -> String {
    format!("{text:?}")
}
