//! DJS704 `secret-key-derived`: `SECRET_KEY` used as the salt of Hashids (or the like), whose
//! output leaks it.

use tree_sitter::Node;

use crate::analysis::python::PyChecker;
use crate::analysis::{Finding, Severity};
use crate::rules::{Family, FixAvailability, Rule};
use crate::semantic::node;

pub const RULE: Rule = Rule {
    code: "DJS704",
    name: "secret-key-as-salt",
    family: Family::Auth,
    severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "`SECRET_KEY` is the salt of Hashids or a hashid field, whose public output leaks it.",
    django_checks: &[],
    peers: &["semgrep:hashids-with-django-secret"],
    docs: r#"
## What it does
Reports `settings.SECRET_KEY` (or a slice of it, or a name assigned from it) passed as the salt
of `hashids.Hashids(...)` (first argument or `salt=`), of django-hashid-field's `HashidField` /
`HashidAutoField` (`salt=`), and `HASHID_FIELD_SALT = SECRET_KEY` in settings.

## Why is this bad?
Hashids is an encoding, not encryption: its "salt" only shuffles the alphabet, and it can be
recovered from enough encoded ids — which the site shows in every URL. Whoever recovers it knows
`SECRET_KEY` (or a part of it, which shortens the search for the rest): they can forge session
cookies, password-reset links and signed values.

## Example
```python
from django.conf import settings
from hashids import Hashids

hashids = Hashids(salt=settings.SECRET_KEY, min_length=8)
```

Use instead:
```python
from django.conf import settings
from hashids import Hashids

hashids = Hashids(salt=settings.HASHIDS_SALT, min_length=8)  # its own random value
```

## Fix
No quick-fix: add a setting of its own (a random string, from the environment) and use it as the
salt. Changing the salt changes every id the site has published; keep the old salt for decoding
old links if they must keep working.

## Fix safety
No fix is offered.

## References
- Django: [`SECRET_KEY`](https://docs.djangoproject.com/en/stable/ref/settings/#secret-key) (what relies on it)
- Hashids: [cryptanalysis](https://carnage.github.io/2015/08/cryptanalysis-of-hashids); CWE-321, CWE-200
"#,
};

/// Callables with a salt: `(qualified name, salt position)`.
const SALTED: &[(&str, Option<usize>)] = &[
    ("hashids.Hashids", Some(0)),
    ("hashid_field.HashidField", None),
    ("hashid_field.HashidAutoField", None),
    ("hashid_field.BigHashidField", None),
    ("hashid_field.BigHashidAutoField", None),
    ("hashid_field.field.HashidField", None),
    ("hashid_field.field.HashidAutoField", None),
    ("hashid_field.rest.HashidSerializerCharField", None),
];

pub fn check(checker: &mut PyChecker) {
    let src = checker.source();
    let calls = checker.model.index.call_sites.clone();
    for site in calls {
        let Some(function) = site.function else {
            continue;
        };
        if !matches!(
            site.name,
            Some(
                "Hashids"
                    | "HashidField"
                    | "HashidAutoField"
                    | "BigHashidField"
                    | "BigHashidAutoField"
                    | "HashidSerializerCharField"
            )
        ) {
            continue;
        }
        let Some(qualified) = checker.model.qualified_name(function) else {
            continue;
        };
        let Some((_, position)) = SALTED.iter().find(|(q, _)| *q == qualified) else {
            continue;
        };
        let call = site.node;
        let Some(salt) = position
            .and_then(|p| node::positional_args(call).get(p).copied())
            .or_else(|| node::keyword_arg(call, "salt", src))
        else {
            continue;
        };
        if !mentions_secret_key(checker, salt, 0) {
            continue;
        }
        let name = qualified.rsplit('.').next().unwrap_or("Hashids");
        checker.report(Finding::new(
            RULE.code,
            salt.byte_range(),
            RULE.severity,
            format!(
                "`SECRET_KEY` is the salt of `{name}`: the ids it encodes are public and the salt can be recovered from them, which leaks the key; use a salt of its own"
            ),
        ));
    }
    // `HASHID_FIELD_SALT = SECRET_KEY` in settings.
    let statements = checker.model.index.statements.clone();
    for statement in statements {
        let Some((left, right)) = node::name_assignment(statement) else {
            continue;
        };
        if node::text(left, src) == "HASHID_FIELD_SALT" && mentions_secret_key(checker, right, 0) {
            checker.report(Finding::new(
                RULE.code,
                right.byte_range(),
                RULE.severity,
                "`SECRET_KEY` is the salt of every hashid field: the ids are public and the salt can be recovered from them, which leaks the key; use a salt of its own",
            ));
        }
    }
}

/// Whether an expression is made of `SECRET_KEY` (`settings.SECRET_KEY`, `SECRET_KEY[:10]`,
/// `f"{settings.SECRET_KEY}x"`, or a name assigned from one).
fn mentions_secret_key(checker: &PyChecker, expr: Node, depth: u32) -> bool {
    let src = checker.source();
    if !node::text(expr, src).contains("SECRET_KEY") {
        let expr = node::unparenthesize(expr);
        if expr.kind() == "identifier" && depth < 2 {
            let index = &checker.model.index;
            let bindings = index.bindings(index.scope_at(expr), node::text(expr, src));
            return bindings
                .iter()
                .rfind(|b| b.node.end_byte() <= expr.start_byte())
                .and_then(|b| b.value)
                .is_some_and(|v| mentions_secret_key(checker, v, depth + 1));
        }
        return false;
    }
    let mut found = false;
    node::walk(expr, |n| {
        if n.kind() == "identifier" && node::text(n, src) == "SECRET_KEY" {
            found = true;
        }
        // A call of something else (`hashlib.sha256(SECRET_KEY)`) derives a value that does not
        // give the key back.
        (!found && n.kind() != "call") || n == expr
    });
    found
}

#[cfg(test)]
mod tests {
    use crate::analysis::testing::codes_at_only;
    use crate::syntax::Language;

    fn codes(src: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at_only(Language::Python, src, &["DJS704"])
    }

    #[test]
    fn flags_secret_key_salts() {
        let src = "from django.conf import settings\nfrom hashids import Hashids\nfrom hashid_field import HashidField\nh = Hashids(settings.SECRET_KEY)\nsalt = settings.SECRET_KEY[:16]\ng = Hashids(salt=salt, min_length=8)\nclass M:\n    ref = HashidField(salt=f'{settings.SECRET_KEY}-ref')\nHASHID_FIELD_SALT = SECRET_KEY\n";
        assert_eq!(
            codes(src),
            vec![
                ("DJS704", 4, 13, "warning"),
                ("DJS704", 6, 18, "warning"),
                ("DJS704", 8, 28, "warning"),
                ("DJS704", 9, 21, "warning"),
            ]
        );
    }

    #[test]
    fn silent_on_own_salts_and_derived_keys() {
        let src = "import hashlib\nfrom django.conf import settings\nfrom hashids import Hashids\nh = Hashids(settings.HASHIDS_SALT)\ng = Hashids(salt=hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest())\nHASHID_FIELD_SALT = env('HASHID_SALT')\n";
        assert_eq!(codes(src), vec![]);
    }
}
