//! Taking a formatted string apart: f-strings, `%` formatting, `.format()` and `+`
//! concatenation become one template of literal pieces and interpolated expressions, so a fix
//! can rebuild it as `format_html(...)` or as a parameterised SQL query.

use tree_sitter::Node;

use super::node::{text, unparenthesize};
use crate::syntax::python::{Field, Fields};

/// A piece of a formatted string.
#[derive(Debug, Clone)]
pub enum Piece<'t> {
    /// Literal text as written in the source (backslash escapes kept), with the formatting
    /// escapes of its origin removed (`{{` of an f-string is `{` here, `%%` is `%`).
    Lit(String),
    /// An interpolated expression, with its format spec or conversion as written after it
    /// (`:>10`, `!r`), empty when there is none.
    Value { expr: Node<'t>, spec: String },
}

/// A formatted string taken apart.
#[derive(Debug, Clone)]
pub struct Template<'t> {
    /// The string's opening delimiter without any `f` prefix (`"`, `r'`, `'''`).
    pub open: String,
    pub close: String,
    pub pieces: Vec<Piece<'t>>,
}

impl<'t> Template<'t> {
    pub fn values(&self) -> impl Iterator<Item = (Node<'t>, &str)> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Value { expr, spec } => Some((*expr, spec.as_str())),
            Piece::Lit(_) => None,
        })
    }
}

/// Decompose `expr` when it is a string built by formatting; `None` when it is not, or when
/// its shape is one a fix should not touch (bytes, `%d` conversions, `{name=}` debug specs,
/// mixed quote styles, `*args`).
pub fn decompose<'t>(expr: Node<'t>, src: &str) -> Option<Template<'t>> {
    let expr = unparenthesize(expr);
    match expr.kind() {
        "string" => fstring(expr, src),
        "binary_operator" => {
            let op = expr.field(Field::Operator).map(|o| text(o, src))?;
            match op {
                "%" => percent(expr, src),
                "+" => concatenation(expr, src),
                _ => None,
            }
        }
        "concatenated_string" => concatenation(expr, src),
        "call" => dot_format(expr, src),
        _ => None,
    }
}

/// A string literal without interpolations (`"SELECT ..."`, `"a" "b"`) as a template of one
/// literal piece; `None` for anything else.
pub fn plain_literal<'t>(expr: Node<'t>, src: &str) -> Option<Template<'t>> {
    let expr = unparenthesize(expr);
    let template = match expr.kind() {
        "string" => {
            let lit = literal(expr, src)?;
            if lit.is_f {
                return None;
            }
            Template {
                open: lit.open.clone(),
                close: lit.close.clone(),
                pieces: fstring_pieces(&lit, src)?,
            }
        }
        "concatenated_string" => concatenation(expr, src)?,
        _ => return None,
    };
    template
        .pieces
        .iter()
        .all(|p| matches!(p, Piece::Lit(_)))
        .then_some(template)
}

/// [`decompose`] for formatted strings, [`plain_literal`] for constant ones.
pub fn decompose_or_literal<'t>(expr: Node<'t>, src: &str) -> Option<Template<'t>> {
    decompose(expr, src).or_else(|| plain_literal(expr, src))
}

/// The delimiters and raw body pieces of a string literal node.
struct Literal<'t> {
    open: String,
    close: String,
    is_f: bool,
    children: Vec<Node<'t>>,
}

fn literal<'t>(string: Node<'t>, src: &str) -> Option<Literal<'t>> {
    if string.kind() != "string" {
        return None;
    }
    let mut cursor = string.walk();
    let children: Vec<Node> = string.children(&mut cursor).collect();
    let start = children.first().filter(|c| c.kind() == "string_start")?;
    let end = children.last().filter(|c| c.kind() == "string_end")?;
    let start_text = text(*start, src);
    let prefix_len = start_text.find(['"', '\'']).unwrap_or(start_text.len());
    let prefix = &start_text[..prefix_len];
    if prefix.contains(['b', 'B', 'u', 'U']) {
        return None;
    }
    let is_f = prefix.contains(['f', 'F']);
    let open: String = start_text
        .chars()
        .filter(|c| !matches!(c, 'f' | 'F'))
        .collect();
    Some(Literal {
        open,
        close: text(*end, src).to_string(),
        is_f,
        children: children[1..children.len() - 1].to_vec(),
    })
}

fn fstring<'t>(string: Node<'t>, src: &str) -> Option<Template<'t>> {
    let lit = literal(string, src)?;
    if !lit.is_f {
        return None;
    }
    let pieces = fstring_pieces(&lit, src)?;
    Some(Template {
        open: lit.open,
        close: lit.close,
        pieces,
    })
}

fn fstring_pieces<'t>(lit: &Literal<'t>, src: &str) -> Option<Vec<Piece<'t>>> {
    let mut pieces = Vec::new();
    for child in &lit.children {
        if child.kind() == "interpolation" {
            let expr = child
                .field(Field::Expression)
                .or_else(|| child.named_child(0))?;
            let mut spec = String::new();
            let mut cursor = child.walk();
            for part in child.children(&mut cursor) {
                match part.kind() {
                    "type_conversion" => spec.push_str(text(part, src)),
                    "format_specifier" => {
                        // Nested replacement fields in a spec would need their own arguments.
                        if text(part, src).contains('{') {
                            return None;
                        }
                        spec.push_str(text(part, src));
                    }
                    "=" => return None,
                    _ => {}
                }
            }
            if !spec.is_empty() && !spec.starts_with(['!', ':']) {
                spec.insert(0, ':');
            }
            pieces.push(Piece::Value { expr, spec });
        } else {
            let raw = text(*child, src);
            let plain = if lit.is_f {
                raw.replace("{{", "{").replace("}}", "}")
            } else {
                raw.to_string()
            };
            push_lit(&mut pieces, &plain);
        }
    }
    Some(pieces)
}

fn push_lit(pieces: &mut Vec<Piece>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Piece::Lit(prev)) = pieces.last_mut() {
        prev.push_str(text);
    } else {
        pieces.push(Piece::Lit(text.to_string()));
    }
}

/// `"... %s ..." % value` or `% (a, b)`: only `%s` conversions.
fn percent<'t>(expr: Node<'t>, src: &str) -> Option<Template<'t>> {
    let left = unparenthesize(expr.field(Field::Left)?);
    let right = unparenthesize(expr.field(Field::Right)?);
    let lit = literal(left, src)?;
    if lit.is_f {
        return None;
    }
    let args: Vec<Node> = if right.kind() == "tuple" {
        let mut cursor = right.walk();
        right
            .named_children(&mut cursor)
            .filter(|c| c.kind() != "comment")
            .collect()
    } else {
        vec![right]
    };
    if args.iter().any(|a| a.kind() == "list_splat") {
        return None;
    }
    let body: String = lit.children.iter().map(|c| text(*c, src)).collect();
    let mut pieces = Vec::new();
    let mut args = args.into_iter();
    let mut rest = body.as_str();
    while let Some(pos) = rest.find('%') {
        push_lit(&mut pieces, &rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            push_lit(&mut pieces, "%");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('s') {
            pieces.push(Piece::Value {
                expr: args.next()?,
                spec: String::new(),
            });
            rest = tail;
        } else {
            return None;
        }
    }
    push_lit(&mut pieces, rest);
    if args.next().is_some() {
        return None;
    }
    Some(Template {
        open: lit.open,
        close: lit.close,
        pieces,
    })
}

/// `"...{}...".format(a, b=c)`.
fn dot_format<'t>(call: Node<'t>, src: &str) -> Option<Template<'t>> {
    let function = call.field(Field::Function)?;
    if function.kind() != "attribute"
        || function.field(Field::Attribute).map(|a| text(a, src)) != Some("format")
    {
        return None;
    }
    let receiver = unparenthesize(function.field(Field::Object)?);
    let lit = literal(receiver, src)?;
    if lit.is_f {
        return None;
    }
    let args_node = call.field(Field::Arguments)?;
    let mut cursor = args_node.walk();
    let mut positional = Vec::new();
    let mut keywords = Vec::new();
    for arg in args_node.named_children(&mut cursor) {
        match arg.kind() {
            "comment" => {}
            "keyword_argument" => {
                let name = arg.field(Field::Name).map(|n| text(n, src))?;
                keywords.push((name.to_string(), arg.field(Field::Value)?));
            }
            "list_splat" | "dictionary_splat" => return None,
            _ => positional.push(arg),
        }
    }
    let body: String = lit.children.iter().map(|c| text(*c, src)).collect();
    let mut pieces = Vec::new();
    let mut next_auto = 0usize;
    let mut rest = body.as_str();
    loop {
        let Some(pos) = rest.find(['{', '}']) else {
            push_lit(&mut pieces, rest);
            break;
        };
        push_lit(&mut pieces, &rest[..pos]);
        let after = &rest[pos..];
        if after.starts_with("{{") || after.starts_with("}}") {
            push_lit(&mut pieces, &after[..1]);
            rest = &after[2..];
            continue;
        }
        if after.starts_with('}') {
            return None;
        }
        let close = after.find('}')?;
        let field = &after[1..close];
        let (name, spec) = match field.find([':', '!']) {
            Some(i) => (&field[..i], &field[i..]),
            None => (field, ""),
        };
        if spec.contains('{') {
            return None;
        }
        let expr = if name.is_empty() {
            let e = positional.get(next_auto).copied();
            next_auto += 1;
            e?
        } else if let Ok(i) = name.parse::<usize>() {
            positional.get(i).copied()?
        } else {
            keywords.iter().find(|(k, _)| k == name).map(|(_, v)| *v)?
        };
        pieces.push(Piece::Value {
            expr,
            spec: spec.to_string(),
        });
        rest = &after[close + 1..];
    }
    Some(Template {
        open: lit.open,
        close: lit.close,
        pieces,
    })
}

/// `"a" + x + f"b{y}"` and implicit concatenation `"a" f"{x}"`.
fn concatenation<'t>(expr: Node<'t>, src: &str) -> Option<Template<'t>> {
    // Flatten the left-leaning `+` chain without recursion.
    let mut operands = Vec::new();
    let mut stack = vec![unparenthesize(expr)];
    while let Some(n) = stack.pop() {
        let is_plus = n.kind() == "binary_operator"
            && n.field(Field::Operator).map(|o| text(o, src)) == Some("+");
        if is_plus {
            stack.push(unparenthesize(n.field(Field::Right)?));
            stack.push(unparenthesize(n.field(Field::Left)?));
        } else if n.kind() == "concatenated_string" {
            let mut cursor = n.walk();
            let parts: Vec<Node> = n.named_children(&mut cursor).collect();
            for p in parts.into_iter().rev() {
                stack.push(p);
            }
        } else {
            operands.push(n);
        }
        if operands.len() + stack.len() > 256 {
            return None;
        }
    }
    let mut delimiters: Option<(String, String)> = None;
    let mut pieces = Vec::new();
    let mut has_string = false;
    for operand in operands {
        if let Some(lit) = literal(operand, src) {
            has_string = true;
            match &delimiters {
                Some((open, close)) if *open != lit.open || *close != lit.close => return None,
                Some(_) => {}
                None => delimiters = Some((lit.open.clone(), lit.close.clone())),
            }
            for piece in fstring_pieces(&lit, src)? {
                match piece {
                    Piece::Lit(t) => push_lit(&mut pieces, &t),
                    value => pieces.push(value),
                }
            }
        } else {
            pieces.push(Piece::Value {
                expr: operand,
                spec: String::new(),
            });
        }
    }
    let (open, close) = delimiters?;
    has_string.then_some(Template {
        open,
        close,
        pieces,
    })
}

/// A literal that is only a URL scheme and its separator: `https://`, `http://`, `//`.
pub fn is_scheme_prefix(text: &str) -> bool {
    text.strip_suffix("//")
        .map(|scheme| scheme.strip_suffix(':').unwrap_or(scheme))
        .is_some_and(|scheme| {
            scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
}

/// A literal URL start that fixes the destination: a local path (`/orders/`, not `//host` or
/// `/\host`), an absolute URL with its host (`https://example.com/`), or a query or fragment.
pub fn pins_destination(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some('/') => chars.next().is_some_and(|c| c != '/' && c != '\\'),
        Some('?' | '#') => true,
        _ => text
            .find("://")
            .and_then(|i| text.get(i + 3..))
            .and_then(|rest| rest.find('/'))
            .is_some_and(|slash| slash > 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::python;

    fn shape(expr_src: &str) -> Option<String> {
        let src = format!("x = {expr_src}\n");
        let tree = python::parse(&src, None);
        let value = tree
            .root_node()
            .named_child(0)?
            .named_child(0)?
            .field(Field::Right)?;
        let t = decompose(value, &src)?;
        let mut out = t.open.clone();
        for p in &t.pieces {
            match p {
                Piece::Lit(l) => out.push_str(l),
                Piece::Value { expr, spec } => {
                    out.push_str(&format!("<{}{}>", text(*expr, &src), spec));
                }
            }
        }
        out.push_str(&t.close);
        Some(out)
    }

    #[test]
    fn fstrings() {
        assert_eq!(
            shape(r#"f"<b>{name}</b>""#).as_deref(),
            Some(r#""<b><name></b>""#)
        );
        assert_eq!(
            shape(r#"f'{{x}} {a.b:>3} {c!r}'"#).as_deref(),
            Some("'{x} <a.b:>3> <c!r>'")
        );
        assert_eq!(shape(r#"f"{x=}""#), None);
        assert_eq!(shape(r#""plain""#), None);
    }

    #[test]
    fn percent_and_format_and_plus() {
        assert_eq!(
            shape(r#""a %s b %% %s" % (x, y)"#).as_deref(),
            Some(r#""a <x> b % <y>""#)
        );
        assert_eq!(shape(r#""a %d" % x"#), None);
        assert_eq!(
            shape(r#""{} {k} {{}}".format(a, k=b)"#).as_deref(),
            Some(r#""<a> <b> {}""#)
        );
        assert_eq!(
            shape(r#""id = " + uid + " AND 1""#).as_deref(),
            Some(r#""id = <uid> AND 1""#)
        );
        assert_eq!(shape(r#""a" + 'b'"#), None);
    }
}
