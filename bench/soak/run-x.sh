#!/usr/bin/env bash
# bench/soak: a mixed load (reads, profile writes, webhook events) against
# one server for a while; prints every interval's requests, errors, p50/p99
# and the server's RSS, then a summary: RSS should stay flat and errors at
# zero. Timings are for reading, never asserted.
#
#   bench/soak/run.sh [--minutes M (10)] [--interval S (30)] [--profiles N (5000)]
#                     [--retain S] [--smoke]
#
# --retain S: deleted profiles, events and deliveries are kept S seconds
# and the sweep runs every 10 s (docs/operations.md "Retention"), so the
# run also measures the retention sweep working under the load.
#
# The run fails when a request failed or the server logged an error.
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
MINUTES=10 INTERVAL=30 PROFILES=5000 SECS= RETAIN=()
while (($#)); do
  case "$1" in
    --minutes) MINUTES=$2; shift 2 ;;
    --interval) INTERVAL=$2; shift 2 ;;
    --profiles) PROFILES=$2; shift 2 ;;
    --retain) RETAIN=(--retain-deleted "$2" --retain-events "$2" --retain-deliveries "$2" --sweep-interval 10); shift 2 ;;
    --smoke) SECS=6 INTERVAL=2 PROFILES=200; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
bash scripts/build.sh release
BIN=${SOAK_BIN:-$PWD/build/sociald}
WORK=$(mktemp -d /tmp/sociald-bench-soak.XXXXXX)
read -r PORT RXPORT < <(free_ports 2)
SPID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
"$BIN" seed --data "$WORK/data" --profiles "$PROFILES" --accounts 10 --keys-out "$WORK/keys.txt" \
  > "$WORK/seed.json" 2>/dev/null
KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/seed.json")
"$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --access-log false --log-level warn \
  --rate-limit 100000000 --webhook-allow-private --webhook-allow-http "${RETAIN[@]}" 2>"$WORK/server.log" &
SPID=$!
wait_ready "http://127.0.0.1:$PORT/healthz" "the server" || { cat "$WORK/server.log" >&2; exit 1; }
curl -sf -X POST "http://127.0.0.1:$PORT/api/hook/webhook" -H "Authorization: Bearer $KEY" \
  -d "{\"action\":\"social\",\"url\":\"http://127.0.0.1:$RXPORT/hook\"}" >/dev/null
SECS=${SECS:-$((MINUTES * 60))}
echo "soak: $SECS s, $PROFILES profiles x 10 linked, $(nproc) cores" >&2
status=0
node bench/soak/load.mjs "$PORT" "$KEY" "$WORK/keys.txt" "$SPID" "$SECS" "$INTERVAL" "$RXPORT" || status=1
if grep -q '"level":"error"' "$WORK/server.log"; then
  echo "the server logged errors:" >&2
  grep '"level":"error"' "$WORK/server.log" | head -n 5 >&2
  status=1
fi
exit "$status"
