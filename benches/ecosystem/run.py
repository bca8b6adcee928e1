#!/usr/bin/env python3
"""The ecosystem check: djsec on real Django applications, compared with a triaged ledger.

    python3 benches/ecosystem/run.py             # check: print the diff, exit 1 if any
    python3 benches/ecosystem/run.py --update    # add new findings as untriaged, drop stale
    python3 benches/ecosystem/run.py --report    # also write docs/precision.md

Each project of projects.toml is downloaded once from PyPI (`pip download`, hash-checked) into a
cache folder, unpacked, and checked with `djsec check --format json` (every rule, every severity,
no configuration file). Every error- and warning-level finding must be in the project's ledger
(ledger/NAME.toml) with a verdict, `true` or `false`, and a one-line reason. The diff lists the
findings the ledger lacks, the ledger entries not triaged yet and the entries no longer found.

Findings are matched by path, rule code and fingerprint: the fingerprint of `djsec check
--write-baseline` (src/cli/baseline.rs), recomputed here from the JSON output, so line shifts
elsewhere in a file keep a finding matched.

Python 3.11 standard library only, plus pip for the downloads. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PROJECTS = HERE / "projects.toml"
LEDGER_DIR = HERE / "ledger"
REPORT = REPO / "docs" / "precision.md"

SEVERITIES = ("error", "warning", "info", "hint")
TRIAGED = ("error", "warning")
VERDICTS = ("true", "false", "untriaged")
STAMP = ".djsec-ecosystem-unpacked"

# What `djsec check` walks (src/cli/walk.rs, src/syntax.rs), for counting lines.
SKIPPED_DIRS = {
    "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox", ".git", ".hg", ".svn",
    "site-packages", "dist-packages", ".mypy_cache", ".ruff_cache", ".pytest_cache", "target",
}
PYTHON_EXT = {".py", ".pyi"}
TEMPLATE_EXT = {".html", ".htm", ".txt", ".xml", ".jinja", ".jinja2", ".j2"}
TEMPLATE_DIRS = {"templates", "jinja2"}


# --- projects ------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Project:
    name: str
    version: str
    kind: str
    dist: str
    file: str
    sha256: str
    drop: tuple[str, ...]
    note: str

    @property
    def slug(self) -> str:
        return self.name.lower()


def load_projects() -> list[Project]:
    data = tomllib.loads(PROJECTS.read_text(encoding="utf-8"))
    projects = []
    for raw in data.get("project", []):
        unknown = set(raw) - {f.name for f in dataclasses.fields(Project)}
        if unknown:
            sys.exit(f"{PROJECTS}: {raw.get('name')}: unknown keys {sorted(unknown)}")
        if raw.get("dist") not in ("wheel", "sdist"):
            sys.exit(f"{PROJECTS}: {raw.get('name')}: dist must be `wheel` or `sdist`")
        projects.append(
            Project(
                name=raw["name"],
                version=raw["version"],
                kind=raw.get("kind", "application"),
                dist=raw["dist"],
                file=raw["file"],
                sha256=raw["sha256"].lower(),
                drop=tuple(raw.get("drop", ())),
                note=raw.get("note", ""),
            )
        )
    names = [p.slug for p in projects]
    if len(set(names)) != len(names):
        sys.exit(f"{PROJECTS}: a project is listed twice")
    return projects


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "djsec-ecosystem"


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch(project: Project, cache: Path) -> Path:
    """The project's archive in the cache, downloaded with pip the first time."""
    downloads = cache / "downloads"
    archive = downloads / project.file
    if archive.is_file() and sha256_of(archive) == project.sha256:
        return archive
    downloads.mkdir(parents=True, exist_ok=True)
    if archive.exists():
        archive.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text(f"{project.name}=={project.version} --hash=sha256:{project.sha256}\n")
        formats = (
            ["--only-binary", ":all:"]
            if project.dist == "wheel"
            else ["--no-binary", project.name]
        )
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--require-hashes",
            "--disable-pip-version-check", "--quiet", *formats, "-d", tmp, "-r", str(req),
        ]
        print(f"  downloading {project.name} {project.version} ({project.dist})", flush=True)
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        got = Path(tmp) / project.file
        if done.returncode != 0 or not got.is_file():
            sys.exit(f"pip download failed for {project.name} {project.version}:\n{done.stdout}")
        digest = sha256_of(got)
        if digest != project.sha256:
            sys.exit(f"{project.file}: sha256 {digest}, projects.toml says {project.sha256}")
        shutil.move(str(got), archive)
    return archive


def safe_member(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


def unpack(project: Project, archive: Path, cache: Path) -> Path:
    """The unpacked project (reused while its stamp names the same archive)."""
    root = cache / "src" / f"{project.slug}-{project.version}"
    stamp = root / STAMP
    wanted = f"{project.file} {project.sha256} drop={','.join(project.drop)} v2\n"
    if stamp.is_file() and stamp.read_text() == wanted:
        return root
    if root.exists():
        shutil.rmtree(root)
    tmp = Path(tempfile.mkdtemp(prefix="unpack-", dir=cache))
    try:
        def keep(rel: PurePosixPath) -> bool:
            # Only what djsec may read: Python files and anything that can be a template.
            if rel.suffix not in PYTHON_EXT | TEMPLATE_EXT | {".djhtml"}:
                return False
            text = rel.as_posix()
            return not any(text == d.rstrip("/") or text.startswith(d) for d in project.drop)

        if project.dist == "wheel":
            with zipfile.ZipFile(archive) as z:
                for info in z.infolist():
                    rel = safe_member(info.filename)
                    if rel is None or info.is_dir() or not keep(rel):
                        continue
                    dest = tmp.joinpath(*rel.parts)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(info) as src, dest.open("wb") as out:
                        shutil.copyfileobj(src, out)
        else:
            with tarfile.open(archive) as t:
                for member in t.getmembers():
                    if not member.isfile():
                        continue
                    rel = safe_member(member.name)
                    if rel is None or len(rel.parts) < 2:
                        continue
                    rel = PurePosixPath(*rel.parts[1:])  # strip `NAME-VERSION/`
                    if not keep(rel):
                        continue
                    dest = tmp.joinpath(*rel.parts)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    src = t.extractfile(member)
                    if src is None:
                        continue
                    with src, dest.open("wb") as out:
                        shutil.copyfileobj(src, out)
        (tmp / STAMP).write_text(wanted)
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(root)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return root


# --- lines ----------------------------------------------------------------------------------

def count_lines(root: Path) -> tuple[int, int, int]:
    """Lines of Python and of templates, and the number of files, as `djsec check` walks them."""
    py = tpl = files = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIPPED_DIRS
            and not d.startswith(".")
            and not (Path(dirpath) / d / "pyvenv.cfg").exists()
        )
        rel_dir = Path(dirpath).relative_to(root)
        in_templates = any(part in TEMPLATE_DIRS for part in rel_dir.parts)
        for name in filenames:
            ext = os.path.splitext(name)[1]
            is_py = ext in PYTHON_EXT
            is_tpl = ext == ".djhtml" or (ext in TEMPLATE_EXT and in_templates)
            if not (is_py or is_tpl):
                continue
            with open(os.path.join(dirpath, name), "rb") as f:
                data = f.read()
            n = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            files += 1
            if is_py:
                py += n
            else:
                tpl += n
    return py, tpl, files


# --- djsec ----------------------------------------------------------------------------------

def djsec_binary(given: str | None) -> Path:
    if given:
        path = Path(given).resolve()
        if not path.is_file():
            sys.exit(f"djsec binary not found: {path}")
        return path
    print("building djsec (cargo build --release)", flush=True)
    subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO, check=True)
    return REPO / "target" / "release" / "djsec"


def djsec_flags(binary: Path) -> list[str]:
    """Flags that make `djsec check` report every rule at every severity and never fail,
    adapted to the options this binary has."""
    help_text = subprocess.run(
        [str(binary), "check", "--help"], capture_output=True, text=True, check=True
    ).stdout
    flags = ["--format", "json", "--select", "ALL", "--exit-zero"]
    if "--isolated" in help_text:
        flags.append("--isolated")
    if "--no-progress" in help_text:
        flags.append("--no-progress")
    if "--min-severity" in help_text:
        flags += ["--min-severity", "hint"]
    return flags


def run_djsec(binary: Path, flags: list[str], root: Path, threads: int | None) -> dict:
    # djsec takes the nearest folder above the checked path that holds `manage.py` or
    # `pyproject.toml` as the project's root. The unpacked projects keep no `pyproject.toml`, so
    # under a cache inside a repository (CI's `target/ecosystem-cache`) the root would be that
    # repository: mark each project's folder as its own root, wherever the cache is.
    marker = root / "pyproject.toml"
    if not marker.exists():
        marker.write_text("# written by benches/ecosystem/run.py: this folder is the project's root\n")
    cmd = [str(binary), "check", *flags]
    if threads:
        cmd += ["--threads", str(threads)]
    cmd.append(".")
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"djsec failed ({done.returncode}) on {root}:\n{done.stderr[-4000:]}")
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f"djsec printed no JSON on {root}: {e}\n{done.stderr[-4000:]}")


# --- fingerprints (same notion as src/cli/baseline.rs) --------------------------------------

_WS = re.compile(r"[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")


def collapse(text: str) -> str:
    """Rust's `split_whitespace().join(" ")`: Unicode White_Space, not Python's isspace."""
    return " ".join(p for p in _WS.split(text) if p)


def fnv1a(parts: list[str]) -> int:
    h = 0xCBF29CE484222325
    for part in parts:
        for b in part.encode("utf-8") + b"\0":
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def line_starts(text: str) -> list[int]:
    """Offsets (in characters) where lines start; lines end at \\n, \\r\\n or \\r (as in LSP)."""
    starts = [0]
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            starts.append(i + 1)
        elif c == "\r":
            if i + 1 < n and text[i + 1] == "\n":
                i += 1
            starts.append(i + 1)
        i += 1
    return starts


def offset(starts: list[int], text: str, line: int, column: int) -> int:
    line = max(1, min(line, len(starts)))
    return min(starts[line - 1] + max(column, 1) - 1, len(text))


def fingerprints(text: str, findings: list[dict]) -> list[str]:
    starts = line_starts(text)
    seen: dict[int, int] = {}
    out = []
    for f in findings:
        start = offset(starts, text, f["line"], f["column"])
        end = max(start, offset(starts, text, f["end"]["line"], f["end"]["column"]))
        line_index = max(0, _bisect(starts, start))
        line_start = min(starts[line_index], start)
        nl = text.find("\n", start)
        line_end = len(text) if nl < 0 else nl
        line = collapse(text[line_start:line_end])
        covered = collapse(text[start:end])[:256]
        h = fnv1a([f["code"], line, covered])
        rank = seen.get(h, 0)
        seen[h] = rank + 1
        out.append(f"{h:016x}:{rank}")
    return out


def _bisect(starts: list[int], pos: int) -> int:
    lo, hi = 0, len(starts)
    while lo < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return lo - 1


@dataclasses.dataclass
class Finding:
    path: str
    line: int
    code: str
    severity: str
    message: str
    fingerprint: str


def findings_of(report: dict, root: Path) -> list[Finding]:
    by_path: dict[str, list[dict]] = {}
    for f in report.get("findings", []):
        by_path.setdefault(f["path"], []).append(f)
    out = []
    for path, items in sorted(by_path.items()):
        rel = path[2:] if path.startswith("./") else path
        data = (root / rel).read_bytes()
        text = data.decode("utf-8", errors="replace")
        for f, fp in zip(items, fingerprints(text, items)):
            out.append(Finding(rel, f["line"], f["code"], f["severity"], f["message"], fp))
    return out


# --- ledger ---------------------------------------------------------------------------------

def ledger_path(project: Project) -> Path:
    return LEDGER_DIR / f"{project.slug}.toml"


def load_ledger(project: Project) -> list[dict]:
    path = ledger_path(project)
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = data.get("finding", [])
    for e in entries:
        missing = {"path", "code", "fingerprint", "severity", "verdict", "reason"} - set(e)
        if missing:
            sys.exit(f"{path}: an entry lacks {sorted(missing)}: {e}")
        if e["verdict"] not in VERDICTS:
            sys.exit(f"{path}: verdict must be one of {VERDICTS}: {e}")
        if e["verdict"] != "untriaged" and not e["reason"].strip():
            sys.exit(f"{path}: a triaged entry needs a reason: {e}")
    return entries


def _toml_str(s: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(s, ensure_ascii=False)


def save_ledger(project: Project, entries: list[dict]) -> None:
    LEDGER_DIR.mkdir(parents=True, exist_ok=True)
    entries = sorted(entries, key=lambda e: (e["path"], e.get("line", 0), e["code"], e["fingerprint"]))
    lines = [
        f"# djsec ecosystem ledger for {project.name} {project.version}: every error- and",
        "# warning-level finding, triaged. verdict: \"true\" (right at its severity), \"false\"",
        "# (wrong), \"untriaged\". `line` and `message` are informative; matching is by path, code",
        "# and fingerprint. Written by benches/ecosystem/run.py --update; edit verdict/reason.",
        "",
        f"project = {_toml_str(project.name)}",
        f"version = {_toml_str(project.version)}",
    ]
    for e in entries:
        lines += [
            "",
            "[[finding]]",
            f"path = {_toml_str(e['path'])}",
            f"line = {int(e.get('line', 0))}",
            f"code = {_toml_str(e['code'])}",
            f"severity = {_toml_str(e['severity'])}",
            f"fingerprint = {_toml_str(e['fingerprint'])}",
            f"message = {_toml_str(e.get('message', ''))}",
            f"verdict = {_toml_str(e['verdict'])}",
            f"reason = {_toml_str(e['reason'])}",
        ]
    ledger_path(project).write_text("\n".join(lines) + "\n", encoding="utf-8")


@dataclasses.dataclass
class Diff:
    new: list[Finding]
    untriaged: list[tuple[Finding, dict]]
    stale: list[dict]
    resevered: list[tuple[Finding, dict]]
    matched: list[tuple[Finding, dict]]


def compare(found: list[Finding], ledger: list[dict]) -> Diff:
    index: dict[tuple[str, str, str], dict] = {}
    for e in ledger:
        index[(e["path"], e["code"], e["fingerprint"])] = e
    diff = Diff([], [], [], [], [])
    used = set()
    for f in found:
        if f.severity not in TRIAGED:
            continue
        key = (f.path, f.code, f.fingerprint)
        entry = index.get(key)
        if entry is None or key in used:
            diff.new.append(f)
            continue
        used.add(key)
        if entry["severity"] != f.severity:
            diff.resevered.append((f, entry))
        elif entry["verdict"] == "untriaged":
            diff.untriaged.append((f, entry))
        else:
            diff.matched.append((f, entry))
    diff.stale = [e for k, e in index.items() if k not in used]
    return diff


def updated_ledger(diff: Diff) -> list[dict]:
    out = []

    def entry(f: Finding, verdict: str, reason: str) -> dict:
        return {
            "path": f.path, "line": f.line, "code": f.code, "severity": f.severity,
            "fingerprint": f.fingerprint, "message": f.message, "verdict": verdict,
            "reason": reason,
        }

    for f, e in diff.matched + diff.untriaged:
        out.append(entry(f, e["verdict"], e["reason"]))
    for f, e in diff.resevered:
        # A true error is still true as a warning; anything else is judged again.
        lowered = SEVERITIES.index(f.severity) > SEVERITIES.index(e["severity"])
        if e["verdict"] == "true" and lowered:
            out.append(entry(f, "true", e["reason"]))
        else:
            was = f"(was {e['verdict']} as {e['severity']}: {e['reason']})" if e["reason"] else ""
            out.append(entry(f, "untriaged", was))
    for f in diff.new:
        out.append(entry(f, "untriaged", ""))
    return out


# --- report ---------------------------------------------------------------------------------

@dataclasses.dataclass
class Result:
    project: Project
    py_lines: int
    template_lines: int
    files: int
    djsec_files: int
    counts: dict[str, int]
    diff: Diff
    seconds: float

    @property
    def lines(self) -> int:
        return self.py_lines + self.template_lines


def judged(result: Result, severity: str) -> tuple[int, int, int]:
    """(true, false, untriaged) among the findings of a severity."""
    t = f = u = 0
    for finding, e in result.diff.matched:
        if finding.severity != severity:
            continue
        if e["verdict"] == "true":
            t += 1
        else:
            f += 1
    u = result.counts.get(severity, 0) - t - f
    return t, f, u


def share(t: int, f: int) -> str:
    return "–" if t + f == 0 else f"{100 * t / (t + f):.0f} %"


def per10k(n: int, lines: int) -> str:
    return "–" if lines == 0 else f"{10000 * n / lines:.1f}"


def write_report(results: list[Result], command: str) -> None:
    rows = []
    tot = {s: 0 for s in SEVERITIES}
    tot_lines = tot_py = tot_tpl = 0
    tj = {s: [0, 0, 0] for s in TRIAGED}
    for r in sorted(results, key=lambda r: r.project.slug):
        c = {s: r.counts.get(s, 0) for s in SEVERITIES}
        for s in SEVERITIES:
            tot[s] += c[s]
        tot_lines += r.lines
        tot_py += r.py_lines
        tot_tpl += r.template_lines
        je = judged(r, "error")
        jw = judged(r, "warning")
        for s, j in (("error", je), ("warning", jw)):
            for i in range(3):
                tj[s][i] += j[i]
        rows.append(
            f"| {r.project.name} {r.project.version} | {r.project.kind} | {r.py_lines:,} | "
            f"{r.template_lines:,} | {c['error']} | {c['warning']} | {c['info']} | {c['hint']} | "
            f"{per10k(c['error'] + c['warning'], r.lines)} | "
            f"{per10k(sum(c.values()), r.lines)} | {share(je[0], je[1])} | {share(jw[0], jw[1])} |"
        )
    rows.append(
        f"| **total** | | {tot_py:,} | {tot_tpl:,} | {tot['error']} | {tot['warning']} | "
        f"{tot['info']} | {tot['hint']} | {per10k(tot['error'] + tot['warning'], tot_lines)} | "
        f"{per10k(sum(tot.values()), tot_lines)} | {share(*tj['error'][:2])} | "
        f"{share(*tj['warning'][:2])} |"
    )

    # Per rule: errors and warnings with their verdicts.
    per_rule: dict[tuple[str, str], list[int]] = {}
    for r in results:
        for f, e in r.diff.matched:
            k = per_rule.setdefault((f.code, f.severity), [0, 0, 0])
            k[0 if e["verdict"] == "true" else 1] += 1
        for f in r.diff.new:
            per_rule.setdefault((f.code, f.severity), [0, 0, 0])[2] += 1
        for f, _ in r.diff.untriaged + r.diff.resevered:
            per_rule.setdefault((f.code, f.severity), [0, 0, 0])[2] += 1
    rule_rows = [
        f"| {code} | {sev} | {t + f + u} | {t} | {f} | {u} | {share(t, f)} |"
        for (code, sev), (t, f, u) in sorted(
            per_rule.items(), key=lambda kv: (SEVERITIES.index(kv[0][1]), -sum(kv[1]), kv[0][0])
        )
    ]
    untriaged = sum(tj[s][2] for s in TRIAGED)

    text = f"""# Precision on real projects

<!-- Generated by benches/ecosystem/run.py --report; do not edit by hand. -->

djsec is run on {len(results)} Django applications and libraries from PyPI at pinned versions
(`benches/ecosystem/projects.toml`), with every rule at every severity and no configuration
file. Every error- and warning-level finding is triaged in a committed ledger
(`benches/ecosystem/ledger/*.toml`): **true** when it holds at its severity, **false** otherwise,
each with a one-line reason a reviewer can check against the code. CI fails on a finding the
ledger lacks, an entry not triaged yet, or an entry no longer found (`.ci/run`, "ecosystem
check").

Produced by:

```
{command}
```

## Severity

- **error**: exploitable as shown: request data reaches the sink, or the protection is off in
  production settings.
- **warning**: a likely problem that needs a look.
- **info** / **hint**: audit information, worded as such; counted here, not triaged.

A finding is judged **true** when it keeps its severity's promise in the code as shipped (an
error: the path from the request to the sink is real; a warning: a reviewer would want to look
at it). A correct observation at too high a severity is **false**.

## Per project

Lines are those of the Python files and templates djsec reads. "E+W / 10k" counts errors and
warnings per 10,000 lines, "all / 10k" every finding; "true" is the share of triaged findings
judged true{"" if untriaged == 0 else f" ({untriaged} not triaged yet are left out)"}.

| project | kind | Python lines | template lines | errors | warnings | info | hints | E+W / 10k | all / 10k | errors true | warnings true |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

## Per rule (errors and warnings)

| rule | severity | findings | true | false | untriaged | true share |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rule_rows)}

The reasons are in the ledgers; `grep -h -B7 'verdict = "false"' benches/ecosystem/ledger/*.toml`
lists the false positives.
"""
    REPORT.write_text(text, encoding="utf-8")
    print(f"wrote {REPORT.relative_to(REPO)}")


# --- main -----------------------------------------------------------------------------------

def short(msg: str, n: int = 110) -> str:
    msg = " ".join(msg.split())
    return msg if len(msg) <= n else msg[: n - 1] + "…"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--update", action="store_true", help="add new findings as untriaged, drop stale entries")
    ap.add_argument("--report", action="store_true", help=f"write {REPORT.relative_to(REPO)}")
    ap.add_argument("--cache", type=Path, default=None,
                    help="download and unpack folder (default: $DJSEC_ECOSYSTEM_CACHE, else $XDG_CACHE_HOME/djsec-ecosystem or ~/.cache/djsec-ecosystem)")
    ap.add_argument("--djsec", default=os.environ.get("DJSEC_BIN"),
                    help="djsec binary (default: $DJSEC_BIN, else `cargo build --release`)")
    ap.add_argument("--threads", type=int, default=None, help="djsec --threads (default: djsec's)")
    ap.add_argument("--project", action="append", default=[], help="only this project (repeatable)")
    ap.add_argument("--dump", type=Path, default=None, help="also write each project's djsec JSON here")
    ap.add_argument("--fetch-only", action="store_true", help="download and unpack, run nothing")
    args = ap.parse_args(argv)

    if args.report and args.project:
        ap.error("--report covers every project; drop --project")
    projects = load_projects()
    if args.project:
        wanted = {p.lower() for p in args.project}
        unknown = wanted - {p.slug for p in projects}
        if unknown:
            ap.error(f"not in projects.toml: {', '.join(sorted(unknown))}")
        projects = [p for p in projects if p.slug in wanted]

    cache = args.cache or Path(os.environ.get("DJSEC_ECOSYSTEM_CACHE") or default_cache())
    cache = cache.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    roots = {}
    for p in projects:
        roots[p.slug] = unpack(p, fetch(p, cache), cache)
    print(f"{len(projects)} projects ready in {cache} ({time.monotonic() - started:.1f} s)", flush=True)
    if args.fetch_only:
        return 0

    binary = djsec_binary(args.djsec)
    flags = djsec_flags(binary)
    if args.dump:
        args.dump.mkdir(parents=True, exist_ok=True)

    results: list[Result] = []
    problems = 0
    for p in projects:
        root = roots[p.slug]
        t0 = time.monotonic()
        report = run_djsec(binary, flags, root, args.threads)
        seconds = time.monotonic() - t0
        if args.dump:
            (args.dump / f"{p.slug}.json").write_text(json.dumps(report, indent=1))
        found = findings_of(report, root)
        py, tpl, files = count_lines(root)
        counts = {s: 0 for s in SEVERITIES}
        for f in found:
            counts[f.severity] = counts.get(f.severity, 0) + 1
        diff = compare(found, load_ledger(p))
        djsec_files = report.get("summary", {}).get("files", 0)
        results.append(Result(p, py, tpl, files, djsec_files, counts, diff, seconds))

        print(
            f"\n{p.name} {p.version}: {py + tpl:,} lines ({djsec_files} files), "
            f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} info, "
            f"{counts['hint']} hints ({seconds:.1f} s)"
        )
        if report.get("errors"):
            print(f"  djsec could not read {len(report['errors'])} files: {report['errors'][:3]}")
        if djsec_files != files:
            print(f"  note: djsec read {djsec_files} files, the line count covers {files}")
        for f in diff.new:
            print(f"  new        {f.path}:{f.line}: {f.code} {f.severity}: {short(f.message)}")
        for f, _ in diff.untriaged:
            print(f"  untriaged  {f.path}:{f.line}: {f.code} {f.severity}: {short(f.message)}")
        for f, e in diff.resevered:
            print(f"  severity   {f.path}:{f.line}: {f.code} {e['severity']} -> {f.severity} "
                  f"(was {e['verdict']}): {short(f.message)}")
        for e in diff.stale:
            print(f"  stale      {e['path']}:{e.get('line', 0)}: {e['code']} {e['severity']} "
                  f"({e['verdict']}): {short(e.get('message', ''))}")
        problems += len(diff.new) + len(diff.untriaged) + len(diff.resevered) + len(diff.stale)
        if args.update:
            save_ledger(p, updated_ledger(diff))
            diff_after = compare(found, load_ledger(p))
            results[-1].diff = diff_after

    total = {s: sum(r.counts.get(s, 0) for r in results) for s in SEVERITIES}
    tj = {s: [sum(judged(r, s)[i] for r in results) for i in range(3)] for s in TRIAGED}
    print(
        f"\n{len(results)} projects, {sum(r.lines for r in results):,} lines: "
        f"{total['error']} errors ({share(*tj['error'][:2])} true), "
        f"{total['warning']} warnings ({share(*tj['warning'][:2])} true), "
        f"{total['info']} info, {total['hint']} hints; "
        f"{time.monotonic() - started:.1f} s"
    )
    if args.report:
        write_report(results, "python3 benches/ecosystem/run.py --report")
    if problems and not args.update:
        print(
            f"{problems} differences with the ledger: run `python3 benches/ecosystem/run.py "
            "--update`, then triage the untriaged entries (benches/ecosystem/README.md)"
        )
        return 1
    if args.update:
        left = sum(len(r.diff.untriaged) + len(r.diff.new) for r in results)
        print(f"ledgers updated; {left} entries to triage" if left else "ledgers updated")
        return 1 if left else 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
