#!/usr/bin/env bash
# Runs integration test files (default: the ones that need no browser) with
# every sociald process under valgrind memcheck, then reads each process's
# report: any error or any definitely/indirectly lost byte fails.
#   scripts/valgrind.sh [tests/integration/<file>.test.mjs ...]
# Slow (valgrind runs code ~20x slower); not part of scripts/test.sh, whose
# AddressSanitizer pass has LeakSanitizer on every process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release
files=("$@")
((${#files[@]})) || files=(tests/integration/user.test.mjs tests/integration/profiles.test.mjs
  tests/integration/http.test.mjs tests/integration/webhooks.test.mjs
  tests/integration/details.test.mjs tests/integration/batch.test.mjs)
logs=$(mktemp -d /tmp/sociald-valgrind.XXXXXX)
wrapper=$logs/sociald
cat > "$wrapper" <<SH
#!/bin/sh
exec valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect \
  --errors-for-leak-kinds=definite,indirect --track-origins=yes \
  --log-file=$logs/vg.%p.log "$PWD/build/sociald" "\$@"
SH
chmod +x "$wrapper"
status=0
SOCIALD_BIN=$wrapper SOCIALD_TEST_SLOW=1 node --test --test-concurrency=1 "${files[@]}" || status=$?
bad=0
for f in "$logs"/vg.*.log; do
  [[ -s "$f" ]] || continue
  if grep -qE "are (definitely|indirectly) lost|Invalid (read|write|free)|uninitialised|Syscall param|Mismatched free" "$f"; then
    echo "== $f" >&2; head -n 60 "$f" >&2; bad=1
  fi
done
n=$(ls "$logs"/vg.*.log 2>/dev/null | wc -l)
echo "valgrind: $n processes checked; tests exit $status; findings: $bad" >&2
rm -rf "$logs"
exit $((status || bad))
