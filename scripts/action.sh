#!/usr/bin/env bash
# The GitHub Action's work (action.yml runs it), usable anywhere bash is: runs
# `ecr-conformance run` against an endpoint, writes every report into one folder, and, on
# GitHub, adds the Markdown summary to the step summary and the verdict and report paths to
# the step outputs. Exits with exactly `run`'s status: 0 nothing FAILs, 1 something FAILs
# (or differs, with strict), 2 usage error, unusable target or a refused setup (the
# reports, with `stopped`, are still written), 130 interrupted.
#
# Inputs (environment):
#   ECR_CONFORMANCE_ENDPOINT   the target's URL (required unless the registry endpoint is given;
#                              with it, the API door that makes scratch repositories and
#                              issues the registry token)
#   ECR_CONFORMANCE_REGISTRY_ENDPOINT  a /v2/ URL: judge the registry door instead
#   ECR_CONFORMANCE_REGISTRY_AUTH      its USER:PASSWORD (read by the binary from the
#                              environment, never on a command line)
#   ECR_CONFORMANCE_PROFILE    a built-in profile name or a profile file (default ecr)
#   ECR_CONFORMANCE_STRICT     true|false: differs fail the run too (default false)
#   ECR_CONFORMANCE_CASES      generated sequences (default 256)
#   ECR_CONFORMANCE_SEED       their seed (default 0)
#   ECR_CONFORMANCE_FILTER     run only scenarios matching this regex (default: all)
#   ECR_CONFORMANCE_OUT        the reports' folder (default ecr-conformance-reports)
#   ECR_CONFORMANCE_BIN        the binary (default: ecr-conformance on PATH)
#   ECR_CONFORMANCE_SCENARIOS  the catalog (default: fixtures/scenarios beside this script)
#   GITHUB_STEP_SUMMARY, GITHUB_OUTPUT   set by GitHub; unset elsewhere
set -euo pipefail

fail() {
  printf 'action.sh: %s\n' "$*" >&2
  exit 2
}

endpoint="${ECR_CONFORMANCE_ENDPOINT:-}"
profile="${ECR_CONFORMANCE_PROFILE:-ecr}"
strict="${ECR_CONFORMANCE_STRICT:-false}"
cases="${ECR_CONFORMANCE_CASES:-256}"
seed="${ECR_CONFORMANCE_SEED:-0}"
filter="${ECR_CONFORMANCE_FILTER:-}"
out="${ECR_CONFORMANCE_OUT:-ecr-conformance-reports}"

registry="${ECR_CONFORMANCE_REGISTRY_ENDPOINT:-}"
[ -n "$endpoint" ] || [ -n "$registry" ] ||
  fail "ECR_CONFORMANCE_ENDPOINT (the endpoint input) or ECR_CONFORMANCE_REGISTRY_ENDPOINT (registry-endpoint) is required"
[[ "$cases" =~ ^[0-9]+$ ]] || fail "cases must be a non-negative integer, got '$cases'"
[[ "$seed" =~ ^[0-9]+$ ]] || fail "seed must be a non-negative integer, got '$seed'"
[[ "$strict" =~ ^(true|false)$ ]] || fail "strict must be true or false, got '$strict'"
[[ "$out" != *$'\n'* ]] || fail "ECR_CONFORMANCE_OUT must not contain a newline"

if [ -n "${ECR_CONFORMANCE_BIN:-}" ]; then
  bin="$ECR_CONFORMANCE_BIN"
  [ -x "$bin" ] || fail "ECR_CONFORMANCE_BIN '$bin' is not an executable file"
else
  bin="$(command -v ecr-conformance)" ||
    fail "ecr-conformance is not on PATH (cargo install it, or set ECR_CONFORMANCE_BIN)"
fi

# The catalog of the same checkout as this script (the action's own ref), never a
# fixtures/scenarios folder that happens to be in the caller's working directory.
scenarios="${ECR_CONFORMANCE_SCENARIOS:-$(dirname "${BASH_SOURCE[0]}")/../fixtures/scenarios}"

mkdir -p "$out" || fail "cannot create the reports folder '$out'"
out="$(cd "$out" && pwd)"
json="$out/report.json"
junit="$out/junit.xml"
html="$out/report.html"
markdown="$out/summary.md"
rm -f "$json" "$junit" "$html" "$markdown"

args=(run --profile "$profile" --cases "$cases" --seed "$seed")
[ -n "$endpoint" ] && args+=(--endpoint "$endpoint")
[ -n "$filter" ] && args+=(--filter "$filter")
[ "$strict" = true ] && args+=(--strict)
if [ -n "$registry" ]; then
  # The registry door: its catalog is built in; credentials come from the environment.
  args+=(--registry-endpoint "$registry")
else
  [ -d "$scenarios" ] && args+=(--scenarios "$scenarios")
  # A shrunk failing generated sequence goes with the reports, not into the caller's tree.
  args+=(--regressions "$out/regressions")
fi
args+=(--report-json "$json" --junit "$junit" --report-html "$html" --report-markdown "$markdown")

status=0
"$bin" "${args[@]}" || status=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -f "$markdown" ]; then
    cat "$markdown" >>"$GITHUB_STEP_SUMMARY"
  else
    printf '### ecr-conformance: no report\n\n`run` exited %s before writing one; see the log.\n' \
      "$status" >>"$GITHUB_STEP_SUMMARY"
  fi
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  verdict=fail
  [ "$status" -eq 0 ] && verdict=pass
  {
    printf 'verdict=%s\n' "$verdict"
    printf 'report-json=%s\n' "$json"
    printf 'junit=%s\n' "$junit"
    printf 'report-html=%s\n' "$html"
    printf 'report-markdown=%s\n' "$markdown"
  } >>"$GITHUB_OUTPUT"
fi

exit "$status"
