//! DJS540 `template-insecure-resource`: a script or stylesheet loaded over plain `http://`.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates;
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::Element;
use crate::syntax::template::lexer::slice;

pub const RULE: Rule = Rule {
    code: "DJS540",
    name: "template-insecure-resource",
    family: Family::Templates,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "A script or stylesheet is loaded over plain `http://` (mixed content).",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Finds `<script src="http://…">`, `<link rel="stylesheet" href="http://…">` (also `preload` and
`modulepreload` links) and `<iframe src="http://…">` loading from another host over plain HTTP.
Loads from `localhost`, `127.0.0.1` and `[::1]` (development servers) are not reported, nor
`https://` and protocol-relative `//…` URLs.

## Why is this bad?
Anyone on the network path (public Wi-Fi, a compromised router) can replace a script or
stylesheet fetched over HTTP, and a replaced script runs with full access to your page: the
session, the CSRF token, what the user types. On an HTTPS page browsers block such "active
mixed content", so the page also breaks.

## Example
```django
<script src="http://cdn.example.com/lib.js"></script>
```

Use instead:
```django
<script src="https://cdn.example.com/lib.js" integrity="sha384-…" crossorigin="anonymous"></script>
```

## Fix
Replace `http://` with `https://`.

## Fix safety
Unsafe: the host may not serve the resource over HTTPS, or serve it from another URL.

## References
- MDN: [Mixed content](https://developer.mozilla.org/en-US/docs/Web/Security/Mixed_content)
- CWE-319, CWE-829
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let mut findings = Vec::new();
    for (_, element) in checker.elements() {
        let attribute = match element.name.as_str() {
            "script" | "iframe" => "src",
            "link" if loads_code(text, element) => "href",
            _ => continue,
        };
        let Some(value) = element.attribute(attribute).and_then(|a| a.value.clone()) else {
            continue;
        };
        let url = slice(text, &value);
        let lead = url.len() - url.trim_start().len();
        let url = url.trim_start();
        if !url
            .get(..7)
            .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
        {
            continue;
        }
        let host = url
            .get(7..)
            .unwrap_or("")
            .split(['/', '?', '#'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let host_name = host.rsplit_once('@').map_or(host.as_str(), |(_, h)| h);
        let host_name = match host_name.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => host_name.split(':').next().unwrap_or(""),
        };
        if host_name.is_empty()
            || host_name.contains("{{")
            || host_name.contains("{%")
            || matches!(host_name, "localhost" | "127.0.0.1" | "::1")
            || host_name.ends_with(".localhost")
        {
            continue;
        }
        let scheme = value.start + lead..value.start + lead + 7;
        let what = match element.name.as_str() {
            "script" => "script",
            "iframe" => "frame",
            _ => "stylesheet",
        };
        findings.push(
            Finding::new(
                RULE.code,
                value.clone(),
                RULE.severity,
                format!(
                    "this {what} is loaded over plain HTTP from `{host_name}`: anyone on the network can replace it, and browsers block it on HTTPS pages; use `https://`"
                ),
            )
            .with_fix(Some(Fix::unsafe_(
                "Use `https://`",
                vec![Edit::replace(scheme, "https://")],
            ))),
        );
    }
    for finding in findings {
        checker.report(finding);
    }
}

/// A `<link>` that loads a stylesheet or script.
fn loads_code(text: &str, link: &Element) -> bool {
    let rel = link
        .attribute_value(text, "rel")
        .unwrap_or("")
        .to_ascii_lowercase();
    rel.split_ascii_whitespace()
        .any(|r| matches!(r, "stylesheet" | "preload" | "modulepreload" | "import"))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS540"])
    }

    #[test]
    fn flags_http_scripts_and_styles() {
        let src = concat!(
            "<script src=\"http://cdn.example.com/lib.js\"></script>\n",
            "<link rel=\"stylesheet\" href=HTTP://cdn.example.com/a.css>\n",
            "{% if debug %}<link href=\"http://fonts.example.com/f.css\" rel=\"Preload StyleSheet\">{% endif %}\n",
            "<iframe src=\"http://widget.example.com/\"></iframe>\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS540", 1, 14, "warning"),
                ("DJS540", 2, 29, "warning"),
                ("DJS540", 3, 27, "warning"),
                ("DJS540", 4, 14, "warning"),
            ]
        );
    }

    #[test]
    fn ignores_secure_and_local_loads() {
        let src = concat!(
            "<script src=\"https://cdn.example.com/lib.js\"></script>\n",
            "<script src=\"//cdn.example.com/lib.js\"></script>\n",
            "<script src=\"http://localhost:8000/x.js\"></script><script src=\"http://127.0.0.1/x.js\"></script>\n",
            "<script src=\"http://[::1]:3000/x.js\"></script><script src=\"http://app.localhost/x.js\"></script>\n",
            "<link rel=\"icon\" href=\"http://example.com/favicon.ico\"><a href=\"http://example.com\">x</a>\n",
            "<img src=\"http://example.com/i.png\"><script src=\"{% static 'x.js' %}\"></script>\n",
            "<script src=\"http://{{ host }}/x.js\"></script><script>var u = \"http://e.com/x.js\";</script>\n",
        );
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fix_uses_https() {
        let src = "<script src=\"http://cdn.example.com/lib.js\"></script><link rel=stylesheet href=' HTTP://e.com/a.css'>";
        assert_eq!(
            assert_fix_in(Language::Template, src, "DJS540"),
            "<script src=\"https://cdn.example.com/lib.js\"></script><link rel=stylesheet href=' https://e.com/a.css'>"
        );
    }
}
