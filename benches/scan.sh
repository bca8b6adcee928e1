#!/usr/bin/env bash
# Workspace-scan benchmark: `djsec check` against `ruff check --select S` and Bandit on the same
# trees, in the same run: a generated Django project (thousands of files) and Django's own source
# from its PyPI wheel. Prints one table: wall time (median of RUNS), files/s, lines/s, peak RSS,
# findings, and djsec's thread scaling (RAYON_NUM_THREADS=1,2). The `ts-parse` rows time
# tree-sitter-python's parse of the same `.py` files and nothing else: the floor under djsec.
#
#   benches/scan.sh                    # everything (installs what it needs under $SCAN_DIR)
#   RUNS=5 APPS=300 benches/scan.sh
#   SKIP_BANDIT=1 benches/scan.sh      # Bandit is slow; skip it for a quick look
#   DJSEC_BIN=target/release/djsec benches/scan.sh   # an already built binary
#   ONLY_CACHE=1 benches/scan.sh       # only the cache and prefilter section (below)
#
# The cache section (skip it with SKIP_CACHE=1) scans a generated project of about 200,000 lines
# (CACHE_APPS=77 apps) three ways, each against `ruff check --select S --no-cache` in the same run:
# cold with `--no-cache` (goal: within 3x Ruff), warm with one file changed before each run (goal:
# within 0.5x Ruff), and cold without the prefilter (`--no-prefilter`: how much it saves, and a
# check that the findings are the same). It also prints the share of files the prefilter skips
# on every tree.
#
# Needs: cargo, python3 (with venv and pip), unzip or python3's zipfile, /usr/bin/time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCAN_DIR="${SCAN_DIR:-${TMPDIR:-/tmp}/djsec-scan}"
RUNS="${RUNS:-3}"
APPS="${APPS:-300}"
DJANGO_VERSION="${DJANGO_VERSION:-5.2.*}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
mkdir -p "$SCAN_DIR"
log() { printf '%s\n' "$*" >&2; }

# --- tools --------------------------------------------------------------------------------------
if [ -n "${DJSEC_BIN:-}" ]; then
  DJSEC="$DJSEC_BIN"
else
  log "building djsec (release)"
  (cd "$ROOT" && cargo build --release --quiet)
  DJSEC="$TARGET_DIR/release/djsec"
fi

# tree-sitter-python's parse alone (`benches/instructions.rs parse-files`): the floor under djsec.
PARSE_ONLY=""
if [ "${ONLY_CACHE:-0}" != 1 ]; then
  log "building the parse-only floor (benches/instructions.rs)"
  PARSE_ONLY=$(cd "$ROOT" && cargo bench --bench instructions --no-run 2>&1 \
    | sed -n 's/.*Executable .*(\(.*\)).*/\1/p' | tail -1)
fi

VENV="$SCAN_DIR/venv"
if [ ! -x "$VENV/bin/ruff" ] || [ ! -x "$VENV/bin/bandit" ]; then
  log "installing ruff and bandit into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet ruff bandit
fi
RUFF="$VENV/bin/ruff"
BANDIT="$VENV/bin/bandit"

# --- corpora ------------------------------------------------------------------------------------
GENERATED="$SCAN_DIR/generated-$APPS"
if [ ! -d "$GENERATED" ] && [ "${ONLY_CACHE:-0}" != 1 ]; then
  log "generating a Django project with $APPS apps"
  (cd "$ROOT" && cargo bench --quiet --bench gen_django -- "$GENERATED" --apps "$APPS") >&2
fi

DJANGO="$SCAN_DIR/django-src"
if [ ! -d "$DJANGO/django" ] && [ "${ONLY_CACHE:-0}" != 1 ]; then
  log "downloading Django $DJANGO_VERSION from PyPI"
  rm -rf "$SCAN_DIR/dl" "$DJANGO"
  "$VENV/bin/pip" download --quiet --no-deps --only-binary=:all: -d "$SCAN_DIR/dl" "Django==$DJANGO_VERSION"
  mkdir -p "$DJANGO"
  "$VENV/bin/python" -m zipfile -e "$SCAN_DIR"/dl/Django-*.whl "$DJANGO"
fi

# --- measuring ----------------------------------------------------------------------------------
# run_timed OUT_FILE CMD...: runs CMD with stdout to OUT_FILE, prints "wall_seconds max_rss_kib".
run_timed() {
  local out="$1"; shift
  local stats="$SCAN_DIR/time.txt"
  /usr/bin/time -v -o "$stats" "$@" >"$out" 2>/dev/null || true
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$stats" \
    | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$stats")
  echo "$wall $rss"
}

# median of the walls, and the largest RSS, over RUNS runs.
measure() {
  local out="$1"; shift
  local runs="$RUNS" walls=() rss_max=0 i wall rss
  if [ "${ONCE:-0}" = 1 ]; then runs=1; fi
  for ((i = 0; i < runs; i++)); do
    read -r wall rss < <(run_timed "$out" "$@")
    walls+=("$wall")
    if [ "$rss" -gt "$rss_max" ]; then rss_max=$rss; fi
  done
  local median
  median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median $rss_max"
}

count_lines() { # DIR KIND(py|templates) -> "files lines"
  if [ "$2" = py ]; then
    find "$1" -name '*.py' -print0 | xargs -0 cat 2>/dev/null | wc -l | xargs printf "%s " \
      && find "$1" -name '*.py' | wc -l
  else
    find "$1" -path '*/templates/*' -name '*.html' -print0 | xargs -0 cat 2>/dev/null | wc -l \
      | xargs printf "%s " && find "$1" -path '*/templates/*' -name '*.html' | wc -l
  fi
}

findings_djsec() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$1" 2>/dev/null || echo "?"; }
findings_ruff() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$1" 2>/dev/null || echo "?"; }
findings_bandit() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$1" 2>/dev/null || echo "?"; }

row() { # tool tree threads wall rss files lines findings
  awk -v tool="$1" -v tree="$2" -v th="$3" -v wall="$4" -v rss="$5" -v files="$6" -v lines="$7" -v f="$8" 'BEGIN {
    printf "| %-8s | %-10s | %7s | %8.3f | %9.0f | %11.0f | %8.1f | %8s |\n",
      tool, tree, th, wall, (wall > 0 ? files / wall : 0), (wall > 0 ? lines / wall : 0), rss / 1024, f
  }'
}

# skipped_share DIR: "skipped/checked" files by the prefilter (from the debug log).
skipped_share() {
  DJSEC_LOG=djsec=debug "$DJSEC" check --isolated --no-cache --exit-zero --format json "$1" 2>&1 >/dev/null \
    | sed -n 's/.* \([0-9]*\) files: [0-9]* from the cache, \([0-9]*\) skipped by the prefilter.*/\2\/\1/p' | tail -1
}

cache_section() {
  local apps="${CACHE_APPS:-77}"
  local dir="$SCAN_DIR/generated-$apps"
  if [ ! -d "$dir" ]; then
    log "generating a Django project with $apps apps"
    (cd "$ROOT" && cargo bench --quiet --bench gen_django -- "$dir" --apps "$apps") >&2
  fi
  read -r py_lines py_files < <(count_lines "$dir" py)
  read -r tpl_lines tpl_files < <(count_lines "$dir" templates)
  local files=$((py_files + tpl_files)) lines=$((py_lines + tpl_lines))
  local cache="$SCAN_DIR/cache-$apps" changed
  changed=$(find "$dir" -name views.py | sort | head -1)
  echo
  echo "cache and prefilter: generated-$apps, $py_files .py files ($py_lines lines), $tpl_files templates ($tpl_lines lines); 2 threads"
  echo
  echo "| run                         |   wall s | peak MiB | findings |"
  echo "|-----------------------------|----------|----------|----------|"
  local out wall rss ruff_wall
  out="$SCAN_DIR/ruff-cache.json"
  read -r ruff_wall rss < <(RAYON_NUM_THREADS=2 measure "$out" \
    "$RUFF" check --isolated --no-cache --select S --exit-zero --output-format json "$dir")
  printf "| %-27s | %8.3f | %8.1f | %8s |\n" "ruff --select S --no-cache" "$ruff_wall" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$(findings_ruff "$out")"
  out="$SCAN_DIR/djsec-cold.json"
  read -r wall rss < <(RAYON_NUM_THREADS=2 measure "$out" \
    "$DJSEC" check --isolated --no-cache --exit-zero --format json "$dir")
  local cold=$wall cold_findings
  cold_findings=$(findings_djsec "$out")
  printf "| %-27s | %8.3f | %8.1f | %8s |\n" "djsec --no-cache" "$wall" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$cold_findings"
  out="$SCAN_DIR/djsec-noprefilter.json"
  read -r wall rss < <(RAYON_NUM_THREADS=2 measure "$out" \
    "$DJSEC" check --isolated --no-cache --no-prefilter --exit-zero --format json "$dir")
  local noprefilter=$wall
  printf "| %-27s | %8.3f | %8.1f | %8s |\n" "djsec --no-prefilter" "$wall" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$(findings_djsec "$out")"
  if ! cmp -s <(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["findings"], sort_keys=True))' "$SCAN_DIR/djsec-cold.json") \
              <(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["findings"], sort_keys=True))' "$out"); then
    echo "ERROR: the findings differ with and without the prefilter" >&2
  fi
  # Warm: fill the cache, then change one file before each timed run.
  rm -rf "$cache"
  "$DJSEC" check --isolated --cache-dir "$cache" --exit-zero --format json "$dir" >/dev/null 2>&1 || true
  out="$SCAN_DIR/djsec-warm.json"
  cp "$changed" "$SCAN_DIR/changed.orig"
  read -r wall rss < <(RAYON_NUM_THREADS=2 measure "$out" bash -c \
    'printf "\n# edit %s\n" "$RANDOM$RANDOM" >> "$1"; shift; exec "$@"' _ "$changed" \
    "$DJSEC" check --isolated --cache-dir "$cache" --exit-zero --format json "$dir")
  cp "$SCAN_DIR/changed.orig" "$changed"
  local warm=$wall
  printf "| %-27s | %8.3f | %8.1f | %8s |\n" "djsec, cache, 1 file changed" "$wall" "$(awk -v r="$rss" 'BEGIN { print r / 1024 }')" "$(findings_djsec "$out")"
  echo
  awk -v c="$cold" -v w="$warm" -v r="$ruff_wall" -v n="$noprefilter" 'BEGIN {
    printf "cold --no-cache / ruff x%.2f (goal <= 3); warm (1 file changed) / ruff x%.2f (goal <= 0.5); prefilter saves %.0f %% of the cold scan\n", c / r, w / r, 100 * (n - c) / n
  }'
  echo "prefilter skips (files skipped/checked): generated-$apps $(skipped_share "$dir")"
}

if [ "${ONLY_CACHE:-0}" = 1 ]; then
  echo "djsec $("$DJSEC" --version | awk '{print $2}'), $("$RUFF" --version); machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg); runs per figure: $RUNS (median wall)"
  cache_section
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

echo
echo "djsec $("$DJSEC" --version | awk '{print $2}'), $("$RUFF" --version), bandit $("$BANDIT" --version 2>/dev/null | head -1 | awk '{print $2}')"
echo "machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg); runs per figure: $RUNS (median wall)"
echo
echo "| tool     | tree       | threads |   wall s |   files/s |     lines/s | peak MiB | findings |"
echo "|----------|------------|---------|----------|-----------|-------------|----------|----------|"

declare -A WALL
for tree in generated django; do
  if [ "$tree" = generated ]; then dir="$GENERATED"; else dir="$DJANGO/django"; fi
  read -r py_lines py_files < <(count_lines "$dir" py)
  read -r tpl_lines tpl_files < <(count_lines "$dir" templates)
  for threads in 1 2; do
    out="$SCAN_DIR/djsec-$tree.json"
    read -r wall rss < <(RAYON_NUM_THREADS=$threads measure "$out" \
      "$DJSEC" check --isolated --no-cache --exit-zero --format json "$dir")
    WALL[djsec-$tree-$threads]=$wall
    row djsec "$tree" "$threads" "$wall" "$rss" $((py_files + tpl_files)) $((py_lines + tpl_lines)) "$(findings_djsec "$out")"
  done
  if [ -n "$PARSE_ONLY" ]; then
    for threads in 1 2; do
      out="$SCAN_DIR/parse-$tree.txt"
      read -r wall rss < <(RAYON_NUM_THREADS=$threads measure "$out" "$PARSE_ONLY" parse-files "$dir")
      WALL[parse-$tree-$threads]=$wall
      row ts-parse "$tree" "$threads" "$wall" "$rss" "$py_files" "$py_lines" "-"
    done
  fi
  for threads in 1 2; do
    out="$SCAN_DIR/ruff-$tree.json"
    read -r wall rss < <(RAYON_NUM_THREADS=$threads measure "$out" \
      "$RUFF" check --isolated --no-cache --select S --exit-zero --output-format json "$dir")
    WALL[ruff-$tree-$threads]=$wall
    row ruff "$tree" "$threads" "$wall" "$rss" "$py_files" "$py_lines" "$(findings_ruff "$out")"
  done
  if [ "${SKIP_BANDIT:-0}" != 1 ]; then
    out="$SCAN_DIR/bandit-$tree.json"
    read -r wall rss < <(ONCE=1 measure "$out" "$BANDIT" -r -q -f json "$dir")
    WALL[bandit-$tree-1]=$wall
    row bandit "$tree" 1 "$wall" "$rss" "$py_files" "$py_lines" "$(findings_bandit "$out")"
  fi
  echo "|          | $tree: $py_files .py files ($py_lines lines), $tpl_files templates ($tpl_lines lines) | | | | | | |"
done

echo
for tree in generated django; do
  awk -v d="${WALL[djsec-$tree-2]}" -v r="${WALL[ruff-$tree-2]}" -v d1="${WALL[djsec-$tree-1]}" -v b="${WALL[bandit-$tree-1]:-0}" -v p="${WALL[parse-$tree-2]:-0}" -v t="$tree" 'BEGIN {
    printf "%s: djsec/ruff wall x%.2f (goal <= 2); djsec 1->2 threads speed-up x%.2f", t, d / r, d1 / d
    if (p > 0) printf "; tree-sitter parse alone/ruff x%.2f", p / r
    if (b > 0) printf "; bandit/djsec x%.0f (goal >= 50)", b / d
    printf "\n"
  }'
done
echo "prefilter skips (files skipped/checked): generated $(skipped_share "$GENERATED"), django $(skipped_share "$DJANGO/django")"
if [ "${SKIP_CACHE:-0}" != 1 ]; then cache_section; fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
