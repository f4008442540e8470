#!/usr/bin/env bash
# Runs every bench under bench/ with --smoke: tiny inputs, seconds each, the
# figures ignored. What it checks is that each bench still runs to its end
# within a bound — a bench that hangs or breaks fails the suite here instead
# of surprising the next person who measures. scripts/test.sh calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
failed=0
for run in bench/*/run.sh; do
  name=$(basename "$(dirname "$run")")
  out=$(mktemp)
  t0=$(date +%s)
  if timeout --kill-after=10 300 bash "$run" --smoke >"$out" 2>&1; then
    echo "bench $name --smoke: ok ($(($(date +%s) - t0)) s)" >&2
  else
    rc=$?
    echo "bench $name --smoke: FAILED (exit $rc$( ((rc == 124)) && echo ', timed out after 300 s'))" >&2
    tail -n 30 "$out" >&2
    failed=1
  fi
  rm -f "$out"
done
exit "$failed"
