"""Tests of the ecosystem check's own logic: fingerprints, ledger diff and update, TOML round
trip. No download, no djsec binary: `python3 -m unittest discover -s benches/ecosystem`."""

import sys
import tempfile
import tomllib
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402

# CRLF line ends and a non-ASCII character before the finding: columns count characters.
SRC = (
    "from django.utils.safestring import mark_safe\r\n\r\n"
    "def v(request):\r\n    return mark_safe(\"é\" + request.GET['x'])\r\n\r\n"
    "def w(request):\r\n    return mark_safe(\"é\" + request.GET['x'])\r\n"
)
FINDINGS = [
    {"line": 4, "column": 12, "end": {"line": 4, "column": 45}, "code": "DJS101"},
    {"line": 7, "column": 12, "end": {"line": 7, "column": 45}, "code": "DJS101"},
]


class Fingerprints(unittest.TestCase):
    def test_same_as_djsec_write_baseline(self):
        # Written by `djsec check --select DJS101 --write-baseline b.json views.py` on SRC.
        self.assertEqual(
            run.fingerprints(SRC, FINDINGS), ["4f1b9e6b53efb8da:0", "4f1b9e6b53efb8da:1"]
        )

    def test_survive_line_shifts_and_reindentation(self):
        moved = "import os\n\n\n" + SRC.replace("    return", "        return")
        shifted = [
            {**f, "line": f["line"] + 3, "column": f["column"] + 4,
             "end": {"line": f["end"]["line"] + 3, "column": f["end"]["column"] + 4}}
            for f in FINDINGS
        ]
        self.assertEqual(run.fingerprints(moved, shifted), run.fingerprints(SRC, FINDINGS))

    def test_change_with_the_flagged_code(self):
        changed = SRC.replace("request.GET['x']", "request.GET['y']", 1)
        self.assertNotEqual(run.fingerprints(changed, FINDINGS)[0], run.fingerprints(SRC, FINDINGS)[0])

    def test_rust_whitespace(self):
        # \x1c is whitespace to Python's str.split, not to Rust's split_whitespace.
        self.assertEqual(run.collapse(" a\u00a0\tb\x1cc \n"), "a b\x1cc")

    def test_lone_cr_ends_a_line(self):
        self.assertEqual(run.line_starts("a\rb\r\nc\nd"), [0, 2, 5, 7])


def finding(path, code, fp, severity="error", line=1):
    return run.Finding(path, line, code, severity, "msg", fp)


def entry(path, code, fp, severity="error", verdict="true", reason="r"):
    return {"path": path, "code": code, "fingerprint": fp, "severity": severity,
            "verdict": verdict, "reason": reason, "line": 1, "message": "msg"}


class Ledger(unittest.TestCase):
    def test_diff(self):
        found = [
            finding("a.py", "DJS101", "1:0"),             # triaged
            finding("a.py", "DJS101", "2:0"),             # new
            finding("a.py", "DJS301", "3:0", "warning"),  # untriaged in the ledger
            finding("b.py", "DJS311", "4:0", "warning"),  # severity lowered
            finding("c.py", "DJS309", "5:0", "hint"),     # hints are not triaged
        ]
        ledger = [
            entry("a.py", "DJS101", "1:0"),
            entry("a.py", "DJS301", "3:0", "warning", "untriaged", ""),
            entry("b.py", "DJS311", "4:0", "error", "true"),
            entry("a.py", "DJS101", "9:0"),               # stale
        ]
        d = run.compare(found, ledger)
        self.assertEqual([f.fingerprint for f in d.new], ["2:0"])
        self.assertEqual([f.fingerprint for f, _ in d.untriaged], ["3:0"])
        self.assertEqual([e["fingerprint"] for e in d.stale], ["9:0"])
        self.assertEqual([f.fingerprint for f, _ in d.resevered], ["4:0"])
        self.assertEqual([f.fingerprint for f, _ in d.matched], ["1:0"])

        updated = {e["fingerprint"]: e for e in run.updated_ledger(d)}
        self.assertEqual(sorted(updated), ["1:0", "2:0", "3:0", "4:0"])
        self.assertEqual(updated["2:0"]["verdict"], "untriaged")
        # A true error is still true as a warning.
        self.assertEqual((updated["4:0"]["verdict"], updated["4:0"]["severity"]), ("true", "warning"))
        after = run.compare(found, run.updated_ledger(d))
        self.assertEqual((len(after.new), len(after.stale), len(after.resevered)), (0, 0, 0))

    def test_raised_severity_is_judged_again(self):
        found = [finding("a.py", "DJS101", "1:0", "error")]
        d = run.compare(found, [entry("a.py", "DJS101", "1:0", "warning", "true", "looks odd")])
        (e,) = run.updated_ledger(d)
        self.assertEqual(e["verdict"], "untriaged")
        self.assertIn("looks odd", e["reason"])

    def test_toml_round_trip(self):
        p = run.Project("Demo", "1.0", "application", "wheel", "demo.whl", "0" * 64, (), "")
        entries = [entry("a/b.py", "DJS101", "1:0", reason='quote " backslash \\ tab \t é')]
        with tempfile.TemporaryDirectory() as tmp:
            old = run.LEDGER_DIR
            run.LEDGER_DIR = Path(tmp)
            try:
                run.save_ledger(p, entries)
                text = (Path(tmp) / "demo.toml").read_text(encoding="utf-8")
                self.assertEqual(tomllib.loads(text)["finding"][0]["reason"], entries[0]["reason"])
                self.assertEqual(run.load_ledger(p), tomllib.loads(text)["finding"])
            finally:
                run.LEDGER_DIR = old


class Projects(unittest.TestCase):
    def test_projects_toml(self):
        projects = run.load_projects()
        self.assertGreaterEqual(len(projects), 15)
        self.assertGreaterEqual(sum(p.kind == "application" for p in projects), 12)
        for p in projects:
            self.assertRegex(p.sha256, r"^[0-9a-f]{64}$", p.name)
            self.assertIn(p.version, p.file.replace("_", "-"), p.name)

    def test_ledgers_are_triaged_with_reasons(self):
        for p in run.load_projects():
            for e in run.load_ledger(p):
                self.assertIn(e["severity"], run.TRIAGED, e)
                if e["verdict"] != "untriaged":
                    self.assertTrue(e["reason"].strip(), e)


if __name__ == "__main__":
    unittest.main()
