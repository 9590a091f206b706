#!/usr/bin/env bash
# Nightly fuzzing on stable Rust: runs every target for SECONDS each (default 600), merges
# and minimizes the corpus, prints execs/s per target, and exits non-zero on a crash
# (whose input is left in fuzz/artifacts/<target>/ to commit under fuzz/regressions/).
# Usage: fuzz/run-nightly.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"; shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

status=0
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  log="fuzz/artifacts/$t.log"
  # -s none: no sanitizer, so it builds on stable. The corpus dir is read and extended.
  if ! cargo fuzz run -s none "$t" "fuzz/corpus/$t" -- \
       -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
    echo "CRASH in $t: see $log and fuzz/artifacts/$t/" >&2
    tail -n 30 "$log" >&2
    status=1
  fi
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' | tail -1)
  secs=$(grep -E '^stat::elapsed' "$log" 2>/dev/null | awk '{print $2}' | tail -1)
  [ -z "$secs" ] && secs="$seconds"
  [ -n "$runs" ] && [ "$secs" -gt 0 ] 2>/dev/null \
    && printf '%-14s %10s execs in %ss = %s execs/s\n' "$t" "$runs" "$secs" "$((runs / secs))" \
    || printf '%-14s (no stats; see %s)\n' "$t" "$log"
  # Merge and minimize the corpus in place, so it stays small between runs.
  cargo fuzz cmin -s none "$t" "fuzz/corpus/$t" >/dev/null 2>&1 \
    || echo "corpus minimization of $t failed; the corpus is kept as it is" >&2
done
exit $status
