//! DJS313 `cookie-without-flags`: `set_cookie()` / `set_signed_cookie()` without `secure`,
//! `httponly` or with `samesite="None"` and no `secure`.

use tree_sitter::Node;

use super::views::{Module, Scope, string_value};
use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const RULE: Rule = Rule {
    code: "DJS313",
    name: "cookie-without-flags",
    family: Family::Access,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A cookie is set without `secure=True` or `httponly=True`.",
    django_checks: &[],
    peers: &[
        "semgrep:django-secure-set-cookie",
        "sonar:S2092",
        "sonar:S3330",
        "codeql:py/insecure-cookie",
        "codeql:py/client-exposed-cookie",
        "codeql:py/samesite-none-cookie",
    ],
    docs: r#"
## What it does
Reports `set_cookie()` and `set_signed_cookie()` calls — on any response object, whatever the
variable is called — that do not pass `secure=True` or `httponly=True`, or that pass
`samesite="None"` without `secure=True` (browsers reject such cookies). An explicit
`httponly=False` or `secure=False` is taken as a decision and only reported on cookies whose
name looks sensitive. Calls with `**kwargs` are not reported.

The finding is a **warning** when the cookie's name looks sensitive (session, token, auth, JWT,
key, secret, remember-me, CSRF, API...) and **info** otherwise.

## Why is this bad?
`SESSION_COOKIE_SECURE` and friends only cover Django's own cookies. A cookie set by hand without
`secure` is also sent over plain HTTP, where anyone on the network can read it; without `httponly`
any script on the page — including injected ones (XSS) — can read it.

## Example
```python
response.set_cookie("auth_token", token)
```

Use instead:
```python
response.set_cookie("auth_token", token, secure=True, httponly=True, samesite="Lax")
```

## Fix
The quick-fix adds the missing `secure=True`, `httponly=True` and `samesite="Lax"` arguments. It
never changes an explicit value.

## Fix safety
Unsafe: after the fix the cookie is not sent over plain HTTP (local development without HTTPS)
and JavaScript can no longer read it, which breaks front-end code that did.

## References
- Django: [`HttpResponse.set_cookie()`](https://docs.djangoproject.com/en/stable/ref/request-response/#django.http.HttpResponse.set_cookie)
- OWASP: Session Management Cheat Sheet (cookie attributes); CWE-614, CWE-1004, CWE-1275
"#,
};

/// Substrings of cookie names that carry credentials or session state.
const SENSITIVE: &[&str] = &[
    "session",
    "sess",
    "token",
    "auth",
    "jwt",
    "sid",
    "key",
    "secret",
    "remember",
    "login",
    "csrf",
    "access",
    "refresh",
    "credential",
    "pass",
    "api",
    "user",
];

/// How a flag is given in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flag {
    Missing,
    /// `False`, `None` or `0`.
    Off,
    /// Anything else (`True`, a setting, an expression).
    Set,
}

pub fn check(checker: &mut PyChecker, module: &Module) {
    if module.file.tests || module.scope != Scope::Units {
        return;
    }
    let calls = checker.model.index.calls.clone();
    for call in calls {
        let src = checker.source();
        let Some(method) = node::callee_name(call, src) else {
            continue;
        };
        if !matches!(method, "set_cookie" | "set_signed_cookie")
            || node::call_receiver(call).is_none()
        {
            continue;
        }
        let Some(args) = call.child_by_field_name("arguments") else {
            continue;
        };
        let mut cursor = args.walk();
        let items: Vec<Node> = args
            .named_children(&mut cursor)
            .filter(|a| a.kind() != "comment")
            .collect();
        // `**kwargs` may carry the flags; `max_age=0` deletes the cookie.
        if items.iter().any(|a| a.kind() == "dictionary_splat")
            || node::keyword_arg(call, "max_age", src).is_some_and(|v| node::text(v, src) == "0")
        {
            continue;
        }
        let positional = node::positional_args(call);
        // `set_cookie(key, value, max_age, expires, path, domain, secure, httponly, samesite)`.
        let by_position = |i: usize| method == "set_cookie" && positional.len() > i;
        let flag = |name: &str, position: usize| -> (Flag, Option<String>) {
            let value = node::keyword_arg(call, name, src).or_else(|| {
                by_position(position)
                    .then(|| positional.get(position).copied())
                    .flatten()
            });
            match value {
                None => (Flag::Missing, None),
                Some(v) => {
                    let text = node::text(v, src);
                    let flag = if matches!(text, "False" | "None" | "0") {
                        Flag::Off
                    } else {
                        Flag::Set
                    };
                    (flag, string_value(v, src))
                }
            }
        };
        let (secure, _) = flag("secure", 6);
        let (httponly, _) = flag("httponly", 7);
        let (samesite, samesite_value) = flag("samesite", 8);
        let key = positional
            .first()
            .copied()
            .or_else(|| node::keyword_arg(call, "key", src));
        let key_text = key.and_then(|k| string_value(k, src));
        let sensitive = key_text.as_deref().is_some_and(|k| {
            let lower = k.to_ascii_lowercase();
            SENSITIVE.iter().any(|s| lower.contains(s))
        });
        let samesite_none = samesite_value
            .as_deref()
            .is_some_and(|v| v.eq_ignore_ascii_case("none"));
        let mut problems = Vec::new();
        if samesite_none && secure != Flag::Set {
            problems.push("`secure=True` (required with `samesite=\"None\"`)");
        } else if secure == Flag::Missing || (secure == Flag::Off && sensitive) {
            problems.push("`secure=True`");
        }
        if httponly == Flag::Missing || (httponly == Flag::Off && sensitive) {
            problems.push("`httponly=True`");
        }
        // The fix only adds missing flags: an explicit `False` is left for a human.
        let fixable = secure != Flag::Off && httponly != Flag::Off;
        if problems.is_empty() {
            continue;
        }
        let shown = match &key_text {
            Some(k) => format!("`{method}(\"{k}\", ...)`"),
            None => format!("`{method}(...)`"),
        };
        let (severity, why) = if sensitive {
            (
                Severity::Warning,
                "this cookie looks sensitive: it can leak over plain HTTP or to scripts on the page",
            )
        } else {
            (
                Severity::Info,
                "the cookie can leak over plain HTTP or to scripts on the page",
            )
        };
        let message = format!("{shown} without {}: {why}", problems.join(", "));
        let fix = fixable
            .then(|| flags_fix(args, &items, src, secure, httponly, samesite))
            .flatten();
        checker.report(Finding::new(RULE.code, call.byte_range(), severity, message).with_fix(fix));
    }
}

/// Add the missing flags after the last argument.
fn flags_fix(
    args: Node,
    items: &[Node],
    src: &str,
    secure: Flag,
    httponly: Flag,
    samesite: Flag,
) -> Option<Fix> {
    let last = items.last()?;
    let mut added = Vec::new();
    if secure == Flag::Missing {
        added.push("secure=True");
    }
    if httponly == Flag::Missing {
        added.push("httponly=True");
    }
    if samesite == Flag::Missing {
        added.push("samesite=\"Lax\"");
    }
    if added.is_empty() || node::text(args, src).contains('#') {
        return None;
    }
    Some(Fix::unsafe_(
        format!("Add {}", added.join(", ")),
        vec![Edit::insert(
            last.end_byte(),
            format!(", {}", added.join(", ")),
        )],
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::codes_of;
    use crate::analysis::testing::{assert_fix, fix_applicability};

    fn codes_at(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_of(src, &["DJS313"])
    }

    #[test]
    fn flags_missing_flags_on_any_receiver() {
        let src = "def v(request):\n    r = HttpResponse()\n    r.set_cookie('auth_token', t)\n    resp.set_signed_cookie('theme', 'dark', salt='x', secure=True)\n    r.set_cookie('sessionid', s, secure=True, httponly=False)\n    r.set_cookie('x', 'y', secure=True, httponly=True, samesite='None')\n    r.set_cookie('a', 'b', None, None, '/', None, True, True)\n    r.set_cookie('tracking', v, samesite='None', httponly=True)\n";
        assert_eq!(
            codes_at(src),
            vec![
                ("DJS313", 3, 5, "warning"),
                ("DJS313", 4, 5, "info"),
                ("DJS313", 5, 5, "warning"),
                ("DJS313", 8, 5, "info"),
            ]
        );
    }

    #[test]
    fn silent_on_complete_flags_splats_and_deliberate_choices() {
        let src = "def v(request):\n    r.set_cookie('auth', t, secure=True, httponly=True, samesite='Strict')\n    r.set_cookie('theme', 'dark', secure=not settings.DEBUG, httponly=False)\n    r.set_cookie(**options)\n    r.set_cookie('k', v, secure=settings.SECURE, httponly=True)\n    r.delete_cookie('auth')\n    r.set_cookie('auth', max_age=0, path='/')\n    set_cookie('x', 'y')\n";
        assert_eq!(codes_at(src), vec![]);
    }

    #[test]
    fn fix_adds_only_missing_flags() {
        let src = "def v(request):\n    r.set_cookie('auth_token', t,)\n    r.set_cookie('sessionid', s, httponly=False)\n";
        assert_eq!(fix_applicability(src, "DJS313"), vec!["unsafe", "none"]);
        let fixed = assert_fix(src, "DJS313");
        assert_eq!(
            fixed,
            "def v(request):\n    r.set_cookie('auth_token', t, secure=True, httponly=True, samesite=\"Lax\",)\n    r.set_cookie('sessionid', s, httponly=False)\n"
        );
        let none =
            "def v(request):\n    r.set_cookie('tracking', v, samesite='None', httponly=True)\n";
        let fixed = assert_fix(none, "DJS313");
        assert!(
            fixed.contains(
                "r.set_cookie('tracking', v, samesite='None', httponly=True, secure=True)"
            ),
            "{fixed}"
        );
    }
}
