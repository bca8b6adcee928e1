#!/usr/bin/env bash
# Editor integration tests against a built djsec ($DJSEC_BIN, default target/release/djsec).
# Run .ci/editors/setup.sh first. Prints one PASS/FAIL line per check, then "N passed, M failed";
# exits non-zero if anything failed. A failing check's log is printed below its FAIL line.
#
# Checks: the VS Code extension's build, unit tests and platform .vsix (with $DJSEC_BIN inside);
# Helix config (static); Neovim 0.11, Emacs + Eglot and VS Code (code-server + Chromium, the .vsix
# alone, no djsec on PATH) driven end to end against djsec.
set -uo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DJSEC_BIN=${DJSEC_BIN:-$ROOT/target/release/djsec}
case "$DJSEC_BIN" in /*) ;; *) DJSEC_BIN=$ROOT/$DJSEC_BIN ;; esac
export DJSEC_BIN
FIXTURE=$VSCODE_DIR/test/fixture
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/djsec-editors.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT

passed=0
failed=0
failures=()

# check NAME TIMEOUT_SECONDS COMMAND...: run with a bounded time, its output into a log.
check() {
  local name=$1 limit=$2
  shift 2
  local log=$LOGS/$(echo "$name" | tr -c 'A-Za-z0-9' '_').log
  local t0=$SECONDS rc=0
  timeout --kill-after=10 "$limit" bash -c '"$@"' check "$@" >"$log" 2>&1 || rc=$?
  local took=$((SECONDS - t0))
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    printf 'PASS  %-44s (%ss)\n' "$name" "$took"
  else
    failed=$((failed + 1))
    failures+=("$name")
    [ "$rc" -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
    printf 'FAIL  %-44s (%ss, exit %s)\n' "$name" "$took" "$rc"
    sed 's/^/      | /' "$log" | tail -n 60
  fi
}

# check_parts NAME TIMEOUT COMMAND...: like check, for a command that prints "RESULT <part> PASS"
# or "RESULT <part> FAIL <why>" per part; one line per part (one FAIL if it printed none).
check_parts() {
  local name=$1 limit=$2
  shift 2
  local log=$LOGS/$(echo "$name" | tr -c 'A-Za-z0-9' '_').log
  local t0=$SECONDS rc=0
  timeout --kill-after=10 "$limit" bash -c '"$@"' check "$@" >"$log" 2>&1 || rc=$?
  local took=$((SECONDS - t0)) shown=0 part verdict why
  [ "$rc" -eq 124 ] && echo "(timed out after ${limit}s)" >>"$log"
  while read -r _ part verdict why; do
    shown=1
    if [ "$verdict" = PASS ]; then
      passed=$((passed + 1))
      printf 'PASS  %-44s (%ss)\n' "$name: $part" "$took"
    else
      failed=$((failed + 1))
      failures+=("$name: $part")
      printf 'FAIL  %-44s (%ss) %s\n' "$name: $part" "$took" "$why"
    fi
  done < <(grep '^RESULT ' "$log")
  if [ "$shown" -eq 0 ]; then
    failed=$((failed + 1))
    failures+=("$name")
    printf 'FAIL  %-44s (%ss, exit %s)\n' "$name" "$took" "$rc"
  fi
  if [ "$rc" -ne 0 ]; then
    sed 's/^/      | /' "$log" | tail -n 60
  fi
}

# A scratch copy of the fixture project for one editor.
project_copy() {
  local dir
  dir=$(mktemp -d "$LOGS/project.XXXXXX")
  cp -R "$FIXTURE/." "$dir/"
  echo "$dir"
}

echo "editor tests: djsec $("$DJSEC_BIN" --version 2>/dev/null || echo "NOT FOUND at $DJSEC_BIN")"

vscode_build() { cd "$VSCODE_DIR" && with_node24 npm run --silent build; }
vscode_unit() { cd "$VSCODE_DIR" && with_node24 npm run --silent test:unit; }
vscode_package() {
  cd "$VSCODE_DIR" && rm -f "$VSIX" &&
    with_node24 node scripts/package.mjs --target "$VSCODE_TARGET" --binary "$DJSEC_BIN" --out "$VSIX" &&
    python3 - "$VSIX" "$VSCODE_TARGET" <<'PY'
import sys, zipfile
vsix, target = sys.argv[1], sys.argv[2]
z = zipfile.ZipFile(vsix)
names = z.namelist()
print(*names, sep="\n")
for need in ("extension/dist/extension.js", "extension/bundled/djsec"):
    assert need in names, f"{need} missing"
mode = (z.getinfo("extension/bundled/djsec").external_attr >> 16) & 0o777
print(f"bundled/djsec mode {oct(mode)}")
manifest = z.read("extension.vsixmanifest").decode()
assert f'TargetPlatform="{target}"' in manifest, manifest
PY
}
helix_static() { python3 -m unittest discover -s "$ROOT/editors/helix/test" -v; }
neovim_e2e() {
  "$NVIM" --headless -u NONE -l "$ROOT/editors/neovim/test/djsec_test.lua" "$(project_copy)"
}
emacs_e2e() {
  emacs --batch -Q -l "$ROOT/editors/emacs/test/djsec-test.el" "$(project_copy)"
}
vscode_e2e() {
  cd "$VSCODE_DIR" && CODE_SERVER=$CODE_SERVER VSIX=$VSIX E2E_TIMEOUT=300 \
    with_node24 node test/e2e/code-server.mjs
}
server_present() { [ -x "$DJSEC_BIN" ] && "$DJSEC_BIN" --version; }

# `timeout` runs a new bash: hand it the functions and the paths they use.
export -f with_node24 project_copy vscode_build vscode_unit vscode_package helix_static neovim_e2e \
  emacs_e2e vscode_e2e server_present
# The extension for this machine's platform, with the server inside.
case "$(uname -m)" in
  x86_64) VSCODE_TARGET=linux-x64 ;;
  aarch64 | arm64) VSCODE_TARGET=linux-arm64 ;;
  *) VSCODE_TARGET=unknown ;;
esac
VSIX=$VSCODE_DIR/djsec-$VSCODE_TARGET.vsix
export ROOT VSCODE_DIR FIXTURE LOGS NODE24_DIR CODE_SERVER NVIM NEOVIM_VERSION VSCODE_TARGET VSIX

check "djsec binary ($DJSEC_BIN)" 30 server_present
check "vscode: build (tsc + esbuild)" 180 vscode_build
check "vscode: unit tests (node --test)" 120 vscode_unit
check "vscode: package ($VSCODE_TARGET .vsix, server inside)" 180 vscode_package
check "helix: languages.toml (static)" 60 helix_static
check_parts "neovim $NEOVIM_VERSION" 90 neovim_e2e
check_parts "emacs + eglot" 90 emacs_e2e
check_parts "vscode (code-server, .vsix alone)" 360 vscode_e2e

if ((failed)); then
  printf 'failed: %s\n' "$(printf '%s; ' "${failures[@]}" | sed 's/; $//')"
  echo "VS Code screenshots and logs: editors/vscode/test/artifacts/"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
