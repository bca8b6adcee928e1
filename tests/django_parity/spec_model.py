#!/usr/bin/env python3
"""An executable reading of docs/django-checks.md, shaped like the djsec CLI.

This is *not* djsec and not Django: it is a small static evaluator written from
the spec. It parses a settings file with `ast` (never imports it), takes the
top-level `NAME = <literal>` assignments, fills in Django's global defaults,
and applies the conditions exactly as the spec words them. It answers the two
commands the parity harness uses:

    spec_model.py rules --format json
    spec_model.py check --format json path/to/settings.py

Running the harness against it checks the spec (and the harness's comparison
path) against a real Django before djsec implements the rules:

    DJSEC_BIN=tests/django_parity/spec_model.py python3 tests/django_parity/run.py

Stdlib only. Only literal values are understood; a setting whose value is not a
literal makes the rules that read it stay silent (djsec should do the same).
"""

from __future__ import annotations

import ast
import json
import os
import sys

UNKNOWN = object()

# Django 5.2 global defaults for every setting the rules read (global_settings.py).
DEFAULTS = {
    "DEBUG": False,
    "ALLOWED_HOSTS": [],
    "SECRET_KEY": "",
    "SECRET_KEY_FALLBACKS": [],
    "INSTALLED_APPS": [],
    "MIDDLEWARE": [],
    "SILENCED_SYSTEM_CHECKS": [],
    "SECURE_HSTS_SECONDS": 0,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
    "SECURE_HSTS_PRELOAD": False,
    "SECURE_CONTENT_TYPE_NOSNIFF": True,
    "SECURE_SSL_REDIRECT": False,
    "SECURE_REFERRER_POLICY": "same-origin",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
    "X_FRAME_OPTIONS": "DENY",
    "CSRF_COOKIE_SECURE": False,
    "CSRF_USE_SESSIONS": False,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    "MEDIA_ROOT": "",
    "STATIC_ROOT": None,
    "STATICFILES_DIRS": [],
}

SECURITY_MW = "django.middleware.security.SecurityMiddleware"
XFRAME_MW = "django.middleware.clickjacking.XFrameOptionsMiddleware"
CSRF_MW = "django.middleware.csrf.CsrfViewMiddleware"
SESSION_MW = "django.contrib.sessions.middleware.SessionMiddleware"
SESSIONS_APP = "django.contrib.sessions"
FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"

REFERRER_POLICY_VALUES = {
    "no-referrer",
    "no-referrer-when-downgrade",
    "origin",
    "origin-when-cross-origin",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
}
COOP_VALUES = {"same-origin", "same-origin-allow-popups", "unsafe-none"}

# Suggested rule names (docs/django-checks.md, "Rule table") -> Django ids.
RULES = [
    ("security-middleware-missing", ["security.W001"]),
    ("clickjacking-middleware-missing", ["security.W002"]),
    ("csrf-middleware-missing", ["security.W003"]),
    ("hsts-not-enabled", ["security.W004"]),
    ("hsts-subdomains-not-included", ["security.W005"]),
    ("content-type-nosniff-disabled", ["security.W006"]),
    ("ssl-redirect-disabled", ["security.W008"]),
    ("weak-secret-key", ["security.W009"]),
    ("session-cookie-not-secure", ["security.W010", "security.W011", "security.W012"]),
    ("session-cookie-not-httponly", ["security.W013", "security.W014", "security.W015"]),
    ("csrf-cookie-not-secure", ["security.W016"]),
    ("debug-enabled", ["security.W018"]),
    ("x-frame-options-not-deny", ["security.W019"]),
    ("allowed-hosts-empty", ["security.W020"]),
    ("hsts-preload-disabled", ["security.W021"]),
    ("referrer-policy-unset", ["security.W022"]),
    ("referrer-policy-invalid", ["security.E023"]),
    ("cross-origin-opener-policy-invalid", ["security.E024"]),
    ("weak-secret-key-fallback", ["security.W025"]),
    ("file-cache-exposed", ["caches.W002"]),
]


def read_settings(path: str) -> dict[str, object]:
    """Top-level UPPERCASE assignments whose value is a literal; others -> UNKNOWN."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    values: dict[str, object] = {}
    for node in tree.body:
        targets: list[ast.expr] = []
        value = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id.isupper():
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    values[target.id] = UNKNOWN
    return values


def evaluate(settings: dict[str, object]) -> list[tuple[str, str]]:
    """Return [(rule code, django id)] in the spec's order, before silencing."""
    s = dict(DEFAULTS)
    s.update(settings)
    out: list[tuple[str, str]] = []

    def known(*names: str) -> bool:
        return all(s[n] is not UNKNOWN for n in names)

    def emit(code: str, django_id: str) -> None:
        out.append((code, django_id))

    if not known("MIDDLEWARE"):
        middleware_known = False
        mw: list = []
    else:
        middleware_known = True
        mw = list(s["MIDDLEWARE"])
    sec = SECURITY_MW in mw
    xframe = XFRAME_MW in mw
    csrf = CSRF_MW in mw
    session_mw = SESSION_MW in mw

    if middleware_known:
        if not sec:
            emit("security-middleware-missing", "security.W001")
        if not xframe:
            emit("clickjacking-middleware-missing", "security.W002")
        if not csrf:
            emit("csrf-middleware-missing", "security.W003")

    if sec and known("SECURE_HSTS_SECONDS"):
        if not s["SECURE_HSTS_SECONDS"]:
            emit("hsts-not-enabled", "security.W004")
        else:
            if known("SECURE_HSTS_INCLUDE_SUBDOMAINS") and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is not True:
                emit("hsts-subdomains-not-included", "security.W005")
            if known("SECURE_HSTS_PRELOAD") and s["SECURE_HSTS_PRELOAD"] is not True:
                emit("hsts-preload-disabled", "security.W021")
    if sec and known("SECURE_CONTENT_TYPE_NOSNIFF") and s["SECURE_CONTENT_TYPE_NOSNIFF"] is not True:
        emit("content-type-nosniff-disabled", "security.W006")
    if sec and known("SECURE_SSL_REDIRECT") and s["SECURE_SSL_REDIRECT"] is not True:
        emit("ssl-redirect-disabled", "security.W008")

    def weak(key: object) -> bool:
        return not (isinstance(key, str) and len(set(key)) >= 5 and len(key) >= 50 and not key.startswith("django-insecure-"))

    if known("SECRET_KEY") and weak(s["SECRET_KEY"]):
        emit("weak-secret-key", "security.W009")
    if known("SECRET_KEY_FALLBACKS"):
        for key in s["SECRET_KEY_FALLBACKS"]:
            if weak(key):
                emit("weak-secret-key-fallback", "security.W025")

    if known("DEBUG") and s["DEBUG"]:
        emit("debug-enabled", "security.W018")
    if xframe and known("X_FRAME_OPTIONS") and s["X_FRAME_OPTIONS"] != "DENY":
        emit("x-frame-options-not-deny", "security.W019")
    if known("ALLOWED_HOSTS") and not s["ALLOWED_HOSTS"]:
        emit("allowed-hosts-empty", "security.W020")

    if sec and known("SECURE_REFERRER_POLICY"):
        policy = s["SECURE_REFERRER_POLICY"]
        if policy is None:
            emit("referrer-policy-unset", "security.W022")
        else:
            if isinstance(policy, str):
                values = {v.strip() for v in policy.split(",")}
            else:
                values = set(policy)
            if not values <= REFERRER_POLICY_VALUES:
                emit("referrer-policy-invalid", "security.E023")
    if sec and known("SECURE_CROSS_ORIGIN_OPENER_POLICY"):
        coop = s["SECURE_CROSS_ORIGIN_OPENER_POLICY"]
        if coop is not None and coop not in COOP_VALUES:
            emit("cross-origin-opener-policy-invalid", "security.E024")

    if csrf and known("CSRF_USE_SESSIONS", "CSRF_COOKIE_SECURE"):
        if not s["CSRF_USE_SESSIONS"] and s["CSRF_COOKIE_SECURE"] is not True:
            emit("csrf-cookie-not-secure", "security.W016")

    if middleware_known and known("INSTALLED_APPS"):
        app = SESSIONS_APP in s["INSTALLED_APPS"]
        for name, ids, code in (
            ("SESSION_COOKIE_SECURE", ("W010", "W011", "W012"), "session-cookie-not-secure"),
            ("SESSION_COOKIE_HTTPONLY", ("W013", "W014", "W015"), "session-cookie-not-httponly"),
        ):
            if not known(name) or s[name] is True:
                continue
            if app and session_mw:
                emit(code, f"security.{ids[2]}")
            elif app:
                emit(code, f"security.{ids[0]}")
            elif session_mw:
                emit(code, f"security.{ids[1]}")

    if known("CACHES", "MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS"):
        out.extend(("file-cache-exposed", "caches.W002") for _ in _exposed_caches(s))
    return out


def _exposed_caches(s: dict) -> list[tuple[str, str]]:
    """caches.W002, one per (cache alias, setting name) as Django does.

    Absolute paths only: relative ones resolve against the process cwd, which a
    static tool cannot know. Symlinks are not resolved (Django resolves them).
    """

    def norm(p: object) -> str | None:
        if not isinstance(p, str) or not os.path.isabs(p):
            return None
        return os.path.normpath(p)

    roots: dict[str, list[str]] = {}
    for name in ("MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS"):
        value = s[name]
        if not value:
            continue
        entries = value if name == "STATICFILES_DIRS" else [value]
        for entry in entries:
            if isinstance(entry, (list, tuple)):
                entry = entry[1]
            if p := norm(entry):
                roots.setdefault(name, []).append(p)
    hits = []
    for alias, config in s["CACHES"].items():
        if not isinstance(config, dict) or config.get("BACKEND") != FILE_CACHE:
            continue
        loc = norm(config.get("LOCATION"))
        if loc is None:
            continue
        for name, paths in roots.items():
            if any(loc == p or loc.startswith(p.rstrip("/") + "/") or p.startswith(loc.rstrip("/") + "/") for p in paths):
                hits.append((alias, name))
    return hits


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "rules":
        print(json.dumps([{"code": code, "django_checks": ids} for code, ids in RULES], indent=2))
        return 0
    if len(argv) >= 2 and argv[0] == "check":
        path = argv[-1]
        settings = read_settings(path)
        silenced = settings.get("SILENCED_SYSTEM_CHECKS", [])
        if silenced is UNKNOWN:
            silenced = []
        findings = [
            {"code": code, "django_check": django_id, "path": path}
            for code, django_id in evaluate(settings)
            if django_id not in silenced
        ]
        print(json.dumps({"findings": findings}, indent=2))
        return 1 if findings else 0
    print("usage: spec_model.py rules --format json | check --format json FILE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
