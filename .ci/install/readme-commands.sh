#!/usr/bin/env bash
# The README's install-and-run commands, exactly as written there (the first two ```sh blocks of
# "Install and run"), each in a fresh place: the pip line in a fresh virtual environment, the
# cargo line with CARGO_INSTALL_ROOT pointing at a temporary folder. `path/to/your/django/project`
# becomes a copy of tests/fixtures/settings_split; djsec finds findings there, so each command
# line must exit 1 (it ran, and djsec check reported).
#
# Both builds reuse the release build in $CARGO_TARGET_DIR (default target/).
set -euo pipefail
LOG_NAME="README commands"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

work=$(mktemp -d "${TMPDIR:-/tmp}/djsec-readme.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R tests/fixtures/settings_split "$work/project"

# The command lines of the sh blocks in the README's "Install and run" section.
mapfile -t commands < <(python3 - README.md <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
section = text.split("## Install and run", 1)[1].split("\n## ", 1)[0]
for block in re.findall(r"```sh\n(.*?)```", section, re.S)[:2]:
    lines = [l for l in block.strip().splitlines() if l.strip() and not l.startswith("#")]
    print(" ".join(lines))
PY
)
[ "${#commands[@]}" -eq 2 ] || fail "expected two sh blocks in README's Install and run, found ${#commands[@]}"
case "${commands[0]}" in pip\ install*) ;; *) fail "the first command is not the pip one: ${commands[0]}" ;; esac
case "${commands[1]}" in cargo\ install*) ;; *) fail "the second command is not cargo install: ${commands[1]}" ;; esac

run_line() {
  local name=$1 line=$2 t0=$SECONDS code=0
  line=${line//path\/to\/your\/django\/project/$work/project}
  log "$name: $line"
  bash -c "$line" >"$work/$name.out" 2>"$work/$name.err" || code=$?
  tail -n 2 "$work/$name.out"
  if [ "$code" -ne 1 ] || ! grep -q "DJS408" "$work/$name.out"; then
    tail -n 30 "$work/$name.err" >&2
    fail "$name exited $code (expected 1 with DJS408 among the findings)"
  fi
  log "$name took $((SECONDS - t0))s"
}

# pip: in a fresh virtual environment, as if activated.
python3 -m venv "$work/venv"
(
  export VIRTUAL_ENV=$work/venv PATH=$work/venv/bin:$PATH PIP_DISABLE_PIP_VERSION_CHECK=1
  run_line pip "${commands[0]}"
  [ "$(command -v djsec)" = "$work/venv/bin/djsec" ] || fail "pip did not install djsec into the venv"
)

# cargo: into a temporary root instead of ~/.cargo.
(
  export CARGO_INSTALL_ROOT=$work/cargo-root PATH=$work/cargo-root/bin:$PATH
  run_line cargo "${commands[1]}"
  [ -x "$work/cargo-root/bin/djsec" ] || fail "cargo install did not install djsec"
)
log "PASS"
