#!/usr/bin/env bash
# Nightly fuzzing on stable Rust. Every target runs for SECONDS (default 600) from its
# committed corpus (fuzz/corpus/<target>, read only during the run; new inputs go to a
# scratch directory), then what added coverage is merged back into the corpus with
# libFuzzer's -merge=1, so each night starts where the last one ended.
# Per target it prints: executions, execs/s, coverage features (ft) and edges (cov) at the
# start (after loading the corpus) and at the end, and the corpus entries the merge added.
# It exits non-zero on a crash, whose input is left in fuzz/artifacts/<target>/ (commit it
# under fuzz/regressions/<target>/), or when a target printed no statistics.
# Usage: fuzz/run-nightly.sh [SECONDS] [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"; shift || true
targets=("$@")
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi

# The last "cov: N ft: M" of a libFuzzer log line matching $2, as "cov ft".
coverage() {
  grep -E "$2" "$1" | tail -1 | sed -nE 's/.*cov: ([0-9]+) ft: ([0-9]+).*/\1 \2/p'
}

status=0
printf '%-13s %12s %6s %9s %15s %15s %6s\n' target execs secs execs/s 'cov start>end' 'ft start>end' 'new'
for t in "${targets[@]}"; do
  corpus="fuzz/corpus/$t"
  scratch="fuzz/artifacts/$t.new"
  log="fuzz/artifacts/$t.log"
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  rm -rf "$scratch" && mkdir -p "$scratch"
  before=$(find "$corpus" -type f | wc -l)
  # -s none: no sanitizer, so it builds on stable. New inputs land in the first directory.
  if ! cargo fuzz run -s none "$t" "$scratch" "$corpus" -- \
       -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="fuzz/artifacts/$t/" >"$log" 2>&1; then
    echo "CRASH in $t: see $log and fuzz/artifacts/$t/" >&2
    tail -n 30 "$log" >&2
    status=1
  fi
  runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
  secs=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
  read -r cov0 ft0 <<<"$(coverage "$log" 'INITED')"
  read -r cov1 ft1 <<<"$(coverage "$log" '(DONE|pulse|NEW|REDUCE)')"
  # What added coverage joins the committed corpus; the rest of the scratch inputs go.
  if cargo fuzz run -s none "$t" "$corpus" "$scratch" -- -merge=1 >"$log.merge" 2>&1; then
    added=$(( $(find "$corpus" -type f | wc -l) - before ))
  else
    added="merge failed (see $log.merge)"
    status=1
  fi
  rm -rf "$scratch"
  if [ -z "$runs" ]; then
    printf '%-13s no statistics: see %s\n' "$t" "$log"
    status=1
    continue
  fi
  printf '%-13s %12s %6s %9s %15s %15s %6s\n' "$t" "$runs" "$seconds" "${secs:-?}" \
    "${cov0:-?}>${cov1:-?}" "${ft0:-?}>${ft1:-?}" "$added"
done
exit $status
