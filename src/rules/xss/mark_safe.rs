//! DJS101 `mark-safe-non-constant`: `mark_safe()` / `SafeString()` on a value that is not a
//! constant string.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule, xss};
use crate::semantic::strings;
use crate::semantic::{Level, node};

pub const RULE: Rule = Rule {
    code: "DJS101",
    name: "mark-safe-non-constant",
    family: Family::Xss,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "`mark_safe()` or `SafeString()` applied to a value that is not a constant string.",
    django_checks: &[],
    peers: &[
        "bandit:B308",
        "bandit:B703",
        "ruff:S308",
        "semgrep:avoid-mark-safe",
    ],
    docs: r#"
## What it does
Reports `mark_safe(value)` and `SafeString(value)` (also `SafeText`, and `mark_safe` imported from
`django.utils.html`, aliased, or called as `safestring.mark_safe`) when `value` is not a constant
string: an f-string, `%` or `.format()` formatting, a concatenation with a variable, a variable, or
the result of a call. The value is followed through local variables, loops and comprehensions.

Not reported: constant strings (also module constants and translated literals such as
`_("<b>Note</b>")`), values escaped on the way (`escape()`, `conditional_escape()`,
`format_html()`, `render_to_string()`, `bleach.clean()`, `int()`, ...), and names checked against
a constant allow-list. `json.dumps()`, `strip_tags()` and `urlize()` do **not** make a value safe
HTML (`</script>` and half-tags pass through), so they do not silence the rule.

Concatenating safe HTML with unsafe data gives a plain `str` in Django, which templates escape;
marking the result safe again (`mark_safe(mark_safe("<b>") + name)`) is reported here.
`@mark_safe` used as a decorator is DJS102; Jinja2's `Markup()` is DJS109.

A value is judged by what it is made of, through the project's own helpers too (a helper that
wraps `bleach.clean()` sanitizes; one that returns `request.GET[...]` is request data): escaped
parts, sanitizer output, numbers and dates and their formatting (`isoformat()`, `naturalday()`,
`date_format()`), URLs Django builds (`reverse()`, `get_absolute_url()`), the project's settings
and constants are safe.

The finding is an **error** when the value comes from the request (`request.GET`, `request.POST`,
URL parameters of a routed view, `form.cleaned_data`, ...), a **warning** when it holds text read
from a stored object that people type into (`user.username`, `comment.body`, `category.name`:
whoever can edit it controls the markup), and a **hint** (audit) when djsec cannot trace the value.

## Why is this bad?
`mark_safe` tells Django's templates not to escape a string. When any part of that string comes
from a user, the user can inject HTML and JavaScript into the page: cross-site scripting.
Bandit flags every call, even on constants, so teams switch it off; djsec reports only values that
can carry unescaped data.

## Example
```python
from django.utils.safestring import mark_safe

def greet(request):
    name = request.GET.get("name", "")
    return mark_safe(f"<b>{name}</b>")
```

Use instead:
```python
from django.utils.html import format_html

def greet(request):
    name = request.GET.get("name", "")
    return format_html("<b>{}</b>", name)
```

## Fix
When the argument is an f-string, a `%s` format or a `.format()` call on a literal, the quick-fix
rewrites the call to `format_html()` with the interpolated values as separate arguments (they are
then escaped), and adds `from django.utils.html import format_html` if needed. Otherwise escape
each untrusted part with `escape()` or build the HTML with `format_html()`.

## Fix safety
Unsafe: the values are escaped after the fix, so a value that intentionally contained HTML is
shown as text. That is the point, but review the output.

## References
- Django: [`mark_safe`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.safestring.mark_safe), [`format_html`](https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html)
- OWASP: Cross Site Scripting Prevention Cheat Sheet; CWE-79
"#,
};

/// The Django callables that mark a string as safe HTML (Jinja2's `Markup` is DJS109).
pub(crate) const MARKERS: &[&str] = &[
    "django.utils.safestring.mark_safe",
    "django.utils.html.mark_safe",
    "django.utils.safestring.SafeString",
    "django.utils.safestring.SafeText",
    "django.utils.text.mark_safe",
];

pub fn check(checker: &mut PyChecker) {
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let call = site.node;
        let Some(function) = site.function else {
            continue;
        };
        let Some(qualified) = checker.model.qualified_name(function) else {
            continue;
        };
        if !MARKERS.contains(&qualified.as_str()) {
            continue;
        }
        let src = checker.source();
        let Some(arg) = node::positional_args(call)
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "s", src))
        else {
            continue;
        };
        let flow = checker.model.flow(arg);
        if !flow.is_dangerous() {
            continue;
        }
        let callee = qualified.rsplit('.').next().unwrap_or("mark_safe");
        let message = match flow.level {
            Level::Request => format!(
                "`{callee}()` marks {} as safe HTML: it reaches the page unescaped (XSS)",
                xss::origin(&flow)
            ),
            _ if flow.stored.is_some() => format!(
                "`{callee}()` marks {} as safe HTML without escaping it: whoever edits that text can put markup in the page; escape it or use `format_html()`",
                xss::origin(&flow)
            ),
            _ => format!(
                "`{callee}()` on a value djsec cannot trace (audit): make sure every part of it is escaped, or use `format_html()`"
            ),
        };
        let fix = format_html_fix(checker, call, arg);
        checker.report(
            Finding::new(RULE.code, call.byte_range(), xss::severity(&flow), message).with_fix(fix),
        );
    }
}

/// `mark_safe(f"<b>{x}</b>")` → `format_html("<b>{}</b>", x)`, with the import.
fn format_html_fix(checker: &PyChecker, call: Node, arg: Node) -> Option<Fix> {
    if node::arg_count(call) != 1 {
        return None;
    }
    let template = strings::decompose(arg, checker.source())?;
    let (replacement, import) = xss::format_html_call(checker, &template)?;
    let mut edits = vec![Edit::replace(call.byte_range(), replacement)];
    edits.extend(import);
    Some(Fix::unsafe_(
        "Replace mark_safe() with format_html()",
        edits,
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at, findings};

    const IMPORT: &str = "from django.utils.safestring import mark_safe\n";

    #[test]
    fn stored_text_is_a_warning_other_unknown_values_a_hint() {
        let src = format!(
            "{IMPORT}from django.conf import settings\ndef label(user, order):\n    a = mark_safe(f'<b>{{user.username}}</b>')\n    b = mark_safe('<i>' + order.total_display + '</i>')\n    c = mark_safe(settings.BANNER_HTML)\n    d = mark_safe(f'<td>{{order._meta.verbose_name}}</td>')\n    return a, b, c, d\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS101", 4, 9, "warning"), ("DJS101", 5, 9, "hint")]
        );
        let message = findings(&src)
            .into_iter()
            .map(|f| f.message)
            .next()
            .unwrap_or_default();
        assert!(
            message.contains("stored text (`user.username`)"),
            "{message}"
        );
    }

    #[test]
    fn replacing_special_characters_by_entities_escapes() {
        // Seen in HyperKitty: `content.replace("<", "&lt;")` leaves nothing that opens a tag,
        // but an attribute could still be closed by a quote: audit hint. Every special
        // character replaced is escaped; replacing something else keeps the value what it was.
        let src = format!(
            "{IMPORT}def v(request, email):\n    a = mark_safe('<pre>' + email.content.replace('<', '&lt;') + '</pre>')\n    b = mark_safe(request.GET['q'].replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('\"', '&quot;').replace(\"'\", '&#39;'))\n    c = mark_safe(request.GET['q'].replace('\\n', '<br>'))\n    d = mark_safe(email.content.replace('<', '&lt;').strip())\n    return a, b, c, d\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS101", 3, 9, "hint"),
                ("DJS101", 5, 9, "error"),
                ("DJS101", 6, 9, "hint"),
            ]
        );
    }

    #[test]
    fn flags_formatting_variables_and_calls() {
        let src = format!(
            "{IMPORT}def v(request, slug):\n    name = request.GET.get('n')\n    a = mark_safe(f'<b>{{name}}</b>')\n    b = mark_safe('<i>%s</i>' % slug)\n    c = mark_safe('<p>{{}}</p>'.format(get_text()))\n    d = mark_safe('<a>' + name)\n    e = mark_safe(name)\n    return mark_safe(load())\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS101", 4, 9, "error"),
                ("DJS101", 5, 9, "error"),
                ("DJS101", 6, 9, "hint"),
                ("DJS101", 7, 9, "error"),
                ("DJS101", 8, 9, "error"),
                ("DJS101", 9, 12, "hint"),
            ]
        );
    }

    #[test]
    fn the_requests_path_is_a_warning() {
        // A path reaches the view only through a URL pattern (often ids and slugs): likely, not
        // shown; a query parameter is the client's to write.
        let src = format!(
            "{IMPORT}def v(request):\n    a = mark_safe('<a href=\"%s\">' % request.path)\n    b = mark_safe('<a href=\"%s\">' % request.GET['next'])\n    return a, b\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS101", 3, 9, "warning"), ("DJS101", 4, 9, "error")]
        );
    }

    #[test]
    fn resolves_aliases_and_other_modules() {
        let src = "from django.utils.html import mark_safe as ms\nfrom django.utils import safestring\nfrom django.utils.safestring import SafeString\ndef v(x):\n    ms(x)\n    safestring.mark_safe(x)\n    SafeString(x)\n";
        assert_eq!(findings(src).len(), 3);
    }

    #[test]
    fn silent_on_constants_and_escaped_values() {
        let src = format!(
            "{IMPORT}from django.utils.html import escape, format_html\nICON = '<i class=\"icon\"></i>'\ndef v(request):\n    a = mark_safe('<br>')\n    b = mark_safe(ICON + '<hr>')\n    c = mark_safe('<b>%s</b>' % escape(request.GET['x']))\n    d = mark_safe(format_html('<b>{{}}</b>', request.GET['x']))\n    e = mark_safe(f'<td>{{int(request.GET[\"n\"])}}</td>')\n    return a\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn peers_false_positives_are_silent() {
        // Bandit B703/B308 flag both; Ruff S308 flags both too.
        let src = "from django.utils.html import escape, format_html\nfrom django.utils.safestring import mark_safe\ndef v(request):\n    a = mark_safe(format_html('<b>{}</b>', request.GET['x']))\n    b = mark_safe('<i>%s</i>' % escape(request.GET['y']))\n    c = mark_safe('<br>')\n    html = '<hr>'\n    return mark_safe(html)\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn mark_safe_from_django_utils_html_is_resolved() {
        // Semgrep misses this import path.
        let src = "from django.utils.html import mark_safe\ndef v(request):\n    return mark_safe(request.GET['x'])\n";
        assert_eq!(codes_at(src), vec![("DJS101", 3, 12, "error")]);
        let src = "import django.utils.html as h\ndef v(request):\n    return h.mark_safe(request.GET['x'])\n";
        assert_eq!(codes_at(src), vec![("DJS101", 3, 12, "error")]);
    }

    #[test]
    fn safe_string_concatenation_marked_safe_again() {
        let src = format!(
            "{IMPORT}def v(request):\n    head = mark_safe('<b>')\n    body = head + request.GET['x']\n    return mark_safe(body)\n"
        );
        assert_eq!(codes_at(&src), vec![("DJS101", 5, 12, "error")]);
    }

    #[test]
    fn follows_loops_comprehensions_and_joins() {
        let src = format!(
            "{IMPORT}def v(request):\n    html = ''\n    for tag in request.GET.getlist('t'):\n        html += f'<li>{{tag}}</li>'\n    a = mark_safe(html)\n    b = mark_safe(''.join(f'<li>{{t}}</li>' for t in request.GET.getlist('t')))\n    c = mark_safe(''.join(f'<li>{{t}}</li>' for t in ('a', 'b')))\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![("DJS101", 6, 9, "error"), ("DJS101", 7, 9, "error")]
        );
    }

    #[test]
    fn not_sanitizers_for_html() {
        let src = format!(
            "{IMPORT}import json\nfrom django.utils.html import strip_tags, urlize\ndef v(request):\n    a = mark_safe(json.dumps(request.GET['x']))\n    b = mark_safe(strip_tags(request.GET['x']))\n    c = mark_safe(urlize(request.GET['x']))\n"
        );
        assert_eq!(
            codes_at(&src),
            vec![
                ("DJS101", 5, 9, "error"),
                ("DJS101", 6, 9, "error"),
                ("DJS101", 7, 9, "error"),
            ]
        );
    }

    #[test]
    fn silent_on_translations_rendered_templates_and_allow_lists() {
        let src = format!(
            "{IMPORT}from django.utils.translation import gettext_lazy as _\nfrom django.template.loader import render_to_string\nICONS = {{'ok': '<i class=\"ok\"></i>', 'ko': '<i class=\"ko\"></i>'}}\ndef v(request):\n    a = mark_safe(_('<b>Note</b>'))\n    b = mark_safe(render_to_string('x.html', {{'q': request.GET['q']}}))\n    c = mark_safe(ICONS[request.GET['s']])\n    kind = request.GET['k']\n    if kind in ('info', 'warning'):\n        d = mark_safe(f'<p class=\"{{kind}}\">')\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn function_local_imports_and_shadowing() {
        let src = "def a(request):\n    from django.utils.safestring import mark_safe\n    return mark_safe(request.GET['x'])\ndef b(request):\n    return mark_safe(request.GET['x'])\ndef c(request, mark_safe):\n    return mark_safe(request.GET['x'])\n";
        assert_eq!(codes_at(src), vec![("DJS101", 3, 12, "error")]);
        let src = format!(
            "{IMPORT}def d(request):\n    mark_safe = str\n    return mark_safe(request.GET['x'])\n"
        );
        assert_eq!(findings(&src), vec![]);
    }

    #[test]
    fn silent_when_not_djangos_mark_safe() {
        let src = "def mark_safe(x):\n    return x\nmark_safe(y)\nfrom markupsafe import Markup\n";
        assert_eq!(findings(src), vec![]);
    }

    #[test]
    fn fix_rewrites_fstring_to_format_html_and_adds_import() {
        let src = format!(
            "{IMPORT}\ndef greet(request):\n    name = request.GET.get('name', '')\n    return mark_safe(f\"<b>{{name}}</b> {{{{x}}}}\")\n"
        );
        let fixed = assert_fix(&src, "DJS101");
        assert_eq!(
            fixed,
            "from django.utils.html import format_html\n\ndef greet(request):\n    name = request.GET.get('name', '')\n    return format_html(\"<b>{}</b> {{x}}\", name)\n",
            "the last use of `mark_safe` is gone, and so is its import"
        );
    }

    #[test]
    fn fix_extends_existing_import_and_handles_percent_and_format() {
        let src = "from django.utils.html import escape\nfrom django.utils.safestring import mark_safe\ndef v(a, b):\n    x = mark_safe('<i>%s</i> 100%% {b}' % a)\n    y = mark_safe('<i>{}</i>'.format(b))\n";
        let fixed = assert_fix(src, "DJS101");
        assert!(
            fixed.starts_with("from django.utils.html import escape, format_html\n"),
            "{fixed}"
        );
        assert!(
            fixed.contains("format_html('<i>{}</i> 100% {{b}}', a)"),
            "{fixed}"
        );
        assert!(!fixed.contains("mark_safe"), "{fixed}");
    }
}
