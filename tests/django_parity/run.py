#!/usr/bin/env python3
"""Django parity harness for djsec's settings rules.

For every settings variant in variants.py this script writes an importable
settings module (variants/vNNN/settings.py), runs `python -m django check
--deploy` on it with a pinned Django, and compares the check ids Django prints
with the ids djsec's findings map to (through `djsec rules --format json`,
whose rule objects carry `code` and `django_checks`).

Modes:
  (default)       Django vs djsec, per variant; non-zero exit on any mismatch.
  --django-only   run only Django; print its ids per variant and compare them
                  with the expectation written next to each variant (the spec
                  in docs/django-checks.md); non-zero exit on any difference.
  --record        with --django-only: also write expected_django_5_2.json.

Environment:
  DJSEC_PARITY_VENV    venv holding Django (default target/django-parity-venv,
                       relative to the repository root); created if missing.
  DJSEC_PARITY_DJANGO  pip requirement for Django (default 'Django>=5.2,<5.3').
  DJSEC_BIN            djsec command (default target/release/djsec); split
                       like a shell word list, so 'python3 x.py' works.

Python 3.11+ standard library only.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from variants import DELETE, VARIANTS, Variant  # noqa: E402

DEFAULT_VENV = "target/django-parity-venv"
DEFAULT_DJANGO = "Django>=5.2,<5.3"
DEFAULT_BIN = "target/release/djsec"
RECORD_FILE = HERE / "expected_django_5_2.json"

# A check id as Django prints it: "?: (security.W004) ..." or "auth.User: (fields.E304) ...".
ID_RE = re.compile(r"\(([a-z_]+\.[A-Z]+\d+)\)")

# Security ids that need imports to decide (CSRF_FAILURE_VIEW importability and
# signature): compared only when some djsec rule claims them.
NOT_STATIC = {"security.E101", "security.E102"}


# --------------------------------------------------------------------------- venv


def venv_python(venv: Path) -> Path:
    if os.name == "nt":  # pragma: no cover - the project runs on Linux
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def ensure_venv(venv: Path, requirement: str) -> tuple[Path, str]:
    """Create (or reuse) a venv with Django installed; return (python, version)."""
    py = venv_python(venv)
    probe = [str(py), "-c", "import django; print(django.get_version())"]
    if py.exists():
        res = subprocess.run(probe, capture_output=True, text=True)
        if res.returncode == 0 and _version_ok(res.stdout.strip(), requirement):
            return py, res.stdout.strip()
    print(f"[parity] creating venv {venv} with {requirement!r}", file=sys.stderr)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
        check=True,
    )
    res = subprocess.run(probe, capture_output=True, text=True, check=True)
    return py, res.stdout.strip()


def _version_ok(version: str, requirement: str) -> bool:
    """Cheap check for the default pin: reuse a venv only if its major.minor matches."""
    m = re.search(r">=\s*(\d+)\.(\d+)", requirement)
    if not m:
        return True  # custom requirement: trust whatever is installed
    return version.split(".")[:2] == [m.group(1), m.group(2)]


# ----------------------------------------------------------------------- variants


def write_variants(root: Path, variants: list[Variant]) -> dict[str, Path]:
    """Write variants/vNNN/settings.py (+ __init__.py, urls.py); return name -> file."""
    out: dict[str, Path] = {}
    manifest = {}
    for variant in variants:
        # Numbered by position in the full list, so --only keeps the same names.
        package = f"v{VARIANTS.index(variant):03d}"
        pkg = root / package
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "urls.py").write_text("urlpatterns = []\n")
        settings = pkg / "settings.py"
        settings.write_text(variant.render(package))
        out[variant.name] = settings
        manifest[package] = variant.name
    (root / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return out


@dataclass
class DjangoResult:
    ids: list[str]  # in print order, with repeats (one per message)
    returncode: int
    output: str
    seconds: float
    crashed: bool = False

    @property
    def id_set(self) -> set[str]:
        return set(self.ids)


def run_django(python: Path, root: Path, settings_file: Path) -> DjangoResult:
    module = f"{settings_file.parent.name}.settings"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    # async.E001 is driven by this variable, not by settings: keep it out.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        PYTHONPATH=str(root),
        PYTHONDONTWRITEBYTECODE="1",
        NO_COLOR="1",
    )
    start = time.monotonic()
    res = subprocess.run(
        [str(python), "-m", "django", "check", "--deploy"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - start
    output = res.stdout + res.stderr
    ids = ID_RE.findall(output)
    # Exit 0: only warnings (or nothing). Exit 1 with "SystemCheckError": errors
    # were found, which is a normal result here. Anything else is a crash
    # (e.g. ImproperlyConfigured while loading the settings).
    crashed = res.returncode != 0 and "SystemCheckError" not in output
    return DjangoResult(ids, res.returncode, output, seconds, crashed)


# -------------------------------------------------------------------------- djsec


def djsec_command() -> list[str]:
    raw = os.environ.get("DJSEC_BIN", DEFAULT_BIN)
    argv = shlex.split(raw)
    if not argv:
        raise SystemExit("DJSEC_BIN is empty")
    first = Path(argv[0])
    if not first.is_absolute() and (os.sep in argv[0]) and (REPO / first).exists():
        argv[0] = str(REPO / first)
    return argv


def load_rules(cmd: list[str]) -> dict[str, list[str]]:
    """code -> django check ids, from `djsec rules --format json`."""
    res = subprocess.run(cmd + ["rules", "--format", "json"], capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"`{shlex.join(cmd)} rules --format json` failed ({res.returncode}):\n{res.stderr}")
    data = json.loads(res.stdout)
    if isinstance(data, dict):
        data = data.get("rules", [])
    rules: dict[str, list[str]] = {}
    for rule in data:
        ids = rule.get("django_checks") or []
        if isinstance(ids, str):
            ids = [ids]
        rules[str(rule["code"])] = [str(i) for i in ids]
    return rules


@dataclass
class DjsecResult:
    exact: set[str] = field(default_factory=set)  # ids resolved one-to-one
    groups: list[tuple[str, frozenset[str]]] = field(default_factory=list)  # (code, any-of ids)
    codes: list[str] = field(default_factory=list)
    error: str | None = None


def _explicit_ids(finding: dict) -> list[str] | None:
    """A finding may name its Django id itself (optional; disambiguates multi-id rules)."""
    for key in ("django_check", "django_checks", "django_id"):
        value = finding.get(key)
        if isinstance(value, str) and value:
            return [value]
        if isinstance(value, list) and value:
            return [str(v) for v in value]
    return None


def run_djsec(cmd: list[str], rules: dict[str, list[str]], settings_file: Path) -> DjsecResult:
    res = subprocess.run(
        cmd + ["check", "--format", "json", str(settings_file)],
        capture_output=True,
        text=True,
    )
    out = DjsecResult()
    try:
        data = json.loads(res.stdout)
    except json.JSONDecodeError:
        out.error = f"exit {res.returncode}, stdout is not JSON: {res.stdout[:200]!r} {res.stderr[:300]!r}"
        return out
    findings = data.get("findings", []) if isinstance(data, dict) else data
    for finding in findings:
        code = str(finding.get("code", ""))
        out.codes.append(code)
        ids = _explicit_ids(finding)
        if ids is None:
            ids = rules.get(code, [])
        if len(ids) == 1:
            out.exact.add(ids[0])
        elif len(ids) > 1:
            out.groups.append((code, frozenset(ids)))
    return out


def compare(django_ids: set[str], djsec: DjsecResult, claimed: set[str]) -> tuple[list[str], list[str]]:
    """Return (missing, extra) for one variant.

    Scope: every security.* id except the import-dependent ones, plus every id a
    djsec rule claims. A finding of a multi-id rule that does not name its id
    matches if Django printed any id of that rule.
    """
    scope = {i for i in django_ids if i.startswith("security.") and i not in NOT_STATIC} | (django_ids & claimed)
    covered = set(djsec.exact)
    extra = sorted(i for i in djsec.exact if i not in django_ids)
    for code, ids in djsec.groups:
        hit = ids & django_ids
        if hit:
            covered |= hit
        else:
            extra.append(f"{code}(any of {', '.join(sorted(ids))})")
    missing = sorted(scope - covered)
    return missing, extra


# ---------------------------------------------------------------------------- main


def short(i: str) -> str:
    return i.removeprefix("security.")


def fmt_ids(ids) -> str:
    ids = sorted(ids)
    return " ".join(short(i) for i in ids) if ids else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--django-only", action="store_true", help="run Django only and check the documented expectations")
    ap.add_argument("--record", action="store_true", help=f"with --django-only: write {RECORD_FILE.name}")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2, help="variants run in parallel")
    ap.add_argument("--only", metavar="REGEX", help="run only variants whose name matches")
    ap.add_argument("--keep", metavar="DIR", help="write the variants into DIR and keep them")
    ap.add_argument("--list", action="store_true", help="list variants and exit")
    ap.add_argument("--verbose", "-v", action="store_true", help="print Django's output for failures")
    args = ap.parse_args(argv)

    if args.record and not args.django_only:
        ap.error("--record needs --django-only")

    variants = VARIANTS
    if args.only:
        pattern = re.compile(args.only)
        variants = [v for v in variants if pattern.search(v.name)]
        if not variants:
            ap.error(f"no variant matches {args.only!r}")
    if args.record and args.only:
        ap.error("--record records every variant; drop --only")
    if args.list:
        for v in variants:
            print(f"{v.name:40} {fmt_ids(v.expect):30} {v.description}")
        return 0

    started = time.monotonic()
    cmd: list[str] | None = None
    rules: dict[str, list[str]] = {}
    if not args.django_only:
        cmd = djsec_command()
        if shutil.which(cmd[0]) is None and not Path(cmd[0]).exists():
            print(
                f"[parity] djsec not found at {cmd[0]!r}: build it (cargo build --release) or set "
                "DJSEC_BIN; use --django-only to run Django alone",
                file=sys.stderr,
            )
            return 2
        rules = load_rules(cmd)
        claimed = {i for ids in rules.values() for i in ids}
        print(f"[parity] djsec {shlex.join(cmd)}: {len(rules)} rules, {len(claimed)} Django ids claimed")
    claimed = {i for ids in rules.values() for i in ids}

    venv = Path(os.environ.get("DJSEC_PARITY_VENV", DEFAULT_VENV))
    if not venv.is_absolute():
        venv = REPO / venv
    python, version = ensure_venv(venv, os.environ.get("DJSEC_PARITY_DJANGO", DEFAULT_DJANGO))
    print(f"[parity] Django {version} ({python}); {len(variants)} variants; jobs={args.jobs}")

    if args.keep:
        root = Path(args.keep).resolve()
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        tmp = None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="djsec-parity-")
        root = Path(tmp.name) / "variants"
        root.mkdir()
    try:
        files = write_variants(root, variants)

        def job(variant: Variant):
            dj = run_django(python, root, files[variant.name])
            ds = run_djsec(cmd, rules, files[variant.name]) if cmd else None
            return variant, dj, ds

        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            results = list(pool.map(job, variants))

        passed = failed = 0
        rows: list[tuple[str, str, str, str]] = []
        notes: list[str] = []
        record: dict[str, dict] = {}
        for variant, dj, ds in results:
            label = f"{files[variant.name].parent.name} {variant.name}"
            if dj.crashed:
                failed += 1
                rows.append((label, "django crashed", "", dj.output.strip().splitlines()[-1][:100] if dj.output.strip() else ""))
                if args.verbose:
                    notes.append(f"--- {label}\n{dj.output}")
                continue
            got = dj.id_set
            if args.django_only:
                counts = {i: dj.ids.count(i) for i in sorted(got)}
                shown = " ".join(short(i) + (f"x{counts[i]}" if counts[i] > 1 else "") for i in sorted(got)) or "-"
                print(f"{label:48} {shown}")
                record[variant.name] = {
                    "module": f"{files[variant.name].parent.name}.settings",
                    "base": variant.base,
                    "changes": {k: "<deleted: Django default>" if v is DELETE else repr(v) for k, v in variant.overrides.items()},
                    "description": variant.description,
                    "ids": sorted(got),
                    **({"counts": {i: c for i, c in counts.items() if c > 1}} if any(c > 1 for c in counts.values()) else {}),
                }
                missing = sorted(variant.expect - got)
                extra = sorted(got - variant.expect)
                if missing or extra:
                    failed += 1
                    rows.append((label, fmt_ids(missing), fmt_ids(extra), "Django vs documented expectation"))
                    if args.verbose:
                        notes.append(f"--- {label}\n{dj.output}")
                else:
                    passed += 1
                continue
            if got != variant.expect:
                notes.append(
                    f"note: {label}: Django printed {fmt_ids(got)}, the spec expects {fmt_ids(variant.expect)}"
                )
            if ds.error:
                failed += 1
                rows.append((label, "", "", f"djsec error: {ds.error}"))
                continue
            missing, extra = compare(got, ds, claimed)
            if missing or extra:
                failed += 1
                rows.append((label, fmt_ids(missing), " ".join(short(e) for e in extra) or "-", f"djsec codes: {' '.join(ds.codes) or '-'}"))
            else:
                passed += 1

        if rows:
            what = "expectation" if args.django_only else "djsec"
            print()
            print(f"{'variant':48} {'missing (Django only)':24} {'extra (' + what + ' only)':24} detail")
            for label, missing, extra, detail in rows:
                print(f"{label:48} {missing:24} {extra:24} {detail}")
        for note in notes:
            print(note)

        if args.record:
            payload = {
                "django_version": version,
                "command": "python -m django check --deploy",
                "generated_by": "tests/django_parity/run.py --django-only --record",
                "note": "Observed output, for reading; the parity run always re-runs Django.",
                "variants": record,
            }
            RECORD_FILE.write_text(json.dumps(payload, indent=2) + "\n")
            print(f"[parity] wrote {RECORD_FILE.relative_to(REPO)}")

        print(f"[parity] {time.monotonic() - started:.1f}s wall")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed else 0
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
