//! DJS703 `timing-unsafe-comparison`: a secret compared with request data by `==` / `!=`.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Edit, Finding, Fix, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::{Level, SinkKind, node};
use crate::syntax::python::{Field, Fields};

pub const RULE: Rule = Rule {
    code: "DJS703",
    name: "timing-unsafe-comparison",
    family: Family::Auth,
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "A secret (token, signature, key) is compared with request data by `==` instead of a constant-time comparison.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports `==` and `!=` between request data (a header, a parameter, a cookie, a form's
`cleaned_data`; followed through local variables and the project's helpers) and a secret the
server holds: a value whose name ends with token, secret, signature, digest, HMAC, password, OTP
or API/secret/private key (`settings.WEBHOOK_SECRET`, `user.api_token`, `order.secret.lower()`), or an HMAC or hash digest computed just before
(`expected = hmac.new(...).hexdigest()`).

Not reported: values read from the requester's own session (`request.session["oauth_state"]`,
an OAuth request token kept there): only the holder of that session cookie can probe them, and
they received the value in the first place; comparisons with constants (`== "true"`) and choice constants
(`Restriction.PASSWORD`), between two request values, with values whose names say nothing secret
(an ETag, `token_endpoint_auth_method`: only the last word of a name counts);
`hmac.compare_digest()` and `constant_time_compare()`.

## Why is this bad?
`==` on strings stops at the first differing character, so it answers faster the fewer leading
characters are right. Measuring many requests reveals a webhook signature or an API token one
character at a time. Django and the standard library have comparisons whose time does not depend
on the contents.

## Example
```python
def webhook(request):
    expected = hmac.new(KEY, request.body, hashlib.sha256).hexdigest()
    if request.headers["X-Signature"] != expected:
        return HttpResponseForbidden()
```

Use instead:
```python
from django.utils.crypto import constant_time_compare

def webhook(request):
    expected = hmac.new(KEY, request.body, hashlib.sha256).hexdigest()
    if not constant_time_compare(request.headers["X-Signature"], expected):
        return HttpResponseForbidden()
```

## Fix
`a == b` becomes `constant_time_compare(a, b)` and `a != b` becomes
`not constant_time_compare(a, b)`, with `from django.utils.crypto import constant_time_compare`.

## Fix safety
Unsafe: `constant_time_compare()` encodes both sides to bytes, so a `str` equals the `bytes` of
the same text and `None` compares as `"None"`; `==` said neither.

## References
- Django: [`constant_time_compare`](https://github.com/django/django/blob/main/django/utils/crypto.py); Python: [`hmac.compare_digest`](https://docs.python.org/3/library/hmac.html#hmac.compare_digest)
- CWE-208
"#,
};

/// Words that mark a secret in a name (after splitting on `_`, `.`, case changes).
const SECRET_WORDS: &[&str] = &[
    "token",
    "secret",
    "signature",
    "sig",
    "digest",
    "hexdigest",
    "hmac",
    "password",
    "passwd",
    "otp",
    "apikey",
];

/// Pairs of words that mark a secret key.
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("api", "key"),
    ("secret", "key"),
    ("private", "key"),
    ("access", "key"),
    ("auth", "key"),
    ("signing", "key"),
];

/// The words of a piece of code: identifiers split at `_`, `.`, and case changes, lower-cased.
fn words(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in code.chars() {
        if c.is_ascii_alphanumeric() {
            if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
            current.push(c.to_ascii_lowercase());
        } else {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// String methods that keep what a value is (`order.secret.lower()` is still the secret).
const TRANSFORMS: &[&str] = &[
    "lower", "upper", "strip", "lstrip", "rstrip", "encode", "decode", "casefold",
];

/// Whether a name names a secret: its last word is a secret word (`webhook_secret`,
/// `X-Hub-Signature`, `apiToken`), or its last two words a secret key (`API_KEY`). An inner
/// word does not count (`token_endpoint_auth_method` is a method).
pub(crate) fn names_secret(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    SECRET_WORDS.contains(&last.as_str())
        || words
            .len()
            .checked_sub(2)
            .and_then(|i| words.get(i..))
            .is_some_and(|p| SECRET_PAIRS.contains(&(p[0].as_str(), p[1].as_str())))
}

/// The name an expression is known by: a name or attribute as written, a subscript's key
/// (`session["oauth_token"]`), a call's callee (`hmac.new(...).hexdigest`), through string
/// methods (`order.secret.lower()` is `order.secret`).
fn expr_name(expr: Node, src: &str, depth: u32) -> String {
    let expr = node::unparenthesize(expr);
    match expr.kind() {
        "call" if depth < 8 => {
            let Some(function) = expr.field(Field::Function) else {
                return String::new();
            };
            if function.kind() == "attribute"
                && function
                    .field(Field::Attribute)
                    .is_some_and(|a| TRANSFORMS.contains(&node::text(a, src)))
                && let Some(receiver) = function.field(Field::Object)
            {
                return expr_name(receiver, src, depth + 1);
            }
            match function.kind() {
                "attribute" => function
                    .field(Field::Attribute)
                    .map_or(String::new(), |a| node::text(a, src).to_string()),
                _ => node::text(function, src).to_string(),
            }
        }
        "subscript" => expr
            .field(Field::Subscript)
            .filter(|k| k.kind() == "string")
            .map_or_else(
                || node::text(expr, src).to_string(),
                |k| node::text(k, src).to_string(),
            ),
        _ => node::text(expr, src).to_string(),
    }
}

/// Calls that compute a secret (`hmac.new(...).hexdigest()`, `make_token(...)`).
const SECRET_PRODUCERS: &[&str] = &["make_token", "compute_signature"];

/// Whether the expected side of a comparison holds a secret: its name says so, or it is (or a
/// name assigned from) a digest or token computed just before. `Class.PASSWORD`-style constants
/// (a choice, not a secret) do not count.
fn is_secret(checker: &PyChecker, expr: Node, depth: u32) -> bool {
    let src = checker.source();
    let mut expr = node::unparenthesize(expr);
    // `order.secret.lower()` is `order.secret`.
    for _ in 0..8 {
        let receiver = (expr.kind() == "call")
            .then(|| expr.field(Field::Function))
            .flatten()
            .filter(|f| {
                f.kind() == "attribute"
                    && f.field(Field::Attribute)
                        .is_some_and(|a| TRANSFORMS.contains(&node::text(a, src)))
            })
            .and_then(|f| f.field(Field::Object));
        match receiver {
            Some(r) => expr = node::unparenthesize(r),
            None => break,
        }
    }
    if expr.kind() == "attribute"
        && expr.field(Field::Object).is_some_and(|o| {
            o.kind() == "identifier"
                && node::text(o, src).starts_with(|c: char| c.is_ascii_uppercase())
        })
        && expr.field(Field::Attribute).is_some_and(|a| {
            let a = node::text(a, src);
            a.chars()
                .all(|c| c.is_ascii_uppercase() || c == '_' || c.is_ascii_digit())
        })
    {
        return false;
    }
    let name = expr_name(expr, src, 0);
    if expr.kind() == "call" {
        // A call that computes the secret (`make_token(user)`), not one that works on a value
        // named so (`strip_signature(body)`).
        let lower = name.to_ascii_lowercase();
        // A digest is a secret when a key went in (`hmac.new(KEY, ...).hexdigest()`); a plain
        // hash of content (an ETag) is not.
        if matches!(name.as_str(), "hexdigest" | "digest") {
            return node::text(expr, src).to_ascii_lowercase().contains("hmac");
        }
        return SECRET_PRODUCERS.contains(&name.as_str())
            || (names_secret(&name)
                && [
                    "get",
                    "make",
                    "compute",
                    "generate",
                    "create",
                    "calculate",
                    "build",
                ]
                .iter()
                .any(|verb| lower.starts_with(verb)));
    }
    if names_secret(&name) {
        return true;
    }
    if expr.kind() == "identifier" && depth < 2 {
        let index = &checker.model.index;
        let bindings = index.bindings(index.scope_at(expr), node::text(expr, src));
        if let Some(binding) = bindings
            .iter()
            .rfind(|b| b.node.end_byte() <= expr.start_byte())
            && let Some(value) = binding.value
            && node::unparenthesize(value).kind() == "call"
        {
            return is_secret(checker, value, depth + 1);
        }
    }
    false
}

/// Whether a value is read from the requester's own session (`request.session["oauth_state"]`,
/// or a name assigned from it): only someone holding that session cookie can probe it, and the
/// session's owner is the one who received the value (an OAuth `state`, a request token) in the
/// first place. Timing reveals nothing they do not have.
fn from_own_session(checker: &PyChecker, expr: Node, depth: u32) -> bool {
    let src = checker.source();
    let mut base = node::unparenthesize(expr);
    // `session_token["oauth_token"]`, `request.session.pop("state")`: down to what is read.
    for _ in 0..8 {
        let next = match base.kind() {
            "subscript" => base.field(Field::Value),
            "call" => base
                .field(Field::Function)
                .filter(|f| f.kind() == "attribute")
                .and_then(|f| f.field(Field::Object)),
            _ => None,
        };
        match next {
            Some(n) => base = node::unparenthesize(n),
            None => break,
        }
    }
    let text = node::text(base, src);
    if text == "request.session" || text == "self.request.session" {
        return true;
    }
    if base.kind() == "identifier" && depth < 2 {
        let index = &checker.model.index;
        let bindings = index.bindings(index.scope_at(base), text);
        if let Some(value) = bindings
            .iter()
            .rfind(|b| b.node.end_byte() <= base.start_byte())
            .and_then(|b| b.value)
        {
            return from_own_session(checker, value, depth + 1);
        }
    }
    false
}

/// Whether the secret side was computed from the very value it is compared with
/// (`at_rt = strategy.refresh_token(refresh_token)`, then `next_token == refresh_token`): it is
/// no independent secret, so timing reveals nothing the caller did not send. Follows local
/// names to the call that made the value.
fn made_from(checker: &PyChecker, secret: Node, sent: Node, depth: u32) -> bool {
    let src = checker.source();
    let sent = node::unparenthesize(sent);
    if sent.kind() != "identifier" || depth > 3 {
        return false;
    }
    let secret = node::unparenthesize(secret);
    match secret.kind() {
        "call" => {
            let Some(args) = secret.child_by_field_name("arguments") else {
                return false;
            };
            let mut cursor = args.walk();
            let arguments: Vec<Node> = args.named_children(&mut cursor).collect();
            arguments.into_iter().any(|a| {
                let value = match a.kind() {
                    "keyword_argument" => a.child_by_field_name("value"),
                    _ => Some(a),
                };
                value.is_some_and(|v| node::text(v, src) == node::text(sent, src))
            })
        }
        "identifier" => {
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(secret), node::text(secret, src));
            bindings
                .iter()
                .rfind(|b| b.node.end_byte() <= secret.start_byte())
                // `access, refresh = at_rt`: a part of what the right side made.
                .and_then(|b| {
                    b.value.or_else(|| {
                        (b.node.kind() == "assignment")
                            .then(|| b.node.child_by_field_name("right"))
                            .flatten()
                    })
                })
                .is_some_and(|value| made_from(checker, value, sent, depth + 1))
        }
        _ => false,
    }
}

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let statements = checker.model.index.statements.clone();
    let mut comparisons: Vec<Node> = Vec::new();
    for statement in statements {
        let text = node::text(statement, src);
        if !(text.contains("==") || text.contains("!=")) {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        if ![
            "token", "secret", "sig", "digest", "hmac", "key", "pass", "otp",
        ]
        .iter()
        .any(|w| lower.contains(w))
        {
            continue;
        }
        node::walk(statement, |n| {
            if n.kind() == "comparison_operator" && comparisons.len() < 4096 {
                comparisons.push(n);
            }
            true
        });
    }
    for comparison in comparisons {
        let mut cursor = comparison.walk();
        let operands: Vec<Node> = comparison.named_children(&mut cursor).collect();
        let operators: Vec<&str> = {
            let mut c = comparison.walk();
            comparison
                .children_by_field_name("operators", &mut c)
                .map(|o| node::text(o, src))
                .collect()
        };
        let ([left, right], [op]) = (operands.as_slice(), operators.as_slice()) else {
            continue;
        };
        if !matches!(*op, "==" | "!=") {
            continue;
        }
        let lf = checker.model.flow_for(*left, SinkKind::Code);
        let rf = checker.model.flow_for(*right, SinkKind::Code);
        let (request, other, other_level) = match (lf.level, rf.level) {
            (Level::Request, l) if l != Level::Request => (*left, *right, l),
            (l, Level::Request) if l != Level::Request => (*right, *left, l),
            _ => continue,
        };
        // A literal is no secret; settings are judged `Escaped` (developers' text), and a
        // secret kept in the settings is the common case.
        if !matches!(other_level, Level::Unknown | Level::Escaped) {
            continue;
        }
        if !is_secret(checker, other, 0)
            || from_own_session(checker, other, 0)
            || made_from(checker, other, request, 0)
        {
            continue;
        }
        let flow = if lf.level == Level::Request { lf } else { rf };
        let steps = super::steps(
            checker,
            request,
            SinkKind::Code,
            comparison,
            (*op).to_string(),
        );
        let path = if steps.is_empty() {
            String::new()
        } else {
            format!(" ({})", crate::rules::injection::describe_path(&steps))
        };
        let message = format!(
            "a secret is compared with {} by `{op}`: the time it takes reveals how many leading characters match; use `constant_time_compare()`{path}",
            flow.source
                .as_deref()
                .map_or("request data".to_string(), |s| format!("data from {s}")),
        );
        let fix = compare_fix(checker, comparison, *left, *right, op);
        checker.report(
            Finding::new(RULE.code, comparison.byte_range(), RULE.severity, message)
                .with_fix(fix)
                .with_steps(steps),
        );
    }
}

fn compare_fix(
    checker: &PyChecker,
    comparison: Node,
    left: Node,
    right: Node,
    op: &str,
) -> Option<Fix> {
    let src = checker.source();
    // `x == y == z` and comparisons inside comments or odd shapes are left alone.
    if comparison
        .parent()
        .is_some_and(|p| p.kind() == "comparison_operator")
    {
        return None;
    }
    let (local, import) = checker.ensure_import("django.utils.crypto", "constant_time_compare")?;
    let call = format!(
        "{local}({}, {})",
        node::text(left, src),
        node::text(right, src)
    );
    let replacement = if op == "!=" {
        let needs_parens = comparison.parent().is_some_and(|p| {
            matches!(
                p.kind(),
                "binary_operator" | "unary_operator" | "attribute" | "subscript" | "call"
            )
        });
        if needs_parens {
            format!("(not {call})")
        } else {
            format!("not {call}")
        }
    } else {
        call
    };
    let mut edits = vec![Edit::replace(comparison.byte_range(), replacement)];
    edits.extend(import);
    Some(Fix::unsafe_("Compare in constant time", edits))
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::{assert_fix, codes_at_only};
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS703"])
    }

    #[test]
    fn words_split_names() {
        assert!(super::names_secret("settings.WEBHOOK_SECRET"));
        assert!(super::names_secret("user.apiToken"));
        assert!(super::names_secret("settings.API_KEY"));
        assert!(super::names_secret("'X-Hub-Signature'"));
        assert!(!super::names_secret("token_endpoint_auth_method"));
        assert!(!super::names_secret("obj.key"));
        assert!(!super::names_secret("machine_name"));
        assert!(!super::names_secret("design"));
    }

    #[test]
    fn flags_secrets_compared_with_request_data() {
        let src = "import hashlib, hmac\nfrom django.conf import settings\ndef hook(request):\n    expected = hmac.new(b'k', request.body, hashlib.sha256).hexdigest()\n    if request.headers['X-Signature'] != expected:\n        return None\n    if request.GET.get('token') == settings.API_TOKEN:\n        return 1\n    if order.secret.lower() == request.GET['s'].lower():\n        return 2\n    return user.api_key == request.POST['key']\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS703", 5, 8, "warning"),
                ("DJS703", 7, 8, "warning"),
                ("DJS703", 9, 8, "warning"),
                ("DJS703", 11, 12, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_constants_plain_values_and_constant_time() {
        let src = "import hmac\nfrom django.utils.crypto import constant_time_compare\ndef v(request, content):\n    etag = hashlib.md5(content).hexdigest()\n    if request.headers.get('If-None-Match') == etag:\n        return 5\n    if request.POST.get('restriction_type') == Restriction.PASSWORD:\n        return 6\n    if request.POST['token_endpoint_auth_method'] == method:\n        return 7\n    stripped = strip_signature(request.POST['body'])\n    if stripped == request.POST['body']:\n        return 8\n    if request.GET.get('token') == '':\n        return 0\n    if request.POST['password1'] != request.POST['password2']:\n        return 1\n    if request.GET['page'] == obj.page:\n        return 2\n    if constant_time_compare(request.GET['token'], user.token):\n        return 3\n    return hmac.compare_digest(request.GET['sig'], expected_sig)\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn silent_on_secrets_made_from_the_value_sent() {
        // Seen in django-allauth: the new refresh token is made from (and after validating) the
        // one sent; comparing the two reveals nothing. A secret made from something else stays.
        let src = "def refresh(request, strategy):\n    refresh_token = request.POST['refresh_token']\n    at_rt = strategy.refresh_token(refresh_token)\n    access_token, next_refresh_token = at_rt\n    if next_refresh_token == refresh_token:\n        next_refresh_token = None\n    expected_token = make_token(user=request.user)\n    if expected_token != refresh_token:\n        raise PermissionDenied\n";
        assert_eq!(codes(src), vec![("DJS703", 8, 8, "warning")]);
    }

    #[test]
    fn silent_on_values_from_the_requesters_own_session() {
        // Seen in askbot and pretix: an OAuth `state` or request token kept in the session.
        let src = "def done(request):\n    state = request.GET.get('state')\n    expected_token = request.session.pop('oauth2_csrf_token', None)\n    if state != expected_token:\n        return 1\n    session_oauth_token = request.session['oauth_token']\n    if request.GET['oauth_token'] == session_oauth_token['oauth_token']:\n        return 2\n    if request.GET.get('state') != request.session['payment_oauth_token']:\n        return 3\n    if request.GET.get('token') != settings.API_TOKEN:\n        return 4\n";
        // The one secret the server holds for everyone is still reported.
        assert_eq!(codes(src), vec![("DJS703", 11, 8, "warning")]);
    }

    #[test]
    fn fix_compares_in_constant_time() {
        let src = "from django.conf import settings\ndef hook(request):\n    if request.headers['X-Token'] != settings.HOOK_TOKEN:\n        return None\n    return request.GET['t'] == settings.HOOK_TOKEN\n";
        let fixed = assert_fix(src, "DJS703");
        assert!(
            fixed.contains(
                "if not constant_time_compare(request.headers['X-Token'], settings.HOOK_TOKEN):"
            ),
            "{fixed}"
        );
        assert!(
            fixed.contains("return constant_time_compare(request.GET['t'], settings.HOOK_TOKEN)"),
            "{fixed}"
        );
        assert!(fixed.contains("from django.utils.crypto import constant_time_compare\n"));
    }
}
