#!/usr/bin/env bash
# A fuzzing campaign: each target for a number of executions (not a time), on one core at the
# lowest priority, starting from the committed minimised corpus (`fuzz/seeds/TARGET`), then the
# new corpus minimised back into it (`-merge=1`). Prints libFuzzer's last status line per target.
#
#   fuzz/campaign.sh                                   # the issue-16 counts
#   RUNS_TEMPLATE=1000000 RUNS_PYTHON=1000000 RUNS_EDIT=200000 fuzz/campaign.sh
#   TARGETS="edit_script" fuzz/campaign.sh
#   MAX_TIME=1800 fuzz/campaign.sh                    # also stop each target after 30 min
#   NICE=0 fuzz/campaign.sh                            # normal priority (default: 19, the lowest)
#   CORE=1 fuzz/campaign.sh                            # run on core 1 (default: 0), beside another run
#
# Needs the targets built (fuzz/README.md, "Building"); BIN_DIR points at them.
set -uo pipefail

FUZZ="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN_DIR="${BIN_DIR:-$FUZZ/target/x86_64-unknown-linux-gnu/release}"
WORK="${WORK:-${TMPDIR:-/tmp}/djsec-fuzz}"
TARGETS="${TARGETS:-analyze_template edit_script analyze_python}"
mkdir -p "$WORK"

runs_for() {
  case "$1" in
    analyze_python) echo "${RUNS_PYTHON:-1000000}" ;;
    analyze_template) echo "${RUNS_TEMPLATE:-1000000}" ;;
    edit_script) echo "${RUNS_EDIT:-200000}" ;;
  esac
}

for target in $TARGETS; do
  runs=$(runs_for "$target")
  corpus="$WORK/corpus/$target"
  seeds="$FUZZ/seeds/$target"
  mkdir -p "$corpus" "$seeds" "$WORK/artifacts/$target"
  extra=()
  if [ "$target" = edit_script ]; then extra=(-max_len=4096); fi
  echo "== $target: $runs runs, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
  start=$(date +%s)
  # One job, one core, lowest priority. -runs counts executions of the target.
  taskset -c "${CORE:-0}" nice -n "${NICE:-19}" "$BIN_DIR/$target" "$corpus" "$seeds" -runs="$runs" \
    -max_total_time="${MAX_TIME:-0}" \
    -artifact_prefix="$WORK/artifacts/$target/" -print_final_stats=1 "${extra[@]}" \
    >"$WORK/$target.log" 2>&1
  status=$?
  end=$(date +%s)
  grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE)" "$WORK/$target.log" | tail -1
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$WORK/$target.log"
  echo "exit $status after $((end - start)) s; crashes: $(ls "$WORK/artifacts/$target" | grep -cE "^(crash|leak|timeout|oom)-"); slow units: $(ls "$WORK/artifacts/$target" | grep -c "^slow-unit-")"
  # Minimise into the committed seeds: only inputs that add coverage are kept.
  tmp="$WORK/merged-$target"
  rm -rf "$tmp" && mkdir -p "$tmp"
  nice -n 19 "$BIN_DIR/$target" -merge=1 "$tmp" "$seeds" "$corpus" "${extra[@]}" \
    >"$WORK/$target.merge.log" 2>&1 || true
  if [ -n "$(ls -A "$tmp")" ]; then
    # Inputs of at most 1 KiB are committed: the repository stays small.
    find "$tmp" -type f -size +1024c -delete
    # The inputs that once failed stay under their names, whatever their coverage.
    find "$seeds" -maxdepth 1 -type f -name 'crash-*' -exec cp {} "$tmp/" \;
    rm -rf "$seeds" && mv "$tmp" "$seeds"
  fi
  echo "seeds: $(ls "$seeds" | wc -l) files, $(du -sh "$seeds" | cut -f1)"
done
