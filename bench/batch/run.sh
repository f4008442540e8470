#!/usr/bin/env bash
# bench/batch: the export behind GET /api/user/batch (SPEC §5).
#
#   bench/batch/run.sh [--profiles N] [--accounts M] [--smoke]
#
# Seeds N (100,000) user profiles x M (10) linked accounts, starts the server,
# asks for an export and waits for the file. Prints the export time (from
# the server's own "batch export ready" log line), the file size, the
# server's peak RSS (VmHWM) before and after, and — the reference on the
# same data in the same run — the time `sqlite3 -json` takes to dump the
# same profile and linked-account rows. Targets: <= 10 s, peak RSS <= 32 MiB.
# Never asserted: machines are noisy.
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
PROFILES=100000 ACCOUNTS=10
while (($#)); do
  case "$1" in
    --profiles) PROFILES=$2; shift 2 ;;
    --accounts) ACCOUNTS=$2; shift 2 ;;
    --smoke) PROFILES=200 ACCOUNTS=3; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
bash scripts/build.sh release
BIN=$PWD/build/sociald
WORK=$(mktemp -d /tmp/sociald-bench-batch.XXXXXX)
read -r PORT < <(free_ports 1)
SPID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "seeding $PROFILES profiles x $ACCOUNTS linked accounts..." >&2
t0=$(date +%s.%N)
"$BIN" seed --data "$WORK/data" --profiles "$PROFILES" --accounts "$ACCOUNTS" > "$WORK/seed.json" 2>/dev/null
t1=$(date +%s.%N)
KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/seed.json")
DB=$WORK/data/sociald.db

# Without the cache warm at start (on by default, it would fill the cache
# with every profile while the export runs): this measures the export alone.
"$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --access-log false --log-level info \
  --jobs-poll-ms 100 --cache-warm false 2>"$WORK/server.log" &
SPID=$!
wait_ready "http://127.0.0.1:$PORT/healthz" "the server" || { cat "$WORK/server.log" >&2; exit 1; }
HWM0=$(awk '/VmHWM/ {print $2}' /proc/$SPID/status)
URL=$(curl -sf "http://127.0.0.1:$PORT/api/user/batch" -H "Authorization: Bearer $KEY" \
  | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')
[[ -n "$URL" ]] || { echo "GET /api/user/batch gave no URL" >&2; exit 1; }
# Sample the resident set while the export runs: anonymous (heap, stacks)
# and file-backed (SQLite's memory-mapped database pages) separately.
ANON=0 FILEB=0
for _ in $(seq 1 2400); do
  grep -q '"batch export ready"' "$WORK/server.log" && break
  read -r a f < <(awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {print a, f}' /proc/$SPID/status)
  ((a > ANON)) && ANON=$a
  ((f > FILEB)) && FILEB=$f
  sleep 0.02
done
HWM1=$(awk '/VmHWM/ {print $2}' /proc/$SPID/status)
LINE=$(grep '"batch export ready"' "$WORK/server.log" | tail -n 1) || true
[[ -n "$LINE" ]] || { echo "the export did not finish in 48 s" >&2; tail -n 5 "$WORK/server.log" >&2; exit 1; }
MS=$(sed -n 's/.*"ms":\([0-9]*\).*/\1/p' <<<"$LINE")
BYTES=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' <<<"$LINE")
COUNT=$(sed -n 's/.*"profiles":\([0-9]*\).*/\1/p' <<<"$LINE")
curl -sf "$URL" -o "$WORK/file.json"
GOT=$(stat -c %s "$WORK/file.json")
[[ "$GOT" == "$BYTES" ]] || { echo "served $GOT bytes, the log says $BYTES" >&2; exit 1; }
kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""

# The reference: sqlite3 dumping the same rows as JSON.
s0=$(date +%s.%N)
sqlite3 -json "$DB" "SELECT p.id, p.ref_id, p.title, p.created_ms, p.details_updated_ms, l.platform,
  l.network_id, l.display_name, l.username, l.profile_url, l.user_image, l.page_name, l.type,
  l.description, l.maps_url, l.place_id, l.review_url, l.linked_ms FROM profiles p
  LEFT JOIN linked_accounts l ON l.profile_id = p.id WHERE p.is_primary = 0
  ORDER BY p.created_ms, p.id, l.platform" > "$WORK/ref.json"
s1=$(date +%s.%N)
REF_BYTES=$(stat -c %s "$WORK/ref.json")

printf '\nbench/batch  %s profiles x %s linked (seeded in %.1f s), %s cores\n' \
  "$PROFILES" "$ACCOUNTS" "$(echo "$t1 - $t0" | bc -l)" "$(nproc)"
printf 'sociald export:            %6.2f s   %s profiles, %s bytes (%.1f MiB)\n' \
  "$(echo "$MS / 1000" | bc -l)" "$COUNT" "$BYTES" "$(echo "$BYTES / 1048576" | bc -l)"
printf 'sqlite3 -json (reference): %6.2f s   %s bytes of rows\n' "$(echo "$s1 - $s0" | bc -l)" "$REF_BYTES"
printf 'server peak RSS (VmHWM):   %s KiB before, %s KiB after the export   (targets of issue 14 at a million profiles: <= 30 s, <= 32768 KiB)\n' \
  "$HWM0" "$HWM1"
printf '  of which, sampled during the export: anonymous <= %s KiB, file-backed (mmap) <= %s KiB\n' \
  "$ANON" "$FILEB"
