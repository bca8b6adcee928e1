"""Settings variants for the Django parity harness.

Every variant is a settings module made only of constants. Each one starts from a
base (the fully secure baseline, a startproject-like module, or an empty module),
changes one knob (or a few, for the combination variants), and states the check
ids that `python -m django check --deploy` (Django 5.2) is expected to print for
it. The expectations are derived by hand from docs/django-checks.md; run.py
--django-only verifies them against a real Django, so the spec and the harness
check each other.

Stdlib only. Imported by run.py and by spec_model.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import pprint


class _Delete:
    """Marker: remove this setting from the base so Django's default applies."""

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "DELETE"


DELETE = _Delete()

# Test-only keys: 50+ characters, many distinct characters, no insecure prefix.
# They protect nothing; they only need to satisfy Django's strength test.
STRONG_KEY = "parity-test-key-not-secret-k&r(2S7X2-Bl84P*tw1=K7eYm#dWH^315_r1"
STRONG_KEY_2 = "parity-test-key-not-secret-*-k+Sl*Dl8G8woF8*jro^1ek0xNTpr9c9Y"

SECURITY_MW = "django.middleware.security.SecurityMiddleware"
SESSION_MW = "django.contrib.sessions.middleware.SessionMiddleware"
COMMON_MW = "django.middleware.common.CommonMiddleware"
CSRF_MW = "django.middleware.csrf.CsrfViewMiddleware"
AUTH_MW = "django.contrib.auth.middleware.AuthenticationMiddleware"
MESSAGES_MW = "django.contrib.messages.middleware.MessageMiddleware"
XFRAME_MW = "django.middleware.clickjacking.XFrameOptionsMiddleware"

ALL_MW = [SECURITY_MW, SESSION_MW, COMMON_MW, CSRF_MW, AUTH_MW, XFRAME_MW]

SESSIONS_APP = "django.contrib.sessions"
BASE_APPS = ["django.contrib.contenttypes", "django.contrib.auth", SESSIONS_APP]


def without(items, *removed):
    return [i for i in items if i not in removed]


# The fully secure baseline: `check --deploy` must report nothing for it.
SECURE_BASE: dict[str, object] = {
    "SECRET_KEY": STRONG_KEY,
    "DEBUG": False,
    "ALLOWED_HOSTS": ["example.com"],
    "INSTALLED_APPS": BASE_APPS,
    "MIDDLEWARE": ALL_MW,
    "TIME_ZONE": "UTC",
    "USE_TZ": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_HSTS_PRELOAD": True,
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}

# What `django-admin startproject` writes (constants only: BASE_DIR is replaced
# by a literal path). ROOT_URLCONF points at a urls.py the harness writes next to
# the settings file.
STARTPROJECT_BASE: dict[str, object] = {
    "SECRET_KEY": "django-insecure-parity-test-key-not-secret-0123456789abcdefghijklmnop",
    "DEBUG": True,
    "ALLOWED_HOSTS": [],
    "INSTALLED_APPS": [
        "django.contrib.admin",
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "django.contrib.messages",
        "django.contrib.staticfiles",
    ],
    "MIDDLEWARE": [
        SECURITY_MW,
        SESSION_MW,
        COMMON_MW,
        CSRF_MW,
        AUTH_MW,
        MESSAGES_MW,
        XFRAME_MW,
    ],
    "ROOT_URLCONF": "{package}.urls",
    "TEMPLATES": [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ],
            },
        },
    ],
    "DATABASES": {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": "/srv/djsec-parity/db.sqlite3",
        }
    },
    "LANGUAGE_CODE": "en-us",
    "TIME_ZONE": "UTC",
    "USE_I18N": True,
    "USE_TZ": True,
    "STATIC_URL": "static/",
    "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
}

BASES = {"secure": SECURE_BASE, "startproject": STARTPROJECT_BASE, "empty": {}}

FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"


@dataclass
class Variant:
    name: str
    description: str
    expect: set[str]
    overrides: dict[str, object] = field(default_factory=dict)
    base: str = "secure"

    def settings(self, package: str) -> dict[str, object]:
        values = dict(BASES[self.base])
        for key, value in self.overrides.items():
            if value is DELETE:
                values.pop(key, None)
            else:
                values[key] = value
        if isinstance(values.get("ROOT_URLCONF"), str):
            values["ROOT_URLCONF"] = values["ROOT_URLCONF"].format(package=package)
        return values

    def render(self, package: str) -> str:
        lines = [
            f'"""djsec parity variant {self.name}: {self.description}"""',
            "# Generated by tests/django_parity/run.py. Constants only.",
            "",
        ]
        for key, value in self.settings(package).items():
            text = pprint.pformat(value, width=88, sort_dicts=False)
            lines.append(f"{key} = {text}")
        return "\n".join(lines) + "\n"


def W(*nums: str) -> set[str]:
    """Shorthand: W('W004', 'E023') -> {'security.W004', 'security.E023'}."""
    return {f"security.{n}" for n in nums}


def _variants() -> list[Variant]:
    v: list[Variant] = []

    def add(name, description, expect, base="secure", **overrides):
        v.append(Variant(name, description, set(expect), dict(overrides), base))

    # --- bases -------------------------------------------------------------------
    add("baseline_secure", "fully secure baseline: no ids", set())
    add(
        "all_defaults",
        "empty settings module: every setting at Django's global default",
        W("W001", "W002", "W003", "W009", "W020"),
        base="empty",
    )
    add(
        "startproject_like",
        "what startproject generates (DEBUG on, insecure key, no HTTPS settings)",
        W("W004", "W008", "W009", "W012", "W016", "W018", "W020"),
        base="startproject",
    )

    # --- middleware presence (W001, W002, W003) ----------------------------------
    add(
        "mw_no_security",
        "SecurityMiddleware removed: only W001; HSTS/SSL checks are then skipped",
        W("W001"),
        MIDDLEWARE=without(ALL_MW, SECURITY_MW),
    )
    add(
        "mw_no_security_bad_values",
        "no SecurityMiddleware and every SecurityMiddleware setting bad: still only W001",
        W("W001"),
        MIDDLEWARE=without(ALL_MW, SECURITY_MW),
        SECURE_HSTS_SECONDS=0,
        SECURE_CONTENT_TYPE_NOSNIFF=False,
        SECURE_SSL_REDIRECT=False,
        SECURE_REFERRER_POLICY="not-a-policy",
        SECURE_CROSS_ORIGIN_OPENER_POLICY="not-a-policy",
    )
    add(
        "mw_no_security_referrer_none",
        "no SecurityMiddleware and SECURE_REFERRER_POLICY None: no W022",
        W("W001"),
        MIDDLEWARE=without(ALL_MW, SECURITY_MW),
        SECURE_REFERRER_POLICY=None,
    )
    add(
        "mw_no_xframe",
        "XFrameOptionsMiddleware removed",
        W("W002"),
        MIDDLEWARE=without(ALL_MW, XFRAME_MW),
    )
    add(
        "mw_no_xframe_sameorigin",
        "no XFrameOptionsMiddleware and X_FRAME_OPTIONS SAMEORIGIN: W002 only, no W019",
        W("W002"),
        MIDDLEWARE=without(ALL_MW, XFRAME_MW),
        X_FRAME_OPTIONS="SAMEORIGIN",
    )
    add(
        "mw_no_csrf",
        "CsrfViewMiddleware removed",
        W("W003"),
        MIDDLEWARE=without(ALL_MW, CSRF_MW),
    )
    add(
        "mw_no_csrf_cookie_insecure",
        "no CsrfViewMiddleware and CSRF_COOKIE_SECURE False: W003 only, no W016",
        W("W003"),
        MIDDLEWARE=without(ALL_MW, CSRF_MW),
        CSRF_COOKIE_SECURE=False,
    )
    add(
        "mw_tuple",
        "MIDDLEWARE and INSTALLED_APPS written as tuples: membership still works",
        set(),
        MIDDLEWARE=tuple(ALL_MW),
        INSTALLED_APPS=tuple(BASE_APPS),
    )
    add(
        "mw_empty",
        "MIDDLEWARE empty, sessions app installed, cookie secure: W001 W002 W003",
        W("W001", "W002", "W003"),
        MIDDLEWARE=[],
    )
    add(
        "mw_absent",
        "MIDDLEWARE not set (default []): W001 W002 W003",
        W("W001", "W002", "W003"),
        MIDDLEWARE=DELETE,
    )
    add(
        "mw_lookalike_paths",
        "subclass-like / misspelt dotted paths do not count as the middleware",
        W("W001", "W002", "W003"),
        MIDDLEWARE=[
            "myproject.middleware.SecurityMiddleware",
            SESSION_MW,
            "django.middleware.csrf.CsrfViewMiddleware ",
            "django.middleware.clickjacking.XFrameOptionsMiddleWare",
        ],
    )

    # --- HSTS (W004, W005, W021) -------------------------------------------------
    add("hsts_zero", "SECURE_HSTS_SECONDS = 0", W("W004"), SECURE_HSTS_SECONDS=0)
    add("hsts_absent", "SECURE_HSTS_SECONDS not set (default 0)", W("W004"), SECURE_HSTS_SECONDS=DELETE)
    add("hsts_none", "SECURE_HSTS_SECONDS = None (falsy)", W("W004"), SECURE_HSTS_SECONDS=None)
    add(
        "hsts_negative",
        "SECURE_HSTS_SECONDS = -1 is truthy: no W004 (subdomains/preload still checked)",
        set(),
        SECURE_HSTS_SECONDS=-1,
    )
    add(
        "hsts_zero_no_subdomains_no_preload",
        "HSTS off: W005/W021 are not reported even though both flags are False",
        W("W004"),
        SECURE_HSTS_SECONDS=0,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=False,
        SECURE_HSTS_PRELOAD=False,
    )
    add(
        "hsts_no_subdomains",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS = False",
        W("W005"),
        SECURE_HSTS_INCLUDE_SUBDOMAINS=False,
    )
    add(
        "hsts_subdomains_absent",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS not set (default False)",
        W("W005"),
        SECURE_HSTS_INCLUDE_SUBDOMAINS=DELETE,
    )
    add(
        "hsts_subdomains_int_1",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS = 1: truthy but not `True`, still W005",
        W("W005"),
        SECURE_HSTS_INCLUDE_SUBDOMAINS=1,
    )
    add("hsts_no_preload", "SECURE_HSTS_PRELOAD = False", W("W021"), SECURE_HSTS_PRELOAD=False)
    add(
        "hsts_preload_string",
        "SECURE_HSTS_PRELOAD = 'True' (a string): still W021",
        W("W021"),
        SECURE_HSTS_PRELOAD="True",
    )
    add(
        "hsts_string_seconds",
        "SECURE_HSTS_SECONDS = '0' (non-empty string is truthy): no W004",
        set(),
        SECURE_HSTS_SECONDS="0",
    )

    # --- nosniff, SSL redirect (W006, W008) --------------------------------------
    add("nosniff_false", "SECURE_CONTENT_TYPE_NOSNIFF = False", W("W006"), SECURE_CONTENT_TYPE_NOSNIFF=False)
    add("nosniff_absent", "SECURE_CONTENT_TYPE_NOSNIFF not set (default True)", set(), SECURE_CONTENT_TYPE_NOSNIFF=DELETE)
    add("nosniff_int_1", "SECURE_CONTENT_TYPE_NOSNIFF = 1: not `True`, W006", W("W006"), SECURE_CONTENT_TYPE_NOSNIFF=1)
    add("ssl_redirect_false", "SECURE_SSL_REDIRECT = False", W("W008"), SECURE_SSL_REDIRECT=False)
    add("ssl_redirect_absent", "SECURE_SSL_REDIRECT not set (default False)", W("W008"), SECURE_SSL_REDIRECT=DELETE)
    add("ssl_redirect_int_1", "SECURE_SSL_REDIRECT = 1: not `True`, W008", W("W008"), SECURE_SSL_REDIRECT=1)

    # --- SECRET_KEY (W009) and SECRET_KEY_FALLBACKS (W025) ------------------------
    add("secret_len_49", "49-character random-looking key", W("W009"), SECRET_KEY=STRONG_KEY[:49])
    add("secret_len_50", "exactly 50 characters: passes", set(), SECRET_KEY=STRONG_KEY[:50])
    add("secret_4_unique", "60 characters but only 4 distinct ones", W("W009"), SECRET_KEY="abcd" * 15)
    add("secret_5_unique", "60 characters and exactly 5 distinct ones: passes", set(), SECRET_KEY="abcde" * 12)
    add(
        "secret_insecure_prefix",
        "long random key starting with 'django-insecure-'",
        W("W009"),
        SECRET_KEY="django-insecure-" + STRONG_KEY,
    )
    add(
        "secret_insecure_prefix_case",
        "'Django-Insecure-' prefix: the prefix test is case-sensitive, passes",
        set(),
        SECRET_KEY="Django-Insecure-" + STRONG_KEY,
    )
    add("secret_empty", "SECRET_KEY = ''", W("W009"), SECRET_KEY="")
    add("secret_absent", "SECRET_KEY not set (default '')", W("W009"), SECRET_KEY=DELETE)
    add(
        "fallbacks_one_weak",
        "SECRET_KEY_FALLBACKS with one short key",
        W("W025"),
        SECRET_KEY_FALLBACKS=["short-old-key"],
    )
    add(
        "fallbacks_mixed",
        "fallbacks [strong, insecure-prefixed, 4-unique]: two W025 (one per bad index)",
        W("W025"),
        SECRET_KEY_FALLBACKS=[STRONG_KEY_2, "django-insecure-" + STRONG_KEY_2, "wxyz" * 20],
    )
    add("fallbacks_strong", "fallbacks with one strong key", set(), SECRET_KEY_FALLBACKS=(STRONG_KEY_2,))
    add("fallbacks_empty_string", "fallbacks [''] : empty fallback is weak", W("W025"), SECRET_KEY_FALLBACKS=[""])
    add(
        "secret_weak_and_fallback_weak",
        "weak SECRET_KEY and weak fallback: W009 and W025",
        W("W009", "W025"),
        SECRET_KEY="changeme",
        SECRET_KEY_FALLBACKS=["changeme-too"],
    )

    # --- DEBUG (W018) ---------------------------------------------------------------
    add("debug_true", "DEBUG = True", W("W018"), DEBUG=True)
    add("debug_string_false", "DEBUG = 'False' (non-empty string is truthy)", W("W018"), DEBUG="False")
    add("debug_zero", "DEBUG = 0", set(), DEBUG=0)
    add("debug_absent", "DEBUG not set (default False)", set(), DEBUG=DELETE)

    # --- X_FRAME_OPTIONS (W019) -----------------------------------------------------
    add("xfo_sameorigin", "X_FRAME_OPTIONS = 'SAMEORIGIN'", W("W019"), X_FRAME_OPTIONS="SAMEORIGIN")
    add("xfo_lowercase_deny", "X_FRAME_OPTIONS = 'deny': comparison is case-sensitive", W("W019"), X_FRAME_OPTIONS="deny")
    add("xfo_deny_explicit", "X_FRAME_OPTIONS = 'DENY'", set(), X_FRAME_OPTIONS="DENY")

    # --- ALLOWED_HOSTS (W020) -------------------------------------------------------
    add("allowed_hosts_empty", "ALLOWED_HOSTS = []", W("W020"), ALLOWED_HOSTS=[])
    add("allowed_hosts_absent", "ALLOWED_HOSTS not set (default [])", W("W020"), ALLOWED_HOSTS=DELETE)
    add("allowed_hosts_wildcard", "ALLOWED_HOSTS = ['*']: Django does not warn", set(), ALLOWED_HOSTS=["*"])
    add("allowed_hosts_empty_tuple", "ALLOWED_HOSTS = ()", W("W020"), ALLOWED_HOSTS=())

    # --- Referrer-Policy (W022, E023) ------------------------------------------------
    add("referrer_none", "SECURE_REFERRER_POLICY = None", W("W022"), SECURE_REFERRER_POLICY=None)
    add("referrer_absent", "SECURE_REFERRER_POLICY not set (default 'same-origin')", set(), SECURE_REFERRER_POLICY=DELETE)
    add("referrer_invalid", "SECURE_REFERRER_POLICY = 'bogus'", W("E023"), SECURE_REFERRER_POLICY="bogus")
    add(
        "referrer_comma_valid",
        "comma-separated string of valid values, with spaces",
        set(),
        SECURE_REFERRER_POLICY="no-referrer, strict-origin-when-cross-origin",
    )
    add(
        "referrer_trailing_comma",
        "'same-origin,' yields an empty item: invalid",
        W("E023"),
        SECURE_REFERRER_POLICY="same-origin,",
    )
    add(
        "referrer_spaces_around_comma",
        "'same-origin ,  origin': string items are stripped, valid",
        set(),
        SECURE_REFERRER_POLICY="same-origin ,  origin",
    )
    add("referrer_empty_string", "SECURE_REFERRER_POLICY = '': invalid", W("E023"), SECURE_REFERRER_POLICY="")
    add("referrer_wrong_case", "'Same-Origin': values are case-sensitive", W("E023"), SECURE_REFERRER_POLICY="Same-Origin")
    add(
        "referrer_list_valid",
        "list of valid values",
        set(),
        SECURE_REFERRER_POLICY=["origin", "same-origin"],
    )
    add(
        "referrer_list_unstripped",
        "list items are not stripped: ' origin' is invalid",
        W("E023"),
        SECURE_REFERRER_POLICY=["same-origin", " origin"],
    )
    add("referrer_empty_list", "SECURE_REFERRER_POLICY = []: empty set is valid", set(), SECURE_REFERRER_POLICY=[])

    # --- Cross-Origin-Opener-Policy (E024) ---------------------------------------------
    add("coop_invalid", "SECURE_CROSS_ORIGIN_OPENER_POLICY = 'bogus'", W("E024"), SECURE_CROSS_ORIGIN_OPENER_POLICY="bogus")
    add("coop_none", "SECURE_CROSS_ORIGIN_OPENER_POLICY = None: allowed", set(), SECURE_CROSS_ORIGIN_OPENER_POLICY=None)
    add(
        "coop_allow_popups",
        "SECURE_CROSS_ORIGIN_OPENER_POLICY = 'same-origin-allow-popups'",
        set(),
        SECURE_CROSS_ORIGIN_OPENER_POLICY="same-origin-allow-popups",
    )
    add("coop_empty_string", "SECURE_CROSS_ORIGIN_OPENER_POLICY = '': invalid", W("E024"), SECURE_CROSS_ORIGIN_OPENER_POLICY="")

    # --- CSRF cookie (W016) ---------------------------------------------------------------
    add("csrf_cookie_insecure", "CSRF_COOKIE_SECURE = False", W("W016"), CSRF_COOKIE_SECURE=False)
    add("csrf_cookie_absent", "CSRF_COOKIE_SECURE not set (default False)", W("W016"), CSRF_COOKIE_SECURE=DELETE)
    add("csrf_cookie_int_1", "CSRF_COOKIE_SECURE = 1: not `True`", W("W016"), CSRF_COOKIE_SECURE=1)
    add(
        "csrf_use_sessions",
        "CSRF_COOKIE_SECURE False but CSRF_USE_SESSIONS True: no W016",
        set(),
        CSRF_COOKIE_SECURE=False,
        CSRF_USE_SESSIONS=True,
    )

    # --- session cookie secure (W010, W011, W012) --------------------------------------------
    add(
        "session_secure_false_app_and_mw",
        "SESSION_COOKIE_SECURE False, sessions app and middleware: W012",
        W("W012"),
        SESSION_COOKIE_SECURE=False,
    )
    add(
        "session_secure_absent",
        "SESSION_COOKIE_SECURE not set (default False): W012",
        W("W012"),
        SESSION_COOKIE_SECURE=DELETE,
    )
    add(
        "session_secure_false_app_only",
        "SESSION_COOKIE_SECURE False, sessions app but no SessionMiddleware: W010",
        W("W010"),
        SESSION_COOKIE_SECURE=False,
        MIDDLEWARE=without(ALL_MW, SESSION_MW, AUTH_MW),
    )
    add(
        "session_secure_false_mw_only",
        "SESSION_COOKIE_SECURE False, SessionMiddleware but no sessions app: W011",
        W("W011"),
        SESSION_COOKIE_SECURE=False,
        INSTALLED_APPS=without(BASE_APPS, SESSIONS_APP),
    )
    add(
        "session_secure_false_appconfig_path",
        "sessions app listed by its AppConfig path does not count as installed: W011",
        W("W011"),
        SESSION_COOKIE_SECURE=False,
        INSTALLED_APPS=without(BASE_APPS, SESSIONS_APP) + ["django.contrib.sessions.apps.SessionsConfig"],
    )
    add(
        "session_secure_false_neither",
        "SESSION_COOKIE_SECURE False, no sessions app, no SessionMiddleware: nothing",
        set(),
        SESSION_COOKIE_SECURE=False,
        INSTALLED_APPS=without(BASE_APPS, SESSIONS_APP),
        MIDDLEWARE=without(ALL_MW, SESSION_MW, AUTH_MW),
    )
    add(
        "session_secure_int_1",
        "SESSION_COOKIE_SECURE = 1: not `True`, W012",
        W("W012"),
        SESSION_COOKIE_SECURE=1,
    )

    # --- session cookie HttpOnly (W013, W014, W015) -------------------------------------------
    add(
        "session_httponly_false_app_and_mw",
        "SESSION_COOKIE_HTTPONLY False, sessions app and middleware: W015",
        W("W015"),
        SESSION_COOKIE_HTTPONLY=False,
    )
    add(
        "session_httponly_false_app_only",
        "SESSION_COOKIE_HTTPONLY False, sessions app only: W013",
        W("W013"),
        SESSION_COOKIE_HTTPONLY=False,
        MIDDLEWARE=without(ALL_MW, SESSION_MW, AUTH_MW),
    )
    add(
        "session_httponly_false_mw_only",
        "SESSION_COOKIE_HTTPONLY False, SessionMiddleware only: W014",
        W("W014"),
        SESSION_COOKIE_HTTPONLY=False,
        INSTALLED_APPS=without(BASE_APPS, SESSIONS_APP),
    )
    add(
        "session_httponly_false_neither",
        "SESSION_COOKIE_HTTPONLY False, no sessions app or middleware: nothing",
        set(),
        SESSION_COOKIE_HTTPONLY=False,
        INSTALLED_APPS=without(BASE_APPS, SESSIONS_APP),
        MIDDLEWARE=without(ALL_MW, SESSION_MW, AUTH_MW),
    )
    add(
        "session_httponly_string",
        "SESSION_COOKIE_HTTPONLY = 'yes': not `True`, W015",
        W("W015"),
        SESSION_COOKIE_HTTPONLY="yes",
    )

    # --- SILENCED_SYSTEM_CHECKS --------------------------------------------------------------------
    add(
        "silenced_warning",
        "DEBUG True but security.W018 silenced",
        set(),
        DEBUG=True,
        SILENCED_SYSTEM_CHECKS=["security.W018"],
    )
    add(
        "silenced_error",
        "invalid referrer policy but security.E023 silenced (errors can be silenced too)",
        set(),
        SECURE_REFERRER_POLICY="bogus",
        SILENCED_SYSTEM_CHECKS=["security.E023"],
    )
    add(
        "silenced_no_patterns",
        "SILENCED_SYSTEM_CHECKS matches exact ids only: wildcard and wrong case do nothing",
        W("W018"),
        DEBUG=True,
        SILENCED_SYSTEM_CHECKS=["security.W0*", "SECURITY.W018", "W018"],
    )
    add(
        "silenced_other_id",
        "silencing one id leaves the others: W018 silenced, W020 still reported",
        W("W020"),
        DEBUG=True,
        ALLOWED_HOSTS=[],
        SILENCED_SYSTEM_CHECKS=("security.W018",),
    )

    # --- non-deploy security checks (E101, E102): not statically decidable ----------------------
    add(
        "csrf_failure_view_missing",
        "CSRF_FAILURE_VIEW names a module that cannot be imported: E102",
        W("E102"),
        CSRF_FAILURE_VIEW="djsec_parity_no_such_module.views.csrf_failure",
    )
    add(
        "csrf_failure_view_bad_signature",
        "CSRF_FAILURE_VIEW imports but cannot take (request, reason=...): E101",
        W("E101"),
        CSRF_FAILURE_VIEW="django.utils.timezone.now",
    )

    # --- caches.W002 (deploy check outside security/) -------------------------------------------
    add(
        "cache_inside_media_root",
        "file-based cache LOCATION inside MEDIA_ROOT: caches.W002",
        {"caches.W002"},
        CACHES={"default": {"BACKEND": FILE_CACHE, "LOCATION": "/srv/djsec-parity/media/cache"}},
        MEDIA_ROOT="/srv/djsec-parity/media",
    )
    add(
        "cache_matches_static_root",
        "file-based cache LOCATION equal to STATIC_ROOT: caches.W002",
        {"caches.W002"},
        CACHES={"default": {"BACKEND": FILE_CACHE, "LOCATION": "/srv/djsec-parity/static"}},
        STATIC_ROOT="/srv/djsec-parity/static/",
    )
    add(
        "cache_contains_staticfiles_dir",
        "file-based cache LOCATION containing a STATICFILES_DIRS entry (prefix form)",
        {"caches.W002"},
        CACHES={"default": {"BACKEND": FILE_CACHE, "LOCATION": "/srv/djsec-parity"}},
        STATICFILES_DIRS=[("assets", "/srv/djsec-parity/assets")],
    )
    add(
        "cache_separate",
        "file-based cache LOCATION away from media/static: nothing",
        set(),
        CACHES={"default": {"BACKEND": FILE_CACHE, "LOCATION": "/srv/djsec-parity-cache"}},
        MEDIA_ROOT="/srv/djsec-parity/media",
        STATIC_ROOT="/srv/djsec-parity/static",
    )

    # --- combinations ------------------------------------------------------------------------------
    add(
        "combo_worst",
        "many knobs bad at once",
        W("W004", "W006", "W008", "W009", "W012", "W015", "W016", "W018", "W019", "W020", "W025", "E023", "E024"),
        SECRET_KEY="django-insecure-short",
        SECRET_KEY_FALLBACKS=["old"],
        DEBUG=True,
        ALLOWED_HOSTS=[],
        SECURE_HSTS_SECONDS=0,
        SECURE_CONTENT_TYPE_NOSNIFF=False,
        SECURE_SSL_REDIRECT=False,
        SECURE_REFERRER_POLICY="nope",
        SECURE_CROSS_ORIGIN_OPENER_POLICY="nope",
        X_FRAME_OPTIONS="SAMEORIGIN",
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_HTTPONLY=False,
        CSRF_COOKIE_SECURE=False,
    )
    add(
        "combo_hsts_partial",
        "HSTS on, neither subdomains nor preload: W005 and W021",
        W("W005", "W021"),
        SECURE_HSTS_SECONDS=3600,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=DELETE,
        SECURE_HSTS_PRELOAD=DELETE,
    )
    add(
        "combo_no_middleware_everything_off",
        "no middleware at all and every cookie flag off: only the presence checks fire",
        W("W001", "W002", "W003", "W010", "W013"),
        MIDDLEWARE=[],
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_HTTPONLY=False,
        CSRF_COOKIE_SECURE=False,
        X_FRAME_OPTIONS="SAMEORIGIN",
        SECURE_HSTS_SECONDS=0,
    )
    add(
        "combo_startproject_hardened",
        "startproject settings with the deploy checklist applied: nothing",
        set(),
        base="startproject",
        SECRET_KEY=STRONG_KEY,
        DEBUG=False,
        ALLOWED_HOSTS=["example.com"],
        SECURE_HSTS_SECONDS=31536000,
        SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
        SECURE_HSTS_PRELOAD=True,
        SECURE_SSL_REDIRECT=True,
        SESSION_COOKIE_SECURE=True,
        CSRF_COOKIE_SECURE=True,
    )
    add(
        "combo_defaults_plus_debug",
        "empty module plus DEBUG = True",
        W("W001", "W002", "W003", "W009", "W018", "W020"),
        base="empty",
        DEBUG=True,
    )
    return v


VARIANTS: list[Variant] = _variants()

_names = [v.name for v in VARIANTS]
assert len(_names) == len(set(_names)), "duplicate variant names"
