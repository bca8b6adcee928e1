//! Hover on a view's `def` or `class` line: how the view is reached, how callers authenticate,
//! what authorizes them and what it does (`rules::access::describe`, the model of the access
//! rules and of `djsec views`).

use tower_lsp_server::ls_types::*;

use super::Snapshot;
use super::convert;
use crate::document::PositionEncoding;
use crate::rules::access::describe;
use crate::syntax::Syntax;

/// The view facts under the cursor (Markdown), when it is on the `def`/`class` line of a view.
pub(super) fn hover(
    snapshot: &Snapshot,
    position: Position,
    encoding: PositionEncoding,
) -> Option<String> {
    let Syntax::Python(tree) = &snapshot.syntax else {
        return None;
    };
    let line = snapshot.rope.get_line(position.line as usize)?.to_string();
    let head = line.trim_start();
    if !(head.starts_with("def ") || head.starts_with("async def ") || head.starts_with("class ")) {
        return None;
    }
    let at = convert::byte_range(&snapshot.rope, Range::new(position, position), encoding).start;
    let view = describe::at(&snapshot.text, tree, &snapshot.context, at)?;
    Some(markdown(&view))
}

/// The view facts, then what the finding under the cursor (if any) is about.
pub(super) fn merge(view: String, rule: Option<Hover>) -> Hover {
    let value = match rule.map(|h| h.contents) {
        Some(HoverContents::Markup(m)) => format!(
            "{view}
---

{}",
            m.value
        ),
        _ => view,
    };
    Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

fn markdown(view: &describe::ViewSummary) -> String {
    let mut out = format!("**`{}`** · {} view (djsec)\n\n", view.name, view.kind);
    if view.routes.is_empty() {
        out.push_str("- Reached at: no route djsec resolved\n");
    } else {
        let routes: Vec<String> = view
            .routes
            .iter()
            .map(|r| {
                let mut s = format!("`/{}`", r.route.trim_start_matches('/'));
                if let Some(name) = &r.name {
                    s.push_str(&format!(" (`{name}`)"));
                }
                if !r.wrappers.is_empty() {
                    s.push_str(&format!(
                        " wrapped in `{}` in urls.py",
                        r.wrappers.join("`, `")
                    ));
                }
                s
            })
            .collect();
        out.push_str(&format!("- Reached at: {}\n", routes.join(", ")));
    }
    out.push_str(&format!("- Methods: {}\n", view.methods.join(", ")));
    let by = if view.protected_by.is_empty() {
        String::new()
    } else {
        format!(" — {}", view.protected_by.join(", "))
    };
    out.push_str(&format!("- Authentication: {}{by}\n", view.authentication));
    out.push_str(&format!("- Authorization: {}\n", view.authorization));
    out.push_str(&format!("- Does: {}\n", view.does.join("; ")));
    out
}
