#!/usr/bin/env bash
# The pre-commit hooks (.pre-commit-hooks.yaml), with `pre-commit try-repo` (pre-commit from PyPI)
# in a fixture git repository (tests/fixtures/pre-commit) whose staged files have a finding:
#   1. `djsec` fails on the staged template's DJS510 (a hint elsewhere is counted, not failing);
#   2. `djsec-fix` fixes it (pre-commit fails the run because a file changed);
#   3. `djsec` passes on the fixed, staged files.
# pre-commit installs this repository into its own virtual environment (`pip install .`, which
# builds with maturin and cargo). try-repo takes the repository's committed HEAD plus its
# uncommitted changes, and installs into a fresh temporary store on every run: three builds of a
# clone at a new path each time. So that each takes seconds, not a release build with its LTO
# link, they are dev builds (MATURIN_PEP517_ARGS) sharing `cargo test`'s compiled dependencies
# through CARGO_TARGET_DIR; the hooks behave the same, only slower.
set -euo pipefail
LOG_NAME="pre-commit"
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
ensure_pytools

work=$(mktemp -d "${TMPDIR:-/tmp}/djsec-pre-commit.XXXXXX")
trap 'rm -rf "$work"' EXIT
export PRE_COMMIT_HOME=$work/pre-commit-home PRE_COMMIT_COLOR=never
export PIP_DISABLE_PIP_VERSION_CHECK=1 MATURIN_PEP517_ARGS="--profile dev"
repo=$work/project
cp -R tests/fixtures/pre-commit "$repo"
rm -f "$repo/README.md"
git -C "$repo" init -q
git -C "$repo" -c user.name=ci -c user.email=ci@example.invalid commit -q --allow-empty -m init
git -C "$repo" add -A

# try_repo HOOK: run the hook on the staged files; output to $work/HOOK.N.out, exit code in $rc.
n=0
try_repo() {
  n=$((n + 1))
  local out=$work/$1.$n.out t0=$SECONDS
  rc=0
  (cd "$repo" && "$PYTOOLS/bin/pre-commit" try-repo "$ROOT" "$1" --verbose) >"$out" 2>&1 || rc=$?
  log "pre-commit try-repo $1: exit $rc ($((SECONDS - t0))s)"
  last=$out
}
show() { sed 's/^/    | /' "$last" | tail -n "${1:-40}"; }

try_repo djsec
[ "$rc" -eq 1 ] || { show; fail "the djsec hook passed on a staged finding"; }
grep -q "blog/templates/blog/comment.html:2:1: DJS510" "$last" || { show; fail "DJS510 not reported"; }
grep -q "1 hint not shown" "$last" || { show; fail "the hint in link.html is not counted"; }
if grep -q "DJS530" "$last"; then show; fail "a hint was shown by default"; fi
show 12

try_repo djsec-fix
[ "$rc" -eq 1 ] || { show; fail "djsec-fix did not report that it changed a file"; }
grep -q "files were modified by this hook" "$last" || { show; fail "djsec-fix changed nothing"; }
grep -q "{% csrf_token %}" "$repo/blog/templates/blog/comment.html" ||
  fail "the fix is not in comment.html: $(cat "$repo/blog/templates/blog/comment.html")"
show 8

git -C "$repo" add -A
try_repo djsec
[ "$rc" -eq 0 ] || { show; fail "the djsec hook fails once the finding is fixed"; }
show 8
log "PASS"
