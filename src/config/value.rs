//! One shape for TOML (with byte spans) and the editor's JSON (without), so one validator reads
//! both.

use std::ops::Range;

use toml::de::DeValue;

/// How deep the validator looks; configuration is at most three levels deep.
const MAX_DEPTH: usize = 6;

#[derive(Debug, Clone)]
pub enum Kind {
    Str(String),
    Bool(bool),
    Array(Vec<Node>),
    /// Entries in document order: key, the key's span, value.
    Table(Vec<(String, Range<usize>, Node)>),
    /// Anything else (numbers, dates, values nested too deep), by type name.
    Other(&'static str),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub span: Range<usize>,
    pub kind: Kind,
}

impl Node {
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            Kind::Str(_) => "a string",
            Kind::Bool(_) => "a boolean",
            Kind::Array(_) => "an array",
            Kind::Table(_) => "a table",
            Kind::Other(name) => name,
        }
    }

    fn toml_at(value: &toml::Spanned<DeValue<'_>>, depth: usize) -> Node {
        let span = value.span();
        let kind = match value.get_ref() {
            DeValue::String(s) => Kind::Str(s.to_string()),
            DeValue::Boolean(b) => Kind::Bool(*b),
            DeValue::Integer(_) => Kind::Other("an integer"),
            DeValue::Float(_) => Kind::Other("a float"),
            DeValue::Datetime(_) => Kind::Other("a date"),
            _ if depth >= MAX_DEPTH => Kind::Other("a value nested too deep"),
            DeValue::Array(items) => {
                Kind::Array(items.iter().map(|i| Self::toml_at(i, depth + 1)).collect())
            }
            DeValue::Table(table) => Kind::Table(table_entries(table, depth)),
        };
        Node { span, kind }
    }

    pub fn from_json(value: &serde_json::Value) -> Node {
        Self::json_at(value, 0)
    }

    fn json_at(value: &serde_json::Value, depth: usize) -> Node {
        use serde_json::Value;
        let kind = match value {
            Value::String(s) => Kind::Str(s.clone()),
            Value::Bool(b) => Kind::Bool(*b),
            Value::Number(_) => Kind::Other("a number"),
            Value::Null => Kind::Other("null"),
            _ if depth >= MAX_DEPTH => Kind::Other("a value nested too deep"),
            Value::Array(items) => {
                Kind::Array(items.iter().map(|i| Self::json_at(i, depth + 1)).collect())
            }
            Value::Object(map) => Kind::Table(
                map.iter()
                    .map(|(k, v)| (k.clone(), 0..0, Self::json_at(v, depth + 1)))
                    .collect(),
            ),
        };
        Node { span: 0..0, kind }
    }
}

pub fn table_entries(
    table: &toml::de::DeTable<'_>,
    depth: usize,
) -> Vec<(String, Range<usize>, Node)> {
    let mut entries: Vec<(String, Range<usize>, Node)> = table
        .iter()
        .map(|(k, v)| {
            (
                k.get_ref().to_string(),
                k.span(),
                Node::toml_at(v, depth + 1),
            )
        })
        .collect();
    // Document order, so errors come out top to bottom.
    entries.sort_by_key(|(_, span, _)| span.start);
    entries
}
