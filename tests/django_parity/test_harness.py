"""Unit tests for the parity harness's own logic (no Django, no djsec needed).

    python3 -m unittest discover -s tests/django_parity -p 'test_*.py'
"""

from __future__ import annotations

import ast
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run  # noqa: E402
import spec_model  # noqa: E402
from variants import DELETE, VARIANTS, Variant  # noqa: E402

DJANGO_OUTPUT = """System check identified some issues:

ERRORS:
?: (security.E023) You have set the SECURE_REFERRER_POLICY setting to an invalid value.
\tHINT: Valid values are: no-referrer, origin.

WARNINGS:
?: (security.W004) You have not set a value for the SECURE_HSTS_SECONDS setting.
?: (security.W025) Your SECRET_KEY_FALLBACKS[0] has less than 50 characters.
?: (security.W025) Your SECRET_KEY_FALLBACKS[2] has less than 50 characters.
auth.User: (fields.E304) Reverse accessor clashes.
?: (caches.W002) Your 'default' cache configuration might expose your cache.

System check identified 6 issues (0 silenced).
"""


class ParseIds(unittest.TestCase):
    def test_ids_in_print_order_with_repeats(self):
        self.assertEqual(
            run.ID_RE.findall(DJANGO_OUTPUT),
            [
                "security.E023",
                "security.W004",
                "security.W025",
                "security.W025",
                "fields.E304",
                "caches.W002",
            ],
        )

    def test_no_ids_in_clean_output(self):
        self.assertEqual(run.ID_RE.findall("System check identified no issues (0 silenced).\n"), [])


class Compare(unittest.TestCase):
    def result(self, exact=(), groups=()):
        return run.DjsecResult(exact=set(exact), groups=[(c, frozenset(i)) for c, i in groups])

    def test_equal_sets_pass(self):
        self.assertEqual(run.compare({"security.W018"}, self.result(["security.W018"]), set()), ([], []))

    def test_missing_and_extra(self):
        missing, extra = run.compare({"security.W018", "security.W020"}, self.result(["security.W020", "security.W004"]), set())
        self.assertEqual(missing, ["security.W018"])
        self.assertEqual(extra, ["security.W004"])

    def test_out_of_scope_ids_ignored_unless_claimed(self):
        django = {"caches.W002", "security.E102", "fields.E304"}
        self.assertEqual(run.compare(django, self.result(), set()), ([], []))
        # once a rule claims caches.W002, djsec must report it
        self.assertEqual(run.compare(django, self.result(), {"caches.W002"}), (["caches.W002"], []))

    def test_group_finding_matches_any_member(self):
        ids = ["security.W010", "security.W011", "security.W012"]
        ok = run.compare({"security.W011"}, self.result(groups=[("session", ids)]), set(ids))
        self.assertEqual(ok, ([], []))
        missing, extra = run.compare(set(), self.result(groups=[("session", ids)]), set(ids))
        self.assertEqual(missing, [])
        self.assertEqual(len(extra), 1)
        self.assertIn("session", extra[0])


class FindingResolution(unittest.TestCase):
    def test_explicit_id_wins_over_rule_table(self):
        self.assertEqual(run._explicit_ids({"code": "X", "django_check": "security.W012"}), ["security.W012"])
        self.assertEqual(run._explicit_ids({"code": "X", "django_checks": ["security.W009"]}), ["security.W009"])
        self.assertIsNone(run._explicit_ids({"code": "X"}))


class Variants(unittest.TestCase):
    def test_rendered_modules_are_constant_only(self):
        """Every generated module parses and every assignment is a literal."""
        for variant in VARIANTS:
            text = variant.render("v000")
            tree = ast.parse(text)
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    ast.literal_eval(node.value)  # raises if not a constant

    def test_delete_removes_setting(self):
        v = Variant("x", "x", set(), {"DEBUG": DELETE})
        self.assertNotIn("DEBUG", v.settings("v000"))
        self.assertNotIn("DEBUG =", v.render("v000"))

    def test_baseline_and_defaults_present(self):
        names = {v.name for v in VARIANTS}
        self.assertIn("baseline_secure", names)
        self.assertIn("all_defaults", names)
        baseline = next(v for v in VARIANTS if v.name == "baseline_secure")
        self.assertEqual(baseline.expect, set())

    def test_spec_model_agrees_with_expectations_where_static(self):
        """The executable spec predicts every expectation except import-dependent ids."""
        for variant in VARIANTS:
            text = variant.render("v000")
            settings = {
                node.targets[0].id: ast.literal_eval(node.value)
                for node in ast.parse(text).body
                if isinstance(node, ast.Assign)
            }
            silenced = settings.get("SILENCED_SYSTEM_CHECKS", [])
            got = {i for _, i in spec_model.evaluate(settings) if i not in silenced}
            want = variant.expect - run.NOT_STATIC
            self.assertEqual(got, want, variant.name)


if __name__ == "__main__":
    unittest.main()
