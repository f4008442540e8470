#!/usr/bin/env bash
# bench/webhooks: how fast sociald delivers webhooks, and what an event costs
# the request that produces it.
#
#   bench/webhooks/run.sh [--events N] [--db URL] [--smoke]
#
# 1. Throughput: N events (default 10,000: 1,000 profiles x 10 networks)
#    are queued while no server runs (`sociald profile delete` writes an
#    unlink event per linked network); then a server starts and delivers
#    them to nginx on loopback (which answers 200 at once). Reported:
#    deliveries per second from start to the last delivery, with the
#    reference of the same number of POSTs sent to the same nginx by wrk.
# 2. Latency: sequential DELETE /api/profiles/social calls that unlink (and
#    write the event with the change) against the same call when nothing
#    is linked (no write): the difference is what an event adds.
# --db URL: run on that PostgreSQL database instead of SQLite in the data
# directory; it must be fresh (created empty by the caller, who also drops
# it). Only the option chooses it, never SOCIALD_DB: the bench deletes
# profiles, and a variable left set must not point it at a database that
# matters. bench/postgres/run.sh runs it both ways.
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
EVENTS=10000 WRK_SECS=5 LAT_N=1000 DB_URL=""
while (($#)); do
  case "$1" in
    --events) EVENTS=$2; shift 2 ;;
    --db) DB_URL=$2; shift 2 ;;
    --smoke) EVENTS=100 WRK_SECS=1 LAT_N=50; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
bash scripts/build.sh release
BIN=$PWD/build/sociald
WORK=$(mktemp -d /tmp/sociald-bench-hooks.XXXXXX)
chmod 755 "$WORK"
read -r PORT NPORT < <(free_ports 2)
SPID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null || true
  [[ -n "${POLL_PID:-}" ]] && kill "$POLL_PID" 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/nginx.conf" <<NGX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NPORT;
    location /hook { client_body_buffer_size 64k; return 200 "ok"; }
  }
}
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK"
HOOK="http://127.0.0.1:$NPORT/hook"
# The database, given to every sociald command (serve, seed, profile);
# sql QUERY reads it.
if [[ -n "$DB_URL" ]]; then
  [[ "$DB_URL" == postgresql://* || "$DB_URL" == postgres://* ]] \
    || { echo "--db: a postgresql:// URL (SQLite is the default)" >&2; exit 2; }
  DBARGS=(--db "$DB_URL")
  sql() { psql -X -q -tA -v ON_ERROR_STOP=1 "$DB_URL" -c "$1"; }
else
  DBARGS=(--db "$WORK/data/sociald.db")
  sql() { sqlite3 -cmd ".timeout 10000" "$WORK/data/sociald.db" "$1"; }
fi
# sociald creates the data directory for SQLite, not when the database is
# elsewhere; master.key lives there either way.
mkdir -p -m 700 "$WORK/data"
ARGS=("${DBARGS[@]}" --data "$WORK/data" --listen "127.0.0.1:$PORT" --access-log false --rate-limit 100000000
      --webhook-allow-private --webhook-allow-http --log-level warn)

PROFILES=$(( (EVENTS + 9) / 10 ))
"$BIN" seed "${DBARGS[@]}" --data "$WORK/data" --profiles "$PROFILES" --accounts 10 --keys-out "$WORK/keys.txt" \
  > "$WORK/seed.json" 2>/dev/null
KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/seed.json")

start_server() {
  "$BIN" serve "${ARGS[@]}" 2>>"$WORK/server.log" &
  SPID=$!
  wait_ready "http://127.0.0.1:$PORT/healthz" "the server" || { cat "$WORK/server.log" >&2; exit 1; }
}
stop_server() { kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""; }

# Register the account's webhook, then stop: events queue with no server.
start_server
curl -sf -X POST "http://127.0.0.1:$PORT/api/hook/webhook" -H "Authorization: Bearer $KEY" \
  -d "{\"action\":\"social\",\"url\":\"$HOOK\",\"secret\":\"bench-secret-0123456789\"}" >/dev/null
REFS=$(curl -sf "http://127.0.0.1:$PORT/api/profiles" -H "Authorization: Bearer $KEY" \
  | grep -o '"refId":"[0-9a-f]*"' | cut -d'"' -f4)
stop_server

echo "queuing $EVENTS events (deleting $PROFILES profiles)..." >&2
for r in $REFS; do "$BIN" profile delete "${DBARGS[@]}" --ref-id "$r" --data "$WORK/data" >/dev/null 2>&1; done
# The deliveries waiting (not every job: the batch sweeper has one too).
QUEUED=$(sql "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'")
[[ "$QUEUED" -ge "$EVENTS" ]] || { echo "only $QUEUED deliveries queued for $EVENTS events" >&2; exit 1; }

if [[ -n "$DB_URL" ]]; then
  # One psql session asked every 50 ms, each query its own transaction. A
  # psql started for each poll (a backend forked, authenticated, its caches
  # filled) took about half a core of the two the measured server shares;
  # one statement looping inside the server would hold back the pruning of
  # the dead rows that leasing and recording walk.
  coproc POLL { psql -X -q -tA -v ON_ERROR_STOP=1 "$DB_URL"; }
  done_all() {
    local n
    echo "SELECT COUNT(*) FROM deliveries WHERE status <> 'pending';" >&"${POLL[1]}"
    read -r -t 10 n <&"${POLL[0]}" || { echo "bench: the polling psql did not answer" >&2; exit 1; }
    [[ "$n" -ge "$QUEUED" ]]
  }
else
  done_all() { [[ $(sql "SELECT COUNT(*) FROM deliveries WHERE status <> 'pending'") -ge "$QUEUED" ]]; }
fi
t0=$(date +%s%N)
start_server
wait_until 600 "$QUEUED deliveries" done_all
t1=$(date +%s%N)
if [[ -n "$DB_URL" ]]; then
  exec {POLL[1]}>&-
  wait "$POLL_PID" 2>/dev/null || true
fi
DELIVERED=$(sql "SELECT COUNT(*) FROM deliveries WHERE status = 'delivered'")
[[ "$DELIVERED" == "$QUEUED" ]] || { echo "$DELIVERED of $QUEUED delivered" >&2; exit 1; }
stop_server
DPS=$(echo "$QUEUED / (($t1 - $t0) / 1000000000)" | bc -l)

# Reference: the same number of POSTs of a typical event body to the same nginx.
BODY=$(sql "SELECT payload FROM events LIMIT 1")
printf 'wrk.method = "POST"\nwrk.body = [[%s]]\nwrk.headers["Content-Type"] = "application/json"\n' "$BODY" > "$WORK/post.lua"
REF=$(wrk -t1 -c64 -d"${WRK_SECS}s" -s "$WORK/post.lua" "$HOOK" 2>/dev/null | awk '/Requests\/sec/ {print $2}')

# Latency of an event-producing request.
"$BIN" seed "${DBARGS[@]}" --data "$WORK/data" --profiles 100 --accounts 10 --keys-out "$WORK/keys2.txt" \
  > "$WORK/seed2.json" 2>/dev/null
KEY2=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/seed2.json")
start_server
curl -sf -X POST "http://127.0.0.1:$PORT/api/hook/webhook" -H "Authorization: Bearer $KEY2" \
  -d "{\"action\":\"social\",\"url\":\"$HOOK\"}" >/dev/null
LAT=$(node bench/webhooks/latency.mjs "$PORT" "$KEY2" "$WORK/keys2.txt" "$LAT_N" | grep '^RESULT')
stop_server

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }
printf '\nbench/webhooks  %s cores, %s\n' "$(nproc)" "$([[ -n "$DB_URL" ]] && echo PostgreSQL || echo SQLite)"
printf 'throughput: %s events delivered (%s queued) in %.2f s = %.0f deliveries/s (signed, to nginx on loopback)\n' \
  "$DELIVERED" "$QUEUED" "$(echo "($t1 - $t0) / 1000000000" | bc -l)" "$DPS"
printf 'reference:  wrk POSTing the same body to the same nginx, 64 connections: %s req/s\n' "$REF"
printf 'latency of DELETE /api/profiles/social (sequential, %s each):\n' "$LAT_N"
printf '  unlink + event in one transaction: p50 %s ms  p99 %s ms\n' "$(field event_p50_ms "$LAT")" "$(field event_p99_ms "$LAT")"
printf '  nothing to unlink (no write):      p50 %s ms  p99 %s ms\n' "$(field plain_p50_ms "$LAT")" "$(field plain_p99_ms "$LAT")"
printf '  added by the write and its event:  p50 %.3f ms\n' "$(echo "$(field event_p50_ms "$LAT") - $(field plain_p50_ms "$LAT")" | bc -l)"
