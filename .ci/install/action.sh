#!/usr/bin/env bash
# The GitHub Action (action.yml), its steps run locally by run_action.py against a copy of
# tests/fixtures/settings_split: `format: github` prints annotations and fails on the findings,
# `format: sarif` writes a SARIF file (and also fails), `fail-on: error` passes on warnings.
# The package installed is the wheel built by python-package.sh (in target/wheels, or DJSEC_WHEEL),
# instead of building the action's checkout once more.
set -euo pipefail
LOG_NAME="action.yml"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_pytools
wheel=${DJSEC_WHEEL:-$(ls "$CARGO_TARGET_DIR"/wheels/djsec-"$VERSION"-*.whl 2>/dev/null | head -n 1)}
[ -f "$wheel" ] || fail "no wheel: run .ci/install/python-package.sh first (or set DJSEC_WHEEL)"

work=$(mktemp -d "${TMPDIR:-/tmp}/djsec-action.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R tests/fixtures/settings_split "$work/project"

action() {
  local out=$1
  shift
  rc=0
  "$PYTOOLS/bin/python" "$ROOT/.ci/install/run_action.py" "$ROOT" "$work/project" \
    "package=$wheel" "$@" >"$out" 2>&1 || rc=$?
  last=$out
}
show() { sed 's/^/    | /' "$last" | tail -n "${1:-30}"; }

action "$work/github.out"
[ "$rc" -eq 1 ] || { show; fail "format github: exit $rc, expected 1"; }
grep -q "^::warning title=djsec DJS408 (hsts-not-enabled),file=mysite/settings/production.py,line=1," "$last" ||
  { show; fail "no DJS408 annotation"; }
grep -q "2 infos and 1 hint not shown" "$last" || { show; fail "no summary line"; }
log "format github: $(grep -c '^::warning' "$last") annotations, exit 1"

action "$work/sarif.out" format=sarif
[ "$rc" -eq 1 ] || { show; fail "format sarif: exit $rc, expected 1"; }
python3 - "$work/project/djsec.sarif" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
results = doc["runs"][0]["results"]
rules = sorted({r["ruleId"] for r in results})
assert doc["version"] == "2.1.0" and "DJS408" in rules, rules
print(f"djsec.sarif: {len(results)} results, rules {', '.join(rules)}")
PY

action "$work/fail-on.out" fail-on=error "args=--select DJS4"
[ "$rc" -eq 0 ] || { show; fail "fail-on error: exit $rc on warnings only, expected 0"; }
log "fail-on: error passes on warnings"

action "$work/bad.out" format=yaml
[ "$rc" -eq 2 ] || { show; fail "format yaml: exit $rc, expected 2"; }
log "PASS"
