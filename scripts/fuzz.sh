#!/usr/bin/env bash
# Runs each libFuzzer target of tests/fuzz for a while (default 60 s each)
# with AddressSanitizer and UndefinedBehaviorSanitizer, growing its corpus
# in tests/fuzz/corpus/<target>. New inputs found are regression tests from
# then on (the suite replays the corpus). Crashes are left as crash-* files.
#   scripts/fuzz.sh [seconds] [target...]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
secs=${1:-60}
shift || true
targets=("$@")
((${#targets[@]})) || targets=(linktoken tokens url form query body s3xml)
if [[ ! -f build-fuzz/build.ninja ]]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Dbuildtype=debugoptimized \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dc_args=-fsanitize=float-cast-overflow -fno-sanitize-recover=undefined" >/dev/null
fi
ninja -C build-fuzz >/dev/null
for t in "${targets[@]}"; do
  echo "== fuzz_$t for ${secs}s" >&2
  mkdir -p "tests/fuzz/corpus/$t"
  "build-fuzz/tests/fuzz/fuzz_$t" -max_total_time="$secs" -max_len=8192 \
    -print_final_stats=1 "tests/fuzz/corpus/$t" 2>&1 | tail -n 12
done
