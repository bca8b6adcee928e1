#!/usr/bin/env bash
# The language server's resident memory with a ~200,000-line Django project indexed and 20 files
# open (budget: 300 MiB). Generates the project with `benches/gen_django.rs` (APPS apps; 77 make
# about 200,000 lines of Python and templates), then runs `benches/memory.py`.
#
#   benches/memory.sh
#   APPS=77 OPEN=20 DJSEC_BIN=target/release/djsec benches/memory.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${MEMORY_DIR:-${TMPDIR:-/tmp}/djsec-memory}"
APPS="${APPS:-77}"
OPEN="${OPEN:-20}"
mkdir -p "$WORK"

if [ -n "${DJSEC_BIN:-}" ]; then
  DJSEC="$DJSEC_BIN"
else
  (cd "$ROOT" && cargo build --release --quiet)
  DJSEC="${CARGO_TARGET_DIR:-$ROOT/target}/release/djsec"
fi

PROJECT="$WORK/generated-$APPS"
if [ ! -d "$PROJECT" ]; then
  (cd "$ROOT" && cargo bench --quiet --bench gen_django -- "$PROJECT" --apps "$APPS") >&2
fi

echo "djsec $("$DJSEC" --version | awk '{print $2}'); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/benches/memory.py" --bin "$DJSEC" --project "$PROJECT" --open "$OPEN"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
