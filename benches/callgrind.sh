#!/usr/bin/env bash
# Instruction counts of the engine's workloads under callgrind: unlike wall-clock times they do
# not depend on the machine's load, so they are the figures to compare between commits.
#
#   benches/callgrind.sh                                   # 6,000 and 50,000 lines, every spot
#   SIZES="6000" SPOTS="in_string paste" EDITS=32 benches/callgrind.sh
#   SIZES="6000" SPOTS="" TEMPLATE_SPOTS="in_variable in_text" benches/callgrind.sh
#   INSTRUCTIONS_BIN=/tmp/instructions-old OUT=/tmp/old benches/callgrind.sh
#
# Prints, per file size and spot, millions of instructions per counted edit (`benches/gen`'s
# scripts: typing a character, deleting a function, pasting 200 lines, undoing it): the whole
# edit, the document update (rope edit + InputEdit + incremental reparse), the analysis
# (analyze_incremental), tree-sitter's incremental reparse alone of the same edits on a String
# (the floor), and once per size a full parse + analysis of the file (what `djsec check` does).
# Then the same per keystroke typed into a generated template of the same size
# (TEMPLATE_SPOTS, `benches/gen/template_spots.rs`), with a full parse + analysis of it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZES="${SIZES:-6000 50000}"
SPOTS="${SPOTS-in_string function_statement module_statement import_top decorator class_attribute delete_function paste undo_paste}"
TEMPLATE_SPOTS="${TEMPLATE_SPOTS-in_variable in_text in_attribute new_tag}"
EDITS="${EDITS:-24}"
OUT="${OUT:-${TMPDIR:-/tmp}/djsec-callgrind}"
mkdir -p "$OUT"

cd "$ROOT"
# INSTRUCTIONS_BIN: an already built `instructions` binary (e.g. a copy from another commit).
BIN="${INSTRUCTIONS_BIN:-}"
[ -n "$BIN" ] || BIN=$(cargo bench --bench instructions --no-run --message-format=json 2>/dev/null \
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

run() { # NAME TOGGLE ARGS... -> callgrind output file
  local file="$OUT/$1.out" toggle="$2"; shift 2
  valgrind --tool=callgrind --callgrind-out-file="$file" \
    --toggle-collect="$toggle" "$BIN" "$@" >/dev/null 2>&1
  echo "$file"
}

per() { awk -v a="$1" -v n="$2" 'BEGIN { if (a == "") print "?"; else printf "%.2f", a / n / 1e6 }'; }

echo "millions of instructions (callgrind) per counted edit ($EDITS edits after one cycle of warm-up), and per full analysis"
echo
echo "| lines | spot | edit | update | analysis | reparse alone | full parse+analysis |"
echo "|------:|------|-----:|-------:|---------:|--------------:|--------------------:|"
for lines in $SIZES; do
  full=$(run "full-$lines" 'instructions::measured' analyze-python "$lines")
  full_ir=$(inclusive 'instructions::measured' "$full")
  for spot in $SPOTS; do
    ks=$(run "ks-$spot-$lines" 'instructions::measured_edit' "keystroke-$spot" "$lines" "$EDITS")
    raw=$(run "raw-$spot-$lines" 'instructions::measured_raw_edit' "reparse-$spot" "$lines" "$EDITS")
    update=$(inclusive 'instructions::measure_update' "$ks")
    analysis=$(inclusive 'instructions::measure_analysis' "$ks")
    total=$(inclusive 'instructions::measured_edit' "$ks")
    floor=$(inclusive 'instructions::measure_raw_parse' "$raw")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$lines" "$spot" \
      "$(per "$total" "$EDITS")" "$(per "$update" "$EDITS")" "$(per "$analysis" "$EDITS")" \
      "$(per "$floor" "$EDITS")" "$( [ -n "$full_ir" ] && per "$full_ir" 1 )"
    full_ir=""  # printed once per size
  done
done

[ -n "$TEMPLATE_SPOTS" ] || exit 0
echo
echo "templates: millions of instructions per keystroke ($EDITS after one cycle of warm-up), and per full analysis"
echo
echo "| lines | spot | keystroke | update | analysis | full parse+analysis |"
echo "|------:|------|----------:|-------:|---------:|--------------------:|"
for lines in $SIZES; do
  full=$(run "full-template-$lines" 'instructions::measured' analyze-template "$lines")
  full_ir=$(inclusive 'instructions::measured' "$full")
  for spot in $TEMPLATE_SPOTS; do
    ks=$(run "ks-template-$spot-$lines" 'instructions::measured_edit' "template-keystroke-$spot" "$lines" "$EDITS")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$lines" "$spot" \
      "$(per "$(inclusive 'instructions::measured_edit' "$ks")" "$EDITS")" \
      "$(per "$(inclusive 'instructions::measure_update' "$ks")" "$EDITS")" \
      "$(per "$(inclusive 'instructions::measure_analysis' "$ks")" "$EDITS")" \
      "$( [ -n "$full_ir" ] && per "$full_ir" 1 )"
    full_ir=""
  done
done
