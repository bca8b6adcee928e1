//! SQL injection (`DJS2xx`).
//!
//! Shared by the family: which flows are reported, their severity and message, and the rewrite
//! of a formatted query into placeholders plus a parameter list that the quick-fixes use.

pub mod expression_template;
pub mod extra;
pub mod field_name;
pub mod raw_sql;
pub mod rawsql_expression;

use tree_sitter::Node;

use crate::analysis::Severity;
use crate::semantic::strings::{Piece, Template};
use crate::semantic::{Flow, Level, node};

/// Request data formatted into SQL, or formatting with a value of unknown origin.
pub(crate) fn is_reportable(flow: &Flow) -> bool {
    match flow.level {
        Level::Request => true,
        Level::Unknown => flow.formatted,
        Level::Constant | Level::Escaped => false,
    }
}

/// Request data is exploitable as shown (error); stored text formatted into SQL is second-order
/// injection (warning); any other value djsec cannot trace — mostly table and column names — is
/// worth an audit (hint).
pub(crate) fn severity(flow: &Flow) -> Severity {
    match flow.level {
        Level::Request => Severity::Error,
        _ if flow.stored.is_some() => Severity::Warning,
        _ => Severity::Hint,
    }
}

/// "SQL built from request.GET" / "SQL built by formatting a non-constant value".
pub(crate) fn describe(flow: &Flow) -> String {
    match (&flow.level, &flow.source, flow.formatted) {
        (Level::Request, Some(source), true) => {
            format!("SQL built by formatting data from {source}")
        }
        (Level::Request, Some(source), false) => format!("SQL taken from {source}"),
        (Level::Request, None, _) => "SQL built from request data".to_string(),
        _ => match &flow.stored {
            Some(field) => format!("SQL built by string formatting with stored text ({field})"),
            None => "SQL built by string formatting with a value djsec cannot trace".to_string(),
        },
    }
}

/// How `%` in the query text is read at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Percent {
    /// `cursor.execute(sql)` without parameters: `%` is a literal percent sign.
    Literal,
    /// With parameters (and always for the ORM: `raw()`, `extra()`, `RawSQL`): `%s` is a
    /// placeholder and `%%` a percent sign.
    Placeholders,
}

/// The parameters a call already passes.
#[derive(Debug, Clone)]
pub(crate) enum Existing {
    /// None given.
    Absent,
    /// A list or tuple literal: the text of each element.
    List(Vec<String>),
    /// Any other expression (a variable): new values can only be appended after it.
    Opaque(String),
}

impl Existing {
    /// Read a params argument: `None` when it cannot be merged (a dict for `%(name)s`
    /// placeholders, `None`, a comprehension).
    pub(crate) fn of(params: Option<Node>, src: &str) -> Option<Existing> {
        let Some(params) = params.map(node::unparenthesize) else {
            return Some(Existing::Absent);
        };
        match params.kind() {
            "list" | "tuple" => {
                let mut cursor = params.walk();
                let items: Vec<Node> = params
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                if items.iter().any(|i| i.kind() == "list_splat") {
                    return Some(Existing::Opaque(node::text(params, src).to_string()));
                }
                Some(Existing::List(
                    items
                        .iter()
                        .map(|i| node::text(*i, src).to_string())
                        .collect(),
                ))
            }
            "identifier" | "attribute" | "subscript" | "call" => {
                Some(Existing::Opaque(node::text(params, src).to_string()))
            }
            _ => None,
        }
    }
}

/// Rewrites formatted queries into `%s` placeholders, collecting the parameters in placeholder
/// order and merging them with the ones the call already passes. Several queries may share one
/// parameter list (`extra(where=[...], params=[...])`).
pub(crate) struct Parameteriser {
    mode: Percent,
    existing: Existing,
    next_existing: usize,
    /// Parameters in placeholder order (for `Existing::Opaque`, only the new ones).
    params: Vec<String>,
    added: usize,
    removed_quotes: bool,
}

/// The parameter list text, and whether quotes around a placeholder were removed (which makes
/// the fix unsafe).
pub(crate) struct Parameters {
    pub text: String,
    pub removed_quotes: bool,
}

impl Parameteriser {
    pub(crate) fn new(mode: Percent, existing: Existing) -> Parameteriser {
        Parameteriser {
            mode,
            existing,
            next_existing: 0,
            params: Vec::new(),
            added: 0,
            removed_quotes: false,
        }
    }

    /// The query as a string literal with placeholders; `None` when it cannot be rewritten
    /// faithfully (a value inside a larger SQL literal, an identifier, a `LIKE` pattern, a
    /// non-plain expression, named placeholders, mismatched counts).
    pub(crate) fn rewrite(&mut self, template: &Template, src: &str) -> Option<String> {
        let mut sql = template.open.clone();
        let pieces = &template.pieces;
        let mut skip_leading_quote = false;
        for (i, piece) in pieces.iter().enumerate() {
            match piece {
                Piece::Lit(text) => {
                    let mut text = text.as_str();
                    if skip_leading_quote {
                        text = text.strip_prefix('\'').unwrap_or(text);
                        skip_leading_quote = false;
                    }
                    let quoted_next = matches!(pieces.get(i + 1), Some(Piece::Value { .. }))
                        && text.ends_with('\'')
                        && matches!(pieces.get(i + 2), Some(Piece::Lit(next)) if next.starts_with('\''));
                    if quoted_next {
                        text = &text[..text.len() - 1];
                    }
                    self.literal_text(text, &mut sql)?;
                }
                Piece::Value { expr, spec } => {
                    if !spec.is_empty() || !is_plain_value(*expr) {
                        return None;
                    }
                    let before = match i.checked_sub(1).and_then(|j| pieces.get(j)) {
                        Some(Piece::Lit(t)) => t.as_str(),
                        _ => "",
                    };
                    let after = match pieces.get(i + 1) {
                        Some(Piece::Lit(t)) => t.as_str(),
                        _ => "",
                    };
                    // `'{x}'` loses its quotes; `'%{x}%'` and other values inside a larger SQL
                    // literal cannot be fixed.
                    let quoted = before.ends_with('\'') && after.starts_with('\'');
                    let (before, after) = if quoted {
                        (&before[..before.len() - 1], &after[1..])
                    } else {
                        (before, after)
                    };
                    if inside_sql_string(before) || !value_position(before, after) {
                        return None;
                    }
                    if quoted {
                        self.removed_quotes = true;
                        skip_leading_quote = true;
                    }
                    sql.push_str("%s");
                    self.params.push(node::text(*expr, src).to_string());
                    self.added += 1;
                }
            }
        }
        sql.push_str(&template.close);
        Some(sql)
    }

    fn literal_text(&mut self, text: &str, sql: &mut String) -> Option<()> {
        if self.mode == Percent::Literal {
            sql.push_str(&text.replace('%', "%%"));
            return Some(());
        }
        let mut rest = text;
        while let Some(pos) = rest.find('%') {
            sql.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            if let Some(tail) = after.strip_prefix('%') {
                sql.push_str("%%");
                rest = tail;
            } else if let Some(tail) = after.strip_prefix('s') {
                // A placeholder already there: it takes the next existing parameter.
                match &self.existing {
                    Existing::List(items) => {
                        let item = items.get(self.next_existing)?;
                        self.params.push(item.clone());
                        self.next_existing += 1;
                    }
                    Existing::Opaque(_) if self.added == 0 => self.next_existing += 1,
                    Existing::Opaque(_) | Existing::Absent => return None,
                }
                sql.push_str("%s");
                rest = tail;
            } else {
                return None;
            }
        }
        sql.push_str(rest);
        Some(())
    }

    /// The merged parameter list; `None` when nothing was added or the existing parameters were
    /// not all used.
    pub(crate) fn finish(self) -> Option<Parameters> {
        if self.added == 0 {
            return None;
        }
        let text = match &self.existing {
            Existing::Absent => format!("[{}]", self.params.join(", ")),
            Existing::List(items) => {
                if self.next_existing != items.len() {
                    return None;
                }
                format!("[{}]", self.params.join(", "))
            }
            Existing::Opaque(text) => format!("[*{text}, {}]", self.params.join(", ")),
        };
        Some(Parameters {
            text,
            removed_quotes: self.removed_quotes,
        })
    }
}

/// Whether the SQL text before a placeholder leaves an open `'...` literal.
fn inside_sql_string(before: &str) -> bool {
    before.matches('\'').count() % 2 == 1
}

/// Whether a placeholder between `before` and `after` stands where SQL takes a value (after a
/// comparison or an arithmetic operator, `LIKE`, `LIMIT`, `OFFSET`, or in a `VALUES (...)` list), so that a parameter
/// means the same thing. Identifiers (`FROM {table}`, `ORDER BY {col}`), SQL fragments
/// (`WHERE {cond}`) and lists (`IN ({ids})`) cannot be parameters.
fn value_position(before: &str, after: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    if after.starts_with(|c: char| is_word(c) || c == '.' || c == '"' || c == '`') {
        return false;
    }
    let b = before.trim_end();
    // After a comparison, or as an operand of arithmetic (`price * {x}`; not `--`, a comment).
    if b.ends_with(['=', '<', '>', '*', '/', '+']) || (b.ends_with('-') && !b.ends_with("--")) {
        return true;
    }
    let upper = b.to_ascii_uppercase();
    let last_word = upper.rsplit(|c: char| !is_word(c)).next().unwrap_or("");
    if b.ends_with(is_word) && matches!(last_word, "LIKE" | "ILIKE" | "LIMIT" | "OFFSET") {
        return true;
    }
    if b.ends_with(['(', ',']) {
        // Inside `VALUES (...)`: the last `VALUES` has an unclosed parenthesis after it.
        if let Some(at) = upper.rfind("VALUES") {
            let tail = &upper[at..];
            return tail.matches('(').count() > tail.matches(')').count();
        }
    }
    false
}

/// A value expression whose text can move into a parameter list unchanged.
fn is_plain_value(expr: Node) -> bool {
    matches!(
        node::unparenthesize(expr).kind(),
        "identifier" | "attribute" | "subscript" | "call" | "integer" | "float"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_positions() {
        assert!(value_position("SELECT * FROM t WHERE id = ", ""));
        assert!(value_position("WHERE a >= ", " AND b = 1"));
        assert!(value_position("WHERE name LIKE ", ""));
        assert!(value_position("INSERT INTO t (a, b) VALUES (", ", 1)"));
        assert!(value_position("INSERT INTO t (a, b) VALUES (1, ", ")"));
        assert!(value_position("SELECT 1 LIMIT ", ""));
        assert!(value_position("SELECT price * ", " FROM t"));
        assert!(!value_position("SELECT 1 --", ""));
        assert!(!value_position("SELECT * FROM ", ""));
        assert!(!value_position("SELECT * FROM t ORDER BY ", " DESC"));
        assert!(!value_position("SELECT * FROM t WHERE ", ""));
        assert!(!value_position("SELECT * FROM t WHERE id IN (", ")"));
        assert!(!value_position("SELECT a, ", " FROM t"));
        assert!(!value_position("WHERE t.id = ", "_suffix"));
        assert!(!value_position("SELECT * FROM t WHERE x = 1 AND ", ""));
    }
}
