#!/usr/bin/env bash
# The Python package (pyproject.toml, maturin `bindings = "bin"`): build the wheel that would be
# published, install it into a fresh virtual environment whose PATH has no Rust toolchain, and
# run the installed `djsec`: `--version`, `djsec check` on a fixture project (exit code and
# findings), a `djsec server` initialize/shutdown handshake.
#
# Reuses the release build in $CARGO_TARGET_DIR (default target/): run after
# `cargo build --locked --release`. Leaves the wheel in $CARGO_TARGET_DIR/wheels (action.sh uses it).
set -euo pipefail
LOG_NAME="python package"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_pytools

work=$(mktemp -d "${TMPDIR:-/tmp}/djsec-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT
dist=$CARGO_TARGET_DIR/wheels
rm -f "$dist"/djsec-*.whl

log "maturin build --release --locked (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
t0=$SECONDS
"$PYTOOLS/bin/maturin" build --release --locked --out "$dist" 2>&1 | tail -n 3
log "maturin build took $((SECONDS - t0))s"
wheels=("$dist"/djsec-"$VERSION"-*.whl)
[ -f "${wheels[0]}" ] || fail "no djsec-$VERSION wheel in $dist"
wheel=${wheels[0]}
log "wheel: $(basename "$wheel") ($(du -h "$wheel" | cut -f1))"

# The wheel holds the binary as a script, and the metadata names this version.
python3 - "$wheel" "$VERSION" <<'PY'
import sys, zipfile
wheel, version = sys.argv[1], sys.argv[2]
names = zipfile.ZipFile(wheel).namelist()
script = f"djsec-{version}.data/scripts/djsec"
assert script in names, f"{script} not in {names}"
meta = zipfile.ZipFile(wheel).read(f"djsec-{version}.dist-info/METADATA").decode()
assert f"Version: {version}" in meta and "Name: djsec" in meta, meta[:400]
print("wheel contents:", ", ".join(sorted(names)))
PY

log "fresh venv, pip install the wheel (no index)"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check --no-index "$wheel"
clean_path=$(path_without_rust "$work/venv/bin")
run() { env -i HOME="$work" PATH="$clean_path" LANG=C.UTF-8 "$@"; }
if run sh -c 'command -v cargo || command -v rustc'; then
  fail "a Rust toolchain is on the clean PATH ($clean_path)"
fi
[ "$(run sh -c 'command -v djsec')" = "$work/venv/bin/djsec" ] || fail "djsec is not the venv's"
[ "$(run djsec --version)" = "djsec $VERSION" ] || fail "djsec --version: $(run djsec --version)"

log "djsec check on tests/fixtures/settings_split"
cp -R tests/fixtures/settings_split "$work/project"
set +e
(cd "$work/project" && run djsec check --isolated --format json . >"$work/check.json")
code=$?
(cd "$work/project" && run djsec check --isolated . >"$work/check.txt")
set -e
[ "$code" -eq 1 ] || fail "djsec check exited $code, expected 1 (findings)"
python3 - "$work/check.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
found = sorted((f["path"], f["line"], f["code"]) for f in report["findings"])
expected = sorted([
    ("mysite/settings/base.py", 6, "DJS402"),
    ("mysite/settings/base.py", 22, "DJS413"),
    ("mysite/settings/production.py", 1, "DJS408"),
    ("mysite/settings/production.py", 1, "DJS412"),
    ("mysite/settings/production.py", 1, "DJS417"),
    ("mysite/settings/production.py", 1, "DJS418"),
    ("mysite/settings/production.py", 1, "DJS436"),
])
assert found == expected, f"findings {found}\nexpected {expected}"
assert report["stats"]["hidden"] == {"warning": 0, "info": 2, "hint": 1}, report["stats"]
print(f"{len(found)} findings as expected; 2 infos and 1 hint counted, not shown")
PY
tail -n 1 "$work/check.txt"
grep -q "2 infos and 1 hint not shown (--min-severity hint shows them).$" "$work/check.txt" ||
  fail "the summary line does not count the infos: $(tail -n 1 "$work/check.txt")"

log "djsec server: initialize / shutdown handshake"
run python3 "$ROOT/.ci/install/lsp_handshake.py" "$VERSION" "$work/project"

log "PASS ($wheel)"
