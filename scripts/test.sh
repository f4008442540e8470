#!/usr/bin/env bash
# The whole test suite — the command the README gives and .ci/run calls.
#   1. set up packages, check formatting, build; check that the PostgreSQL
#      migrations build the schema the SQLite ones do (a throwaway cluster)
#   2. unit tests (Check)
#   3. integration tests: the real binary over HTTP (node --test), and the
#      browser test: headless Chromium through the linking page; then the
#      unit and integration tests again on PostgreSQL (a throwaway cluster,
#      scripts/pg.sh); then every bench under bench/ on a tiny input
#      (scripts/bench-smoke.sh)
#   4. the same two again under AddressSanitizer + UndefinedBehaviorSanitizer
#   5. every libFuzzer target for SOCIALD_FUZZ_SECONDS (10) seconds
# Set SOCIALD_SKIP_ASAN=1 to skip steps 4 and 5 while iterating locally.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The official npm SDK the compatibility tests drive and playwright-core
# for the browser test (Debian's Chromium) — both pinned by lockfiles.
npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error >/dev/null
npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error >/dev/null
# s3rver, the S3 store the batch-export tests upload to (tests/s3/server.mjs).
npm ci --prefix tests/s3 --no-audit --no-fund --loglevel=error >/dev/null

run_suite() {
  local dir=$1
  echo "== unit tests and fuzz corpus replay ($dir)" >&2
  meson test -C "$dir" --print-errorlogs --suite unit --suite fuzz
  echo "== integration and browser tests ($dir)" >&2
  SOCIALD_BIN="$PWD/$dir/sociald" node --test --test-reporter=spec tests/integration/ tests/browser/
}

echo "== formatting (.clang-format)" >&2
find src tests/unit tools -name '*.[ch]' -print0 | xargs -0 clang-format --dry-run --Werror
echo "== module layers and libraries (tools/modules.txt)" >&2
/usr/bin/python3 tools/check_modules.py
echo "== static analysis (cppcheck)" >&2
bash scripts/analyze.sh
echo "== docs/openapi.yaml against the route table" >&2
/usr/bin/python3 tests/docs/check_openapi.py

bash scripts/build.sh release

# A throwaway PostgreSQL cluster for the second pass (scripts/pg.sh: its
# own directory, port and socket; stopped and removed on exit).
PGDIR=$(mktemp -d /tmp/sociald-test-pg.XXXXXX)
trap 'bash scripts/pg.sh stop "$PGDIR" >/dev/null 2>&1 || true' EXIT
PGURL=$(bash scripts/pg.sh start "$PGDIR")
echo "== the PostgreSQL migrations against the SQLite ones (tools/check_schema.py)" >&2
SOCIALD_TEST_PG=$PGURL /usr/bin/python3 tools/check_schema.py

run_suite build
# The same suite once more on PostgreSQL: every unit test that opens a
# store gets a fresh database there, and every server and CLI command the
# integration tests start runs with --db on a database of its own
# (tests/integration/lib/harness.mjs).
echo "== on PostgreSQL ($PGURL)" >&2
SOCIALD_TEST_PG=$PGURL run_suite build
echo "== every bench on a tiny input (--smoke)" >&2
bash scripts/bench-smoke.sh

if [[ "${SOCIALD_SKIP_ASAN:-0}" != 1 ]]; then
  bash scripts/build.sh asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  run_suite build-asan
  echo "== fuzzing: each target for ${SOCIALD_FUZZ_SECONDS:-10} s" >&2
  # A crash leaves crash-* and fails the run; inputs found join the corpus
  # of this checkout (commit them from a local run to keep them).
  fuzz_out=$(bash scripts/fuzz.sh "${SOCIALD_FUZZ_SECONDS:-10}" 2>&1) || { echo "$fuzz_out" >&2; exit 1; }
  grep -E '^== |number_of_executed_units' <<<"$fuzz_out" >&2
  if ls crash-* oom-* timeout-* >/dev/null 2>&1; then
    echo "$fuzz_out" >&2
    echo "fuzzing found a failure: crash-*/oom-*/timeout-* files" >&2
    exit 1
  fi
fi
echo "== all tests passed" >&2
