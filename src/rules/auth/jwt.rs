//! DJS705 `jwt-verification-disabled`: `jwt.decode()` with signature verification turned off or
//! the `none` algorithm accepted.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS705",
    name: "jwt-verification-disabled",
    family: Family::Auth,
    severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "A JWT is decoded without verifying its signature.",
    django_checks: &[],
    peers: &[
        "semgrep:unverified-jwt-decode",
        "semgrep:jwt-python-none-alg",
    ],
    docs: r#"
## What it does
Reports `jwt.decode()` (PyJWT, also `decode_complete()`) and python-jose's `jwt.decode()` called
with `options={"verify_signature": False}` (also through a name assigned a dict), `verify=False`
(PyJWT 1), or an `algorithms` list that accepts `"none"`.

Severity: an **error** when the token comes from the request (a header, a cookie, a parameter);
a **warning** when its origin is unknown; a **hint** when the same function also decodes with
verification (reading the header or the issuer before choosing the key is a legitimate use).

## Why is this bad?
Without the signature check anyone can write a token: change `user_id`, `is_staff` or `exp` and
the application believes it. With `none` accepted, an attacker strips the signature and sets
`"alg": "none"`.

## Example
```python
import jwt

def me(request):
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    return JsonResponse({"user": claims["sub"]})
```

Use instead:
```python
import jwt

def me(request):
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, settings.JWT_KEY, algorithms=["HS256"])
    return JsonResponse({"user": claims["sub"]})
```

## Fix
No quick-fix: pass the key and the list of algorithms the issuer uses. To read unverified claims
on purpose (the issuer, to pick a key), use `jwt.get_unverified_header()` and decode with
verification afterwards.

## Fix safety
No fix is offered.

## References
- PyJWT: [Usage](https://pyjwt.readthedocs.io/en/stable/usage.html), [`decode`](https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode)
- OWASP: JSON Web Token Cheat Sheet; CWE-347
"#,
};

const DECODERS: &[&str] = &[
    "jwt.decode",
    "jwt.decode_complete",
    "jwt.api_jwt.decode",
    "jwt.api_jwt.decode_complete",
    "jwt.PyJWT.decode",
    "jose.jwt.decode",
];

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let calls = checker.model.index.call_sites.clone();
    let decodes: Vec<(Node, Option<&'static str>)> = calls
        .iter()
        .filter(|s| matches!(s.name, Some("decode" | "decode_complete")))
        .filter_map(|s| {
            let q = checker.model.qualified_name(s.function?)?;
            DECODERS
                .contains(&q.as_str())
                .then(|| (s.node, unverified(checker, s.node)))
        })
        .collect();
    for (call, why) in &decodes {
        let Some(why) = why else {
            continue;
        };
        let token = node::positional_args(*call)
            .first()
            .copied()
            .or_else(|| node::keyword_arg(*call, "jwt", src))
            .or_else(|| node::keyword_arg(*call, "token", src));
        let flow = token.map(|t| checker.model.flow_for(t, SinkKind::Code));
        let function = checker.model.index.enclosing_function(*call);
        let verified_too = decodes.iter().any(|(other, w)| {
            w.is_none() && checker.model.index.enclosing_function(*other) == function
        });
        let request = flow.as_ref().is_some_and(|f| f.level == Level::Request);
        let severity = if verified_too {
            Severity::Hint
        } else if request {
            Severity::Error
        } else {
            Severity::Warning
        };
        let origin = match flow.as_ref().and_then(|f| f.source.as_deref()) {
            Some(source) if request => format!("a token from {source}"),
            _ => "a token".to_string(),
        };
        let mut finding = Finding::new(
            RULE.code,
            call.byte_range(),
            severity,
            format!(
                "`jwt.decode()` {why}: {origin} is trusted without checking its signature, so anyone can forge its claims"
            ),
        );
        if let Some(token) = token.filter(|_| request) {
            let label = super::call_label(checker, *call);
            let steps = super::steps(checker, token, SinkKind::Code, *call, label);
            if !steps.is_empty() {
                finding.message = format!(
                    "{} ({})",
                    finding.message,
                    crate::rules::injection::describe_path(&steps)
                );
                finding = finding.with_steps(steps);
            }
        }
        checker.report(finding);
    }
}

/// Why a decode call does not verify: `None` when it does (as far as the call shows).
fn unverified(checker: &PyChecker, call: Node) -> Option<&'static str> {
    let src = checker.source();
    if node::keyword_arg(call, "verify", src)
        .map(node::unparenthesize)
        .is_some_and(|v| v.kind() == "false")
    {
        return Some("with `verify=False`");
    }
    if let Some(options) = node::keyword_arg(call, "options", src)
        && let Some(dict) = dict_literal(checker, options)
        && disables_signature(dict, src)
    {
        return Some("with `verify_signature` off");
    }
    if let Some(algorithms) = node::keyword_arg(call, "algorithms", src) {
        let algorithms = node::unparenthesize(algorithms);
        if matches!(algorithms.kind(), "list" | "tuple" | "set") {
            let mut cursor = algorithms.walk();
            if algorithms.named_children(&mut cursor).any(|a| {
                a.kind() == "string"
                    && node::text(a, src)
                        .trim_matches(['"', '\''])
                        .eq_ignore_ascii_case("none")
            }) {
                return Some("accepting the `none` algorithm");
            }
        }
    }
    None
}

/// A dict literal, written in place or assigned once to the name used.
fn dict_literal<'t>(checker: &PyChecker<'t>, expr: Node<'t>) -> Option<Node<'t>> {
    let expr = node::unparenthesize(expr);
    match expr.kind() {
        "dictionary" => Some(expr),
        "identifier" => {
            let src = checker.source();
            let index = &checker.model.index;
            let name = node::text(expr, src);
            let local = index
                .bindings(index.scope_at(expr), name)
                .iter()
                .rfind(|b| b.node.end_byte() <= expr.start_byte());
            // A module constant (`OPTIONS = {...}`) used in a function.
            let binding =
                local.or_else(|| index.bindings(crate::semantic::index::MODULE, name).last())?;
            let value = binding.value?;
            let value = node::unparenthesize(value);
            (value.kind() == "dictionary").then_some(value)
        }
        _ => None,
    }
}

/// `{"verify_signature": False}`.
fn disables_signature(dict: Node, src: &str) -> bool {
    let mut cursor = dict.walk();
    dict.named_children(&mut cursor)
        .filter(|p| p.kind() == "pair")
        .any(|pair| {
            let key = pair
                .field(Field::Key)
                .map(|k| node::text(k, src).trim_matches(['"', '\'']).to_string());
            let value = pair.field(Field::Value).map(node::unparenthesize);
            key.as_deref() == Some("verify_signature")
                && value.is_some_and(|v| v.kind() == "false" || node::text(v, src) == "0")
        })
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::codes_at_only;
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS705"])
    }

    #[test]
    fn flags_unverified_decodes() {
        let src = "import jwt\nfrom jose import jwt as jose_jwt\nOPTS = {'verify_signature': False}\ndef v(request):\n    token = request.headers['Authorization']\n    jwt.decode(token, options={'verify_signature': False})\n    jose_jwt.decode(request.COOKIES['t'], 'k', options=OPTS)\n    jwt.decode(token, 'k', algorithms=['HS256', 'none'])\ndef w(raw):\n    return jwt.decode(raw, verify=False)\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS705", 6, 5, "error"),
                ("DJS705", 7, 5, "error"),
                ("DJS705", 8, 5, "error"),
                ("DJS705", 10, 12, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_verified_decodes_and_a_hint_for_peeking() {
        let src = "import jwt\ndef v(request):\n    token = request.headers['Authorization']\n    jwt.decode(token, KEY, algorithms=['HS256'])\n    jwt.decode(token, KEY, algorithms=['RS256'], options={'verify_exp': False})\ndef issuer_first(request):\n    token = request.headers['Authorization']\n    unverified = jwt.decode(token, options={'verify_signature': False})\n    return jwt.decode(token, keys[unverified['iss']], algorithms=['RS256'])\n";
        assert_eq!(codes(src), vec![("DJS705", 8, 18, "hint")]);
    }
}
