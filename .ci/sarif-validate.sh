#!/usr/bin/env bash
# Validate djsec's SARIF output with Microsoft's SARIF multitool (npm @microsoft/sarif-multitool).
# Installs the tool into a cache folder, runs `djsec check --format sarif` on the fixture projects,
# validates each log (schema and SARIF rules at every level) and fails on any error-level result,
# or when the data-flow fixture's log carries no code flow (`codeFlows`).
#
#   bash .ci/sarif-validate.sh            # uses $CARGO_TARGET_DIR (or ./target) and builds djsec
#   DJSEC_BIN=path/to/djsec bash .ci/sarif-validate.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="5.7.0"
CACHE="${DJSEC_SARIF_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/djsec/sarif-multitool-$VERSION}"
TOOL="$CACHE/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

if [ ! -f "$TOOL" ]; then
  echo "sarif-validate: installing @microsoft/sarif-multitool@$VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --prefix "$CACHE" --no-audit --no-fund --loglevel=error \
    "@microsoft/sarif-multitool@$VERSION" >/dev/null
fi
# npm 11 does not run the package's post-install step, which makes the binary executable.
chmod u+x "$TOOL"

if [ -z "${DJSEC_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --quiet --bin djsec)
  DJSEC_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/djsec"
fi

# The validator needs no ICU data for this.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
failed=0
checked=0
# taint-project: data-flow findings, whose results carry `codeFlows` (checked to be present below).
for project in "$ROOT"/tests/fixtures/ci-project "$ROOT"/tests/fixtures/ci-clean "$ROOT"/tests/fixtures/taint-project; do
  [ -d "$project" ] || continue
  name="$(basename "$project")"
  log="$OUT/$name.sarif"
  report="$OUT/$name.validation.sarif"
  (cd "$project" && "$DJSEC_BIN" check --format sarif --exit-zero --no-progress -o "$log" .)
  "$TOOL" validate "$log" --output "$report" --level "Error;Warning;Note" --quiet >/dev/null 2>&1 || true
  if [ ! -s "$report" ]; then
    echo "sarif-validate: $name: the validator wrote no report" >&2
    failed=1
    continue
  fi
  # Count results by level; print the error-level ones.
  summary="$(node -e '
    const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const results = (log.runs || []).flatMap(r => r.results || []);
    const count = l => results.filter(r => (r.level || "warning") === l).length;
    for (const r of results.filter(r => (r.level || "warning") === "error")) {
      const msg = r.message && (r.message.text || JSON.stringify(r.message.arguments));
      console.error(`  error ${r.ruleId}: ${msg}`);
    }
    console.log(`${count("error")} ${count("warning")} ${count("note")}`);
  ' "$report")"
  read -r errors warnings notes <<<"$summary"
  flows="$(node -e '
    const log = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const results = (log.runs || []).flatMap(r => r.results || []);
    console.log(results.filter(r => (r.codeFlows || []).length > 0).length);
  ' "$log")"
  echo "sarif-validate: $name: $errors errors, $warnings warnings, $notes notes; $flows results with code flows"
  if [ "$name" = "taint-project" ] && [ "$flows" = "0" ]; then
    echo "sarif-validate: $name: no result carries a code flow" >&2
    failed=1
  fi
  checked=$((checked + 1))
  if [ "$errors" != "0" ]; then
    failed=1
  fi
done

if [ "$checked" = "0" ]; then
  echo "sarif-validate: no SARIF log was validated" >&2
  exit 1
fi
if [ "$failed" != "0" ]; then
  echo "sarif-validate: FAILED" >&2
  exit 1
fi
echo "sarif-validate: $checked SARIF logs valid"
