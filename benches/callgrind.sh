#!/usr/bin/env bash
# Instruction counts of the engine's workloads under callgrind: unlike wall-clock times they do
# not depend on the machine's load, so they are the figures to compare between commits.
#
#   benches/callgrind.sh                         # sizes 1000 6000 50000, 16 keystrokes each
#   SIZES="6000" KEYSTROKES=32 benches/callgrind.sh
#
# Prints, per file size: instructions per keystroke (document update = rope edit + InputEdit +
# incremental reparse; analysis = analyze_incremental), the incremental reparse alone (tree-sitter
# on a String with the same edits: the floor), and a full parse + analysis of the file (what `djsec check` does per file).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-1000 6000 50000}"
KEYSTROKES="${KEYSTROKES:-16}"
OUT="${TMPDIR:-/tmp}/djsec-callgrind"
mkdir -p "$OUT"

cd "$ROOT"
BIN=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "instructions" and m.get("executable"):
        print(m["executable"])')
[ -x "$BIN" ] || { echo "could not build benches/instructions.rs" >&2; exit 1; }

# inclusive FUNCTION FILE: the inclusive instruction count of FUNCTION in a callgrind output.
inclusive() {
  callgrind_annotate --inclusive=yes "$2" 2>/dev/null \
    | awk -v f="$1" '!done && index($0, f " [") { gsub(",", "", $1); print $1; done = 1 }'
}

run() { # NAME ARGS... -> callgrind output file
  local file="$OUT/$1.out"; shift
  valgrind --tool=callgrind --callgrind-out-file="$file" \
    --toggle-collect='instructions::measured' "$BIN" "$@" >/dev/null 2>&1
  echo "$file"
}

per() { awk -v a="$1" -v n="$2" 'BEGIN { if (a == "") print "?"; else printf "%.2f", a / n / 1e6 }'; }

echo "instructions (millions, callgrind) per keystroke ($KEYSTROKES keystrokes: typing a word and deleting it) and per full analysis"
echo
echo "| lines | spot | update | analysis | keystroke | reparse alone | full parse+analysis |"
echo "|------:|------|-------:|---------:|----------:|------------------:|--------------------:|"
for lines in $SIZES; do
  full=$(run "full-$lines" analyze-python "$lines")
  full_ir=$(inclusive 'instructions::measured' "$full")
  for spot in end_of_line in_string statement_start; do
    ks=$(run "ks-$spot-$lines" "keystroke-$spot" "$lines" "$KEYSTROKES")
    raw=$(run "raw-$spot-$lines" "reparse-$spot" "$lines" "$KEYSTROKES")
    update=$(inclusive 'instructions::measure_update' "$ks")
    analysis=$(inclusive 'instructions::measure_analysis' "$ks")
    total=$(inclusive 'instructions::measured' "$ks")
    floor=$(inclusive 'instructions::measure_raw_parse' "$raw")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$lines" "$spot" \
      "$(per "$update" "$KEYSTROKES")" "$(per "$analysis" "$KEYSTROKES")" \
      "$(per "$total" "$KEYSTROKES")" "$(per "$floor" "$KEYSTROKES")" "$(per "$full_ir" 1)"
  done
done
