#!/usr/bin/env bash
# Static analysis: cppcheck over src/ with the library macros it needs
# (tools/cppcheck/sociald.cfg) and justified suppressions only
# (tools/cppcheck/suppressions.txt). Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d build ]] || bash scripts/build.sh release >/dev/null
cppcheck --enable=warning,performance,portability --std=c11 --quiet --error-exitcode=1 \
  --library=tools/cppcheck/sociald.cfg --suppressions-list=tools/cppcheck/suppressions.txt \
  --inline-suppr -I src -I build -D__GNUC__ -D_GNU_SOURCE -j "$(nproc)" src
echo "analyze: cppcheck found nothing" >&2
