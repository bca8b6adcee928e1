//! Django's global defaults (`django/conf/global_settings.py`, Django 5.2) for the settings the
//! rules read: the value a setting has when no settings module assigns it.

use super::value::{Kind, Value};

fn s(text: &str) -> Value {
    Value::bare(Kind::Str(text.to_string()))
}

/// The default of `name`, or `None` when Django defines no default the rules know of.
pub fn default(name: &str) -> Option<Value> {
    let kind = match name {
        "DEBUG" | "DEBUG_PROPAGATE_EXCEPTIONS" => Kind::Bool(false),
        "ALLOWED_HOSTS"
        | "SECRET_KEY_FALLBACKS"
        | "INSTALLED_APPS"
        | "MIDDLEWARE"
        | "SILENCED_SYSTEM_CHECKS"
        | "STATICFILES_DIRS"
        | "TEMPLATES"
        | "CSRF_TRUSTED_ORIGINS"
        | "AUTH_PASSWORD_VALIDATORS" => Kind::List(Vec::new()),
        "SECRET_KEY" | "MEDIA_ROOT" => Kind::Str(String::new()),
        "SECURE_HSTS_SECONDS" => Kind::Int(0),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS"
        | "SECURE_HSTS_PRELOAD"
        | "SECURE_SSL_REDIRECT"
        | "CSRF_COOKIE_SECURE"
        | "CSRF_USE_SESSIONS"
        | "SESSION_COOKIE_SECURE"
        | "CSRF_COOKIE_HTTPONLY"
        | "USE_X_FORWARDED_HOST" => Kind::Bool(false),
        "SECURE_CONTENT_TYPE_NOSNIFF" | "SESSION_COOKIE_HTTPONLY" => Kind::Bool(true),
        "SECURE_REFERRER_POLICY" | "SECURE_CROSS_ORIGIN_OPENER_POLICY" => {
            Kind::Str("same-origin".into())
        }
        "X_FRAME_OPTIONS" => Kind::Str("DENY".into()),
        "CSRF_FAILURE_VIEW" => Kind::Str("django.views.csrf.csrf_failure".into()),
        "STATIC_ROOT" | "SECURE_PROXY_SSL_HEADER" | "FILE_UPLOAD_DIRECTORY_PERMISSIONS" => {
            Kind::None
        }
        "FILE_UPLOAD_PERMISSIONS" => Kind::Int(0o644),
        "SESSION_COOKIE_SAMESITE" | "CSRF_COOKIE_SAMESITE" => Kind::Str("Lax".into()),
        "SESSION_SERIALIZER" => {
            Kind::Str("django.contrib.sessions.serializers.JSONSerializer".into())
        }
        "DATA_UPLOAD_MAX_MEMORY_SIZE" => Kind::Int(2_621_440),
        "DATA_UPLOAD_MAX_NUMBER_FIELDS" => Kind::Int(1000),
        "DATA_UPLOAD_MAX_NUMBER_FILES" => Kind::Int(100),
        "CACHES" => Kind::Dict(vec![(
            s("default"),
            Value::bare(Kind::Dict(vec![(
                s("BACKEND"),
                s("django.core.cache.backends.locmem.LocMemCache"),
            )])),
        )]),
        "PASSWORD_HASHERS" => Kind::List(
            [
                "django.contrib.auth.hashers.PBKDF2PasswordHasher",
                "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
                "django.contrib.auth.hashers.Argon2PasswordHasher",
                "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
                "django.contrib.auth.hashers.ScryptPasswordHasher",
            ]
            .iter()
            .map(|h| s(h))
            .collect(),
        ),
        // Django 6.0+: `{}`; not defined in 5.2, where the checks do not exist.
        "SECURE_CSP" | "SECURE_CSP_REPORT_ONLY" => Kind::Dict(Vec::new()),
        _ => return None,
    };
    Some(Value::bare(kind))
}
