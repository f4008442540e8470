#!/usr/bin/env bash
# Static analysis: cppcheck over src/ with the library macros it needs
# (tools/cppcheck/sociald.cfg) and justified suppressions only
# (tools/cppcheck/suppressions.txt). Any finding fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -d build ]] || bash scripts/build.sh release >/dev/null
# STYLE.md rule 7, checked: memory comes from the mem_* wrappers (util/mem.c
# alone calls the C allocator) and no unbounded string function is used.
banned=$(grep -rnE '(^|[^_a-zA-Z0-9.>])(malloc|calloc|realloc|strdup|strndup|strcpy|strcat|sprintf|vsprintf|atoi|atol|gets)\(' \
  src --include='*.c' --include='*.h' | grep -vE '^src/util/mem\.[ch]:' || true)
if [[ -n "$banned" ]]; then
  echo "analyze: use util/mem.h, util/buf.h, snprintf or util/str.h instead:" >&2
  echo "$banned" >&2
  exit 1
fi
cppcheck --enable=warning,performance,portability --std=c11 --quiet --error-exitcode=1 \
  --library=tools/cppcheck/sociald.cfg --suppressions-list=tools/cppcheck/suppressions.txt \
  --inline-suppr -I src -I build -D__GNUC__ -D_GNU_SOURCE -j "$(nproc)" src
echo "analyze: cppcheck found nothing" >&2
