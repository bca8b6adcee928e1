//! DJS435 `weak-password-hasher` and DJS436 `password-validators-missing`.

use super::{Blame, Production, Settings, fixes};
use crate::analysis::{Fix, Severity};
use crate::project::eval::Setting;
use crate::project::{Kind, Value};
use crate::rules::{Family, FixAvailability, Rule};

pub const WEAK_PASSWORD_HASHER: Rule = Rule {
    code: "DJS435",
    name: "weak-password-hasher",
    family: Family::Settings,
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    summary: "The first entry of `PASSWORD_HASHERS` (the one that hashes new passwords) is weak.",
    django_checks: &[],
    peers: &["sonar:S5344"],
    docs: r#"
## What it does
Reports production settings whose first `PASSWORD_HASHERS` entry is MD5, SHA1, unsalted MD5/SHA1 or
`crypt` (`django.contrib.auth.hashers.MD5PasswordHasher`, `SHA1PasswordHasher`,
`UnsaltedMD5PasswordHasher`, `UnsaltedSHA1PasswordHasher`, `CryptPasswordHasher`, or a custom
hasher whose name says MD5 or unsalted). Test settings often use MD5 for speed: they are development
modules and are not reported.

## Why is this bad?
Django hashes every new or changed password with the first hasher. These are fast, unsalted or
both: a leaked database is cracked in hours.

## Example
```python
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
```

Use instead:
```python
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",  # to verify and upgrade old hashes
]
```

## Fix
Inserts `PBKDF2PasswordHasher` (Django's default, no extra dependency) first, keeping the weak one
so existing hashes still verify and get upgraded at the next login.

## Fix safety
Safe: existing passwords keep working; new hashes are strong.

## References
- Django: [How Django stores passwords](https://docs.djangoproject.com/en/stable/topics/auth/passwords/)
- CWE-916, CWE-328
"#,
};

pub const PASSWORD_VALIDATORS_MISSING: Rule = Rule {
    code: "DJS436",
    name: "password-validators-missing",
    family: Family::Settings,
    severity: Severity::Warning,
    fix: FixAvailability::Always,
    summary: "`AUTH_PASSWORD_VALIDATORS` is empty or missing, or the minimum length is below 8.",
    django_checks: &[],
    peers: &[],
    docs: r#"
## What it does
Reports production settings with `django.contrib.auth` installed whose `AUTH_PASSWORD_VALIDATORS`
is empty or not set (Django's default is no validation at all), and a `MinimumLengthValidator`
configured with `min_length` below 8.

## Why is this bad?
Users can then pick `1234` or their username as password; credential stuffing and guessing succeed.

## Example
```python
AUTH_PASSWORD_VALIDATORS = []
```

Use instead:
```python
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
```

## Fix
Writes Django's four standard validators (as `startproject` does) in place of an empty list, or
appends them when the setting is missing.

## Fix safety
Unsafe: new and changed passwords must satisfy the validators (existing ones keep working).

## References
- Django: [Password validation](https://docs.djangoproject.com/en/stable/topics/auth/passwords/#password-validation)
- OWASP ASVS V2.1
"#,
};

const WEAK_HASHERS: &[&str] = &[
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.SHA1PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedMD5PasswordHasher",
    "django.contrib.auth.hashers.UnsaltedSHA1PasswordHasher",
    "django.contrib.auth.hashers.CryptPasswordHasher",
];
const STRONG_HASHER: &str = "django.contrib.auth.hashers.PBKDF2PasswordHasher";

fn is_weak(path: &str) -> bool {
    if WEAK_HASHERS.contains(&path) {
        return true;
    }
    let class = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    !path.starts_with("django.") && (class.contains("md5") || class.contains("unsalted"))
}

const VALIDATORS: &str = "AUTH_PASSWORD_VALIDATORS = [\n    {\"NAME\": \"django.contrib.auth.password_validation.UserAttributeSimilarityValidator\"},\n    {\"NAME\": \"django.contrib.auth.password_validation.MinimumLengthValidator\"},\n    {\"NAME\": \"django.contrib.auth.password_validation.CommonPasswordValidator\"},\n    {\"NAME\": \"django.contrib.auth.password_validation.NumericPasswordValidator\"},\n]\n";

pub fn check(settings: &mut Settings, production: &Production) {
    hashers(settings, production);
    validators(settings, production);
}

fn hashers(settings: &mut Settings, production: &Production) {
    let Some(binding) = production.binding("PASSWORD_HASHERS") else {
        return;
    };
    let value = binding.value.clone();
    let Some(first) = value.items().and_then(|i| i.first()).cloned() else {
        return;
    };
    let Some(path) = first.as_str().filter(|p| is_weak(p)) else {
        return;
    };
    let fix = if value.contains_str(STRONG_HASHER) == Some(false) {
        fixes::insert_str_item(settings, &value, 0, STRONG_HASHER)
            .map(|e| Fix::safe("Hash new passwords with PBKDF2PasswordHasher", vec![e]))
    } else {
        None
    };
    let blame = if settings.is_here(first.loc.as_ref()) {
        Blame::Value(&first)
    } else {
        Blame::Assignment(binding)
    };
    settings.report(
        production,
        WEAK_PASSWORD_HASHER.code,
        None,
        blame,
        WEAK_PASSWORD_HASHER.severity,
        format!(
            "`{}` hashes new passwords: it is fast to crack; put a strong hasher first",
            path.rsplit('.').next().unwrap_or(path)
        ),
        fix,
    );
}

fn validators(settings: &mut Settings, production: &Production) {
    if production.has_app("django.contrib.auth") != Some(true) {
        return;
    }
    match production.setting("AUTH_PASSWORD_VALIDATORS") {
        Setting::Unknown => {}
        Setting::Default => {
            let fix = Fix::unsafe_(
                "Add Django's standard password validators",
                vec![fixes::append_block(settings, VALIDATORS)],
            );
            settings.report(
                production,
                PASSWORD_VALIDATORS_MISSING.code,
                None,
                Blame::Top,
                PASSWORD_VALIDATORS_MISSING.severity,
                "`AUTH_PASSWORD_VALIDATORS` is not set: any password is accepted, `1234` included",
                Some(fix),
            );
        }
        Setting::Set(binding) => {
            let value = binding.value.clone();
            let Some(items) = value.items() else {
                return;
            };
            if items.is_empty() {
                let text = VALIDATORS
                    .trim_start_matches("AUTH_PASSWORD_VALIDATORS = ")
                    .trim_end();
                let fix = fixes::replace_value(settings, &value, text)
                    .map(|e| Fix::unsafe_("Add Django's standard password validators", vec![e]));
                settings.report(
                    production,
                    PASSWORD_VALIDATORS_MISSING.code,
                    None,
                    Blame::Assignment(binding),
                    PASSWORD_VALIDATORS_MISSING.severity,
                    "`AUTH_PASSWORD_VALIDATORS` is empty: any password is accepted, `1234` included",
                    fix,
                );
                return;
            }
            for item in items {
                let is_min_length = item
                    .get("NAME")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.ends_with(".MinimumLengthValidator"));
                let Some(min) = item.get("OPTIONS").and_then(|o| o.get("min_length")) else {
                    continue;
                };
                if let (true, Kind::Int(n)) = (is_min_length, &min.kind)
                    && *n < 8
                {
                    let min = min.clone();
                    settings.report(
                        production,
                        PASSWORD_VALIDATORS_MISSING.code,
                        None,
                        Blame::Value(&min),
                        PASSWORD_VALIDATORS_MISSING.severity,
                        format!("`MinimumLengthValidator` accepts passwords of {n} characters: use at least 8"),
                        None,
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn only(src: &str, code: &str) -> Vec<(&'static str, usize, usize, &'static str)> {
        codes_at(src).into_iter().filter(|f| f.0 == code).collect()
    }

    #[test]
    fn hashers() {
        let src = secure_plus(
            "PASSWORD_HASHERS = [\n    'django.contrib.auth.hashers.MD5PasswordHasher',\n]\n",
        );
        assert_eq!(only(&src, "DJS435"), vec![("DJS435", 34, 5, "error")]);
        let fixed = assert_fix(&src, "DJS435");
        assert!(fixed.ends_with("PASSWORD_HASHERS = [\n    'django.contrib.auth.hashers.PBKDF2PasswordHasher',\n    'django.contrib.auth.hashers.MD5PasswordHasher',\n]\n"), "{fixed}");
        assert_eq!(fix_applicability(&src, "DJS435"), vec!["safe"]);
        for ok in [
            "PASSWORD_HASHERS = ['django.contrib.auth.hashers.Argon2PasswordHasher', 'django.contrib.auth.hashers.MD5PasswordHasher']\n",
            "PASSWORD_HASHERS = ['django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher']\n",
            "PASSWORD_HASHERS = ['django.contrib.auth.hashers.BCryptSHA256PasswordHasher']\n",
        ] {
            assert!(only(&secure_plus(ok), "DJS435").is_empty(), "{ok}");
        }
        assert_eq!(
            only(
                &secure_plus("PASSWORD_HASHERS = ['myapp.hashers.FastMD5Hasher']\n"),
                "DJS435"
            )
            .len(),
            1
        );
        // Test settings use MD5 for speed: quiet.
        let files = [
            ("mysite/settings.py", SECURE),
            (
                "mysite/test_settings.py",
                "from .settings import *\nPASSWORD_HASHERS = ['django.contrib.auth.hashers.MD5PasswordHasher']\n",
            ),
        ];
        assert!(codes_in(&files, "mysite/test_settings.py").is_empty());
    }

    #[test]
    fn validators() {
        let empty = secure_with(
            &SECURE[SECURE.find("AUTH_PASSWORD_VALIDATORS").unwrap_or(0)
                ..SECURE.find("SECURE_SSL_REDIRECT").unwrap_or(0)],
            "AUTH_PASSWORD_VALIDATORS = []\n",
        );
        assert_eq!(only(&empty, "DJS436"), vec![("DJS436", 21, 1, "warning")]);
        let fixed = assert_fix(&empty, "DJS436");
        assert!(fixed.contains("    {\"NAME\": \"django.contrib.auth.password_validation.NumericPasswordValidator\"},\n]\n"));
        let missing = secure_with(
            &SECURE[SECURE.find("AUTH_PASSWORD_VALIDATORS").unwrap_or(0)
                ..SECURE.find("SECURE_SSL_REDIRECT").unwrap_or(0)],
            "",
        );
        assert_eq!(only(&missing, "DJS436"), vec![("DJS436", 1, 1, "warning")]);
        assert!(assert_fix(&missing, "DJS436").ends_with(super::VALIDATORS));
        let short = secure_plus(
            "AUTH_PASSWORD_VALIDATORS = [{'NAME': 'django.contrib.auth.password_validation.MinimumLengthValidator', 'OPTIONS': {'min_length': 6}}]\n",
        );
        assert_eq!(only(&short, "DJS436"), vec![("DJS436", 33, 130, "warning")]);
        // No django.contrib.auth: nothing to validate.
        let no_auth = missing.replace("    \"django.contrib.auth\",\n", "");
        assert!(only(&no_auth, "DJS436").is_empty());
    }
}
