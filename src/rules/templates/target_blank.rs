//! DJS531 `template-target-blank-without-noopener`: `<a target="_blank">` to an external or
//! variable URL without `rel="noopener"`.

use crate::analysis::template::TemplateChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::templates;
use crate::rules::templates::csrf::is_absolute_url;
use crate::rules::{Family, FixAvailability, Rule};
use crate::syntax::template::lexer::slice;
use crate::syntax::template::{Element, Quote};

pub const RULE: Rule = Rule {
    code: "DJS531",
    name: "template-target-blank-without-noopener",
    family: Family::Templates,
    severity: Severity::Info,
    fix: FixAvailability::Always,
    summary: "A link opens an external or variable URL in a new tab without `rel=\"noopener\"`.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Finds `<a>` and `<area>` elements with `target="_blank"` whose `href` is an absolute URL
(`https://…`, `//…`) or starts with a template variable, and whose `rel` has neither
`noopener` nor `noreferrer`. Internal links (`{% url %}`, relative paths) are not reported,
nor links whose `rel` is built by a template tag.

## Why is this bad?
Without `noopener`, the page opened in the new tab gets `window.opener`, a handle on your page,
and can navigate it to a look-alike login page ("reverse tabnabbing"). Current browsers imply
`noopener` for `target="_blank"`, hence the low severity; older ones and embedded web views do
not.

## Example
```django
<a href="{{ link.url }}" target="_blank">{{ link.title }}</a>
```

Use instead:
```django
<a href="{{ link.url }}" target="_blank" rel="noopener noreferrer">{{ link.title }}</a>
```

## Fix
Add `rel="noopener noreferrer"` after the `target` attribute, or add the two keywords to an
existing `rel`.

## Fix safety
Unsafe: `noreferrer` also stops the browser from sending the `Referer` header to the linked
site, which that site's analytics may rely on; remove it from the fix's result if you need the
header (`noopener` alone is enough against tabnabbing).

## References
- MDN: [`rel=noopener`](https://developer.mozilla.org/en-US/docs/Web/HTML/Attributes/rel/noopener)
- OWASP: HTML5 Security Cheat Sheet (tabnabbing); CWE-1022
"#,
};

pub fn check(checker: &mut TemplateChecker) {
    if templates::is_text_template(checker) {
        return;
    }
    let text = checker.source;
    let mut findings = Vec::new();
    for (_, element) in checker.elements() {
        if !matches!(element.name.as_str(), "a" | "area") || !element.start_tag_closed {
            continue;
        }
        let Some(target) = element.attribute("target") else {
            continue;
        };
        let target_value = target.value.as_ref().map_or("", |v| slice(text, v));
        if !target_value.trim().eq_ignore_ascii_case("_blank") {
            continue;
        }
        let Some(href) = element.attribute_value(text, "href") else {
            continue;
        };
        let href = href.trim_start();
        let external = (is_absolute_url(href) && !href.starts_with("{")) || href.starts_with("{{");
        if !external {
            continue;
        }
        let rel = element.attribute("rel");
        if let Some(rel) = rel {
            let value = rel.value.as_ref().map_or("", |v| slice(text, v));
            if value.contains("{{") || value.contains("{%") {
                continue;
            }
            let lower = value.to_ascii_lowercase();
            if lower
                .split_ascii_whitespace()
                .any(|w| w == "noopener" || w == "noreferrer")
            {
                continue;
            }
        }
        findings.push(
            Finding::new(
                RULE.code,
                element.start_tag.clone(),
                RULE.severity,
                "this link opens another site in a new tab without `rel=\"noopener\"`: the opened page can navigate this one (tabnabbing) in browsers that do not imply noopener",
            )
            .with_fix(Some(fix(text, element))),
        );
    }
    for finding in findings {
        checker.report(finding);
    }
}

fn fix(text: &str, element: &Element) -> Fix {
    let title = "Add `rel=\"noopener noreferrer\"`";
    let edit = match element.attribute("rel") {
        Some(rel) => match (&rel.value, rel.quote) {
            (Some(value), Quote::Double | Quote::Single) => {
                let existing = slice(text, value);
                let sep = if existing.trim().is_empty() || existing.ends_with(' ') {
                    ""
                } else {
                    " "
                };
                Edit::insert(value.end, format!("{sep}noopener noreferrer"))
            }
            (Some(value), Quote::None) => Edit::replace(
                value.clone(),
                format!("\"{} noopener noreferrer\"", slice(text, value)),
            ),
            (None, _) => Edit::insert(rel.range.end, "=\"noopener noreferrer\""),
        },
        None => {
            let at = element
                .attribute("target")
                .map_or(element.name_range.end, |t| t.range.end);
            Edit::insert(at, " rel=\"noopener noreferrer\"")
        }
    };
    Fix::unsafe_(title, vec![edit])
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix_in, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Template, src, &["DJS531"])
    }

    #[test]
    fn flags_external_blank_links() {
        let src = concat!(
            "<a href=\"https://example.com\" target=\"_blank\">x</a>\n",
            "  <a target=_BLANK href=\"{{ link.url }}\" rel=\"nofollow\">y</a>\n",
            "{% for l in links %}<a href=\"//cdn.example.com/{{ l }}\" target='_blank'>{{ l }}</a>{% endfor %}\n",
        );
        assert_eq!(
            codes(src),
            vec![
                ("DJS531", 1, 1, "info"),
                ("DJS531", 2, 3, "info"),
                ("DJS531", 3, 21, "info"),
            ]
        );
    }

    #[test]
    fn ignores_safe_look_alikes() {
        let src = concat!(
            "<a href=\"https://example.com\" target=\"_blank\" rel=\"noopener\">x</a>\n",
            "<a href=\"https://example.com\" target=\"_blank\" rel=\"external NoReferrer\">x</a>\n",
            "<a href=\"{% url 'home' %}\" target=\"_blank\">x</a><a href=\"/about/\" target=\"_blank\">x</a>\n",
            "<a href=\"https://example.com\">x</a><a href=\"https://example.com\" target=\"_self\">x</a>\n",
            "<a href=\"{{ u }}\" target=\"_blank\" rel=\"{{ rel }}\">x</a>\n",
            "<a href=\"https://example.com\" target=\"_blank\"",
        );
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn fix_adds_rel() {
        let cases = [
            (
                "<a href=\"https://e.com\" target=\"_blank\">x</a>",
                "<a href=\"https://e.com\" target=\"_blank\" rel=\"noopener noreferrer\">x</a>",
            ),
            (
                "<a target=\"_blank\" href=\"{{ u }}\" rel=\"nofollow\">x</a>",
                "<a target=\"_blank\" href=\"{{ u }}\" rel=\"nofollow noopener noreferrer\">x</a>",
            ),
            (
                "<a target=\"_blank\" href=\"{{ u }}\" rel=nofollow>x</a>",
                "<a target=\"_blank\" href=\"{{ u }}\" rel=\"nofollow noopener noreferrer\">x</a>",
            ),
            (
                "<a target=\"_blank\" href=\"{{ u }}\" rel=\"\">x</a>",
                "<a target=\"_blank\" href=\"{{ u }}\" rel=\"noopener noreferrer\">x</a>",
            ),
            (
                "<a target=\"_blank\" href=\"{{ u }}\" rel>x</a>",
                "<a target=\"_blank\" href=\"{{ u }}\" rel=\"noopener noreferrer\">x</a>",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(assert_fix_in(Language::Template, src, "DJS531"), want);
        }
    }
}
