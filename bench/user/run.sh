#!/usr/bin/env bash
# bench/user: GET /api/user under load, against nginx serving the same bytes.
#
#   bench/user/run.sh [--profiles N] [--seconds S] [--connections C] [--smoke]
#
# Seeds N (10,000) user profiles x 10 linked accounts, loads GET /api/user
# with wrk (keep-alive, C=50 connections, a different profile key on every
# request), then in the same run has nginx serve the identical response
# bytes as a static file under the same load. Prints requests/s, p50/p99 and
# the ratio, sociald's idle RSS and its time from start to first answer.
# Both run without access logs; a third run shows sociald with its default
# access log on. Timings are for reading, never asserted: machines are noisy.
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
PROFILES=10000 SECONDS_=10 CONNS=50 WARM=3
while (($#)); do
  case "$1" in
    --profiles) PROFILES=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --smoke) PROFILES=200 SECONDS_=1 CONNS=8 WARM=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
bash scripts/build.sh release
BIN=$PWD/build/sociald
WORK=$(mktemp -d /tmp/sociald-bench-user.XXXXXX)
read -r PORT NPORT < <(free_ports 2)
SPID="" NGINX_PID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null || true
  [[ -f "$WORK/nginx.pid" ]] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "seeding $PROFILES profiles x 10 linked accounts..." >&2
t0=$(date +%s.%N)
"$BIN" seed --data "$WORK/data" --profiles "$PROFILES" --accounts 10 --keys-out "$WORK/keys.txt" \
  > "$WORK/seed.json" 2>/dev/null
t1=$(date +%s.%N)
API_KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/seed.json")
export API_KEY KEYS_FILE=$WORK/keys.txt BENCH_DIR=$PWD/bench/user

read -r SPID START_MS < <(node bench/user/startup.mjs "$BIN" "$WORK/data" "$PORT" "$WORK/server.log")
[[ -n "$SPID" ]] || { cat "$WORK/server.log" >&2; exit 1; }
sleep 0.5
IDLE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)

# The exact bytes one profile's GET /api/user returns, for nginx to serve.
mkdir -p "$WORK/html"
chmod 755 "$WORK" "$WORK/html"  # nginx workers run as another user
curl -sf "http://127.0.0.1:$PORT/api/user" -H "Authorization: Bearer $API_KEY" \
  -H "Profile-Key: $(head -n 1 "$KEYS_FILE")" > "$WORK/html/user.json"
BYTES=$(stat -c %s "$WORK/html/user.json")
cat > "$WORK/nginx.conf" <<NGX
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$NPORT;
    location / { root $WORK/html; default_type "application/json; charset=utf-8"; }
  }
}
NGX
nginx -c "$WORK/nginx.conf" -p "$WORK"
wait_ready "http://127.0.0.1:$NPORT/user.json" nginx
cmp -s "$WORK/html/user.json" <(curl -sf "http://127.0.0.1:$NPORT/user.json") \
  || { echo "nginx does not serve the reference bytes" >&2; exit 1; }

load() { # url script -> RESULT line
  wrk -t2 -c"$CONNS" -d"${WARM}s" -s "$2" "$1" >/dev/null 2>&1 || true   # warm-up
  wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s "$2" "$1" 2>/dev/null | grep '^RESULT'
}
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

S=$(load "http://127.0.0.1:$PORT/api/user" bench/user/rotate.lua)
N=$(load "http://127.0.0.1:$NPORT/user.json" bench/user/static.lua)
LOADED_RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
kill "$SPID"; SPID=""
sleep 0.5
read -r SPID _ < <(ACCESS_LOG=true node bench/user/startup.mjs "$BIN" "$WORK/data" "$PORT" "$WORK/server.log")
[[ -n "$SPID" ]] || { cat "$WORK/server.log" >&2; exit 1; }
SL=$(load "http://127.0.0.1:$PORT/api/user" bench/user/rotate.lua)

s_rps=$(field rps "$S") n_rps=$(field rps "$N") sl_rps=$(field rps "$SL")
for r in "$S" "$N" "$SL"; do
  if [[ "$(field non2xx "$r")" != 0 || -z "$(field rps "$r")" ]]; then
    echo "a load run had failures, figures are not comparable: $r" >&2
    exit 1
  fi
done
printf '\nbench/user  %s profiles x 10 linked, %s-byte body, wrk -t2 -c%s -d%ss, %s cores\n' \
  "$PROFILES" "$BYTES" "$CONNS" "$SECONDS_" "$(nproc)"
printf '%-34s %10s %10s %10s %8s\n' "" "req/s" "p50 (ms)" "p99 (ms)" "non-2xx"
row() { printf '%-34s %10s %10.2f %10.2f %8s\n' "$1" "$(field rps "$2")" \
  "$(echo "$(field p50_us "$2") / 1000" | bc -l)" "$(echo "$(field p99_us "$2") / 1000" | bc -l)" "$(field non2xx "$2")"; }
row "sociald GET /api/user" "$S"
row "nginx, same bytes (reference)" "$N"
row "sociald, access log on" "$SL"
printf '\nratio sociald/nginx: %.2f (target >= 0.70)   with access log: %.2f\n' \
  "$(echo "$s_rps / $n_rps" | bc -l)" "$(echo "$sl_rps / $n_rps" | bc -l)"
printf 'idle RSS: %s KiB   RSS after load: %s KiB   start to first answer: %s ms   seed: %.1f s\n' \
  "$IDLE_RSS" "$LOADED_RSS" "$START_MS" "$(echo "$t1 - $t0" | bc -l)"
