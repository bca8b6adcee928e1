# Shared by the install checks (.ci/install/*.sh): pinned Python tools from PyPI in a venv, and
# small helpers. Sourced, not executed.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${DJSEC_CI_CACHE:-$HOME/.cache/djsec-ci}

MATURIN_VERSION=1.16.0
PRE_COMMIT_VERSION=4.7.0
PYTOOLS=$CACHE/py-tools-maturin$MATURIN_VERSION-pre-commit$PRE_COMMIT_VERSION

# The release build is shared: maturin and `cargo install` reuse it instead of building again.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$ROOT/Cargo.toml" | head -n1)

log() { printf '[%s %5ss] %s\n' "${LOG_NAME:-install}" "$SECONDS" "$*"; }

# Create the tools venv (maturin, pre-commit) once.
ensure_pytools() {
  if [ -x "$PYTOOLS/bin/maturin" ] && [ -x "$PYTOOLS/bin/pre-commit" ] &&
    "$PYTOOLS/bin/maturin" --version | grep -q " $MATURIN_VERSION\$"; then
    return 0
  fi
  log "pip install maturin==$MATURIN_VERSION pre-commit==$PRE_COMMIT_VERSION"
  rm -rf "$PYTOOLS"
  python3 -m venv "$PYTOOLS"
  "$PYTOOLS/bin/pip" install -q --disable-pip-version-check \
    "maturin==$MATURIN_VERSION" "pre-commit==$PRE_COMMIT_VERSION"
}

# A PATH with no Rust toolchain on it: the venv's bin, then the system's, minus any folder that
# holds cargo, rustc or rustup.
path_without_rust() {
  local first=$1 out=$1 dir
  local IFS=:
  for dir in /usr/local/bin /usr/bin /bin; do
    [ -x "$dir/cargo" ] || [ -x "$dir/rustc" ] || [ -x "$dir/rustup" ] && continue
    out="$out:$dir"
  done
  echo "$out"
}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
