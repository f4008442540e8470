#!/usr/bin/env bash
# bench/refresh: how many linked accounts the refresher keeps alive on this
# machine against the sandbox, and what GET /api/user costs while it works.
#
#   bench/refresh/run.sh [--accounts N] [--seconds S] [--ttl T] [--smoke]
#
# N (2,000) profiles each link an X account (tokens imported from the
# sandbox). Then:
#  1. quiet: GET /api/user under wrk (rotating profile keys), nothing due;
#  2. churn: the sandbox issues T-second (3 s) access tokens and every
#     account is made due at once, so the refresher runs flat out (each
#     token is due again at 80 % of T): refreshes per second over S seconds
#     with no HTTP load, then over S seconds under the same wrk load, with
#     that load's latency.
# A refresh is a real round trip: lease, open the sealed tokens, POST to the
# sandbox's token endpoint, seal the new pair, write it in a transaction.
# The figures are read from the database (token_version counts every token
# write) and printed with the demand (N / 0.8 T per second): when the rate
# matches the demand, the capacity is at least that. Never asserted.
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
ACCOUNTS=2000 SECS=10 TTL=3
while (($#)); do
  case "$1" in
    --accounts) ACCOUNTS=$2; shift 2 ;;
    --seconds) SECS=$2; shift 2 ;;
    --ttl) TTL=$2; shift 2 ;;
    --smoke) ACCOUNTS=20 SECS=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
bash scripts/build.sh release
BIN=$PWD/build/sociald
WORK=$(mktemp -d /tmp/sociald-bench-refresh.XXXXXX)
read -r PORT SPORT < <(free_ports 2)
SPID="" XPID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null || true
  [[ -n "$XPID" ]] && kill "$XPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
SANDBOX=http://127.0.0.1:$SPORT
"$BIN" sandbox --listen "127.0.0.1:$SPORT" --log-level warn 2>>"$WORK/sandbox.log" &
XPID=$!
"$BIN" serve --data "$WORK/data" --listen "127.0.0.1:$PORT" --sandbox "$SANDBOX" --access-log false \
  --log-level warn --rate-limit 100000000 --refresh-rate 100000 --details-ttl 86400 \
  --jobs-poll-ms 100 2>>"$WORK/server.log" &
SPID=$!
wait_ready "$SANDBOX/_sandbox/health" "the sandbox" || { cat "$WORK/sandbox.log" >&2; exit 1; }
wait_ready "http://127.0.0.1:$PORT/healthz" "the server" || { cat "$WORK/server.log" >&2; exit 1; }
DB=$WORK/data/sociald.db
KEY=$("$BIN" account create --data "$WORK/data" --email bench@example.com --plan enterprise \
  | sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p')
fault() { curl -sf -X POST "$SANDBOX/_sandbox/faults" -H 'Content-Type: application/json' -d "$1" >/dev/null; }

fault '{"tokenTtl":{"network":"twitter","access":3600}}'
echo "linking $ACCOUNTS X accounts..." >&2
t0=$(date +%s.%N)
node bench/refresh/setup.mjs "$PORT" "$SANDBOX" "$KEY" "$ACCOUNTS" "$WORK/keys.txt"
t1=$(date +%s.%N)
export API_KEY=$KEY KEYS_FILE=$WORK/keys.txt BENCH_DIR=$PWD/bench/user
load() { # -> RESULT line
  wrk -t2 -c50 -d2s -s bench/user/rotate.lua "http://127.0.0.1:$PORT/api/user" >/dev/null 2>&1 || true
  wrk -t2 -c50 -d"${SECS}s" --latency -s bench/user/rotate.lua "http://127.0.0.1:$PORT/api/user" \
    2>/dev/null | grep '^RESULT'
}
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }
writes() { sqlite3 -cmd ".timeout 10000" "$DB" "SELECT COALESCE(SUM(token_version), 0) FROM linked_accounts"; }
refreshed() { sqlite3 -cmd ".timeout 10000" "$DB" "SELECT COUNT(*) FROM linked_accounts WHERE last_refresh_ms IS NOT NULL"; }

QUIET=$(load)

# Churn: short tokens from now on, and every account due at once.
fault "{\"tokenTtl\":{\"network\":\"twitter\",\"access\":$TTL}}"
# (as if linked two hours ago with tokens that expired a moment ago)
sqlite3 -cmd ".timeout 10000" "$DB" "UPDATE linked_accounts SET linked_ms = linked_ms - 7200000,
                 access_expires_ms = access_expires_ms - 3600000;
               UPDATE jobs SET run_at_ms = 0 WHERE kind = 'refresh';"
sleep 3
a=$(writes); s0=$(date +%s.%N); sleep "$SECS"; b=$(writes); s1=$(date +%s.%N)
IDLE_RATE=$(echo "($b - $a) / ($s1 - $s0)" | bc -l)
a=$(writes); s0=$(date +%s.%N)
BUSY=$(load)
b=$(writes); s1=$(date +%s.%N)
BUSY_RATE=$(echo "($b - $a) / ($s1 - $s0)" | bc -l)
FAILING=$(sqlite3 -cmd ".timeout 10000" "$DB" "SELECT COUNT(*) FROM linked_accounts WHERE status <> 'ok'")
EVER=$(refreshed)
RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)

for r in "$QUIET" "$BUSY"; do
  if [[ "$(field non2xx "$r")" != 0 || -z "$(field rps "$r")" ]]; then
    echo "a load run had failures, figures are not comparable: $r" >&2
    exit 1
  fi
done
DEMAND=$(echo "$ACCOUNTS / (0.8 * $TTL)" | bc -l)
printf '\nbench/refresh  %s X accounts (linked in %.1f s), %s-s tokens, %s cores\n' \
  "$ACCOUNTS" "$(echo "$t1 - $t0" | bc -l)" "$TTL" "$(nproc)"
printf 'refreshes/s, no HTTP load:        %8.0f   (demand %.0f/s)\n' "$IDLE_RATE" "$DEMAND"
printf 'refreshes/s, under GET load:      %8.0f\n' "$BUSY_RATE"
printf '=> refreshes per hour:            %8.0f   accounts with 1-hour tokens kept alive: %.0f\n' \
  "$(echo "$IDLE_RATE * 3600" | bc -l)" "$(echo "$IDLE_RATE * 2880" | bc -l)"
printf 'accounts refreshed at least once: %8s of %s   not ok: %s   server RSS: %s KiB\n' \
  "$EVER" "$ACCOUNTS" "$FAILING" "$RSS"
printf '\n%-34s %10s %10s %10s\n' "GET /api/user (wrk -t2 -c50)" "req/s" "p50 (ms)" "p99 (ms)"
row() { printf '%-34s %10s %10.2f %10.2f\n' "$1" "$(field rps "$2")" \
  "$(echo "$(field p50_us "$2") / 1000" | bc -l)" "$(echo "$(field p99_us "$2") / 1000" | bc -l)"; }
row "quiet (nothing due)" "$QUIET"
row "while the refresher runs flat out" "$BUSY"
