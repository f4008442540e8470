#!/usr/bin/env bash
# bench/user: GET /api/user under load, against nginx serving the same bytes.
#
#   bench/user/run.sh [--profiles N] [--dist uniform|zipf|both] [--seconds S]
#                     [--connections C] [--rounds R] [--data DIR] [--smoke]
#
# Seeds N (10,000) user profiles x 10 linked accounts, loads GET /api/user
# with wrk (keep-alive, C=50 connections) for each distribution asked
# (both by default):
#  - uniform: a different profile key on every request, rotating over all N
#    from a random start per wrk thread (every profile as cold as N makes it);
#  - zipf: rank k drawn with P(rank <= k) = ln k / ln N (a few hot profiles,
#    most cold; bench/user/zipf.lua).
# sociald runs as deployed: its cache warm at start (--cache-warm) has ended
# before the load (the time it took is printed). One more row is a server
# started without the warm, loaded right after its start (the first
# distribution): what the first minute after a restart looks like without
# it, nearly every read coming from the database; that server also gives
# the idle RSS (the process with nothing cached) and the time from start to
# first answer.
# In the same run nginx serves the identical response bytes as a static file
# under the same load: the same wrk script for each distribution (the same
# profile keys in the same headers, which nginx ignores), so that the load
# generator, which shares the cores, does the same work per request for
# both. The load generator's own per-request work (a new key string each
# request) is not free: it moves nginx's p99 too (one static request
# instead: the last nginx row, the reference of earlier versions of this
# bench). sociald and nginx take turns, R rounds (3 by default) of each
# distribution; each row is the median of its rounds (req/s, p50 and p99
# each), and the p99 of every round is printed: one 10 s run's p99 on two
# shared cores moves by several times from one run to the next. Prints requests/s, p50/p99 and the ratio to nginx, the
# bytes sociald wrote to disk per request (/proc/PID/io write_bytes over the
# run: reads should write nothing). Both run without access logs; the last
# runs compare the access log on and off (fresh servers in turn). Timings are
# for reading, never asserted: machines are noisy.
# --data DIR: keep the seeded data in DIR and reuse it when it is there (a
# million profiles take a while to seed; the seed time is then not printed).
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
PROFILES=10000 SECONDS_=10 CONNS=50 WARM=3 DIST=both KEEP="" ROUNDS=3
while (($#)); do
  case "$1" in
    --profiles) PROFILES=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --connections) CONNS=$2; shift 2 ;;
    --dist) DIST=$2; shift 2 ;;
    --data) KEEP=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --smoke) PROFILES=200 SECONDS_=1 CONNS=8 WARM=1 ROUNDS=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$DIST" in
  uniform) DISTS=(uniform) ;;
  zipf) DISTS=(zipf) ;;
  both) DISTS=(uniform zipf) ;;
  *) echo "--dist is uniform, zipf or both" >&2; exit 2 ;;
esac
[[ "$ROUNDS" =~ ^[1-9]$ ]] || { echo "--rounds is 1 to 9" >&2; exit 2; }
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

SEEDDIR=${KEEP:-$WORK/seed}
SEED_S=""
if [[ -n "$KEEP" && -f "$KEEP/seed.json" && -f "$KEEP/keys.txt" ]]; then
  [[ "$(wc -l < "$KEEP/keys.txt")" == "$PROFILES" ]] \
    || { echo "$KEEP holds $(wc -l < "$KEEP/keys.txt") profiles, not $PROFILES" >&2; exit 2; }
  echo "reusing the $PROFILES profiles seeded in $KEEP" >&2
else
  echo "seeding $PROFILES profiles x 10 linked accounts..." >&2
  mkdir -p "$SEEDDIR"
  t0=$(date +%s.%N)
  "$BIN" seed --data "$SEEDDIR/data" --profiles "$PROFILES" --accounts 10 \
    --keys-out "$SEEDDIR/keys.txt.part" > "$SEEDDIR/seed.json.part" 2>/dev/null
  t1=$(date +%s.%N)
  SEED_S=$(echo "$t1 - $t0" | bc -l)
  mv "$SEEDDIR/keys.txt.part" "$SEEDDIR/keys.txt"
  mv "$SEEDDIR/seed.json.part" "$SEEDDIR/seed.json"
fi
API_KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$SEEDDIR/seed.json")
export API_KEY KEYS_FILE=$SEEDDIR/keys.txt BENCH_DIR=$PWD/bench/user

# First a server without the cache warm: its idle RSS (the process alone,
# nothing cached), its start time, and one run of the first distribution
# from a cold cache (what a server that does not warm serves at first).
read -r SPID START_MS < <(CACHE_WARM=false node bench/user/startup.mjs "$BIN" "$SEEDDIR/data" "$PORT" "$WORK/server.log")
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
written() { awk '/^write_bytes/ {print $2}' "/proc/$SPID/io"; }
# sociald under wrk script $1: the RESULT line with wbytes= (disk bytes
# written during the measured run, warm-up excluded).
sload() {
  wrk -t2 -c"$CONNS" -d"${WARM}s" -s "$1" "http://127.0.0.1:$PORT/api/user" >/dev/null 2>&1 || true
  local w0 w1 r
  w0=$(written)
  r=$(wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency -s "$1" "http://127.0.0.1:$PORT/api/user" \
    2>/dev/null | grep '^RESULT')
  w1=$(written)
  echo "$r wbytes=$((w1 - w0))"
}
script_of() { [[ $1 == zipf ]] && echo bench/user/zipf.lua || echo bench/user/rotate.lua; }

# Waits until the server's cache warm has ended (GET /metrics); prints
# the seconds it took from the call.
wait_warm() {
  local t0 t1
  t0=$(date +%s.%N)
  until curl -sf "http://127.0.0.1:$PORT/metrics" | grep -q '^sociald_cache_warming 0'; do
    kill -0 "$SPID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
  done
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
FIRST=$(script_of "${DISTS[0]}")
COLD=$(sload "$FIRST")
restart() { # access-log true|false; the cache warm is on (the default)
  kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""
  read -r SPID _ < <(ACCESS_LOG=$1 node bench/user/startup.mjs "$BIN" "$SEEDDIR/data" "$PORT" "$WORK/server.log")
  [[ -n "$SPID" ]] || { cat "$WORK/server.log" >&2; exit 1; }
  WARM_S=$(wait_warm)
}
restart false
WARMED=$(curl -sf "http://127.0.0.1:$PORT/metrics" | sed -n 's/^sociald_cache_warmed_profiles //p')
WARM_RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
# combine RESULT...: medians of rps, p50 and p99; sums of the counts.
med() { printf '%s\n' "$@" | sort -n | sed -n "$((($# + 1) / 2))p"; }
combine() {
  local f out="RESULT" vals r
  for f in rps p50_us p99_us; do
    vals=()
    for r in "$@"; do vals+=("$(field "$f" "$r")"); done
    out+=" $f=$(med "${vals[@]}")"
  done
  for f in requests non2xx errors wbytes; do
    local sum=0 v have=""
    for r in "$@"; do
      v=$(field "$f" "$r")
      [[ -n "$v" ]] && have=1 sum=$((sum + v))
    done
    [[ -n "$have" ]] && out+=" $f=$sum"
  done
  echo "$out"
}
p99s() { local r out=""; for r in "$@"; do out+=$(printf '%.1f/' "$(echo "$(field p99_us "$r") / 1000" | bc -l)"); done; echo "${out%/}"; }
declare -A RES NRES SP99 NP99
ALL=()
for d in "${DISTS[@]}"; do
  sr=() nr=()
  for ((round = 1; round <= ROUNDS; round++)); do
    sr+=("$(sload "$(script_of "$d")")")
    nr+=("$(REQ_PATH=/user.json load "http://127.0.0.1:$NPORT/user.json" "$(script_of "$d")")")
  done
  RES[$d]=$(combine "${sr[@]}") NRES[$d]=$(combine "${nr[@]}")
  SP99[$d]=$(p99s "${sr[@]}") NP99[$d]=$(p99s "${nr[@]}")
  ALL+=("${sr[@]}" "${nr[@]}")
done
N=$(load "http://127.0.0.1:$NPORT/user.json" bench/user/static.lua)
LOADED_RSS=$(awk '/VmRSS/ {print $2}' /proc/$SPID/status)
# The access log's cost: fresh servers with the log on and off in turn
# (on, off, on), each warmed the same way; the first row above was one
# with it off. Comparing one run of each would mostly measure the noise
# between two runs.
restart true; SL=$(sload "$FIRST")
restart false; S2=$(sload "$FIRST")
restart true; SL2=$(sload "$FIRST")

for r in "${ALL[@]}" "$COLD" "$N" "$SL" "$S2" "$SL2"; do
  if [[ "$(field non2xx "$r")" != 0 || -z "$(field rps "$r")" ]]; then
    echo "a load run had failures, figures are not comparable: $r" >&2
    exit 1
  fi
done
REF=${NRES[${DISTS[0]}]}
printf '\nbench/user  %s profiles x 10 linked, %s-byte body, wrk -t2 -c%s -d%ss, %s round(s), %s cores\n' \
  "$PROFILES" "$BYTES" "$CONNS" "$SECONDS_" "$ROUNDS" "$(nproc)"
printf '%-40s %9s %7s %9s %9s %8s %9s   %s\n' "" "req/s" "ratio" "p50 (ms)" "p99 (ms)" "non-2xx" "B/req" "p99 of each round (ms)"
row() { # label RESULT reference-RESULT [p99 of each round]
  local r=$2 req wb per
  req=$(field requests "$r") wb=$(field wbytes "$r")
  per=$([[ -n "$wb" && "$req" -gt 0 ]] && echo "$((wb / req))" || echo "-")
  printf '%-40s %9s %7.2f %9.2f %9.2f %8s %9s   %s\n' "$1" "$(field rps "$r")" \
    "$(echo "$(field rps "$r") / $(field rps "$3")" | bc -l)" \
    "$(echo "$(field p50_us "$r") / 1000" | bc -l)" "$(echo "$(field p99_us "$r") / 1000" | bc -l)" \
    "$(field non2xx "$r")" "$per" "${4:-}"
}
for d in "${DISTS[@]}"; do
  row "sociald GET /api/user, $d" "${RES[$d]}" "${NRES[$d]}" "${SP99[$d]}"
  row "nginx, same bytes, same requests, $d" "${NRES[$d]}" "${NRES[$d]}" "${NP99[$d]}"
done
row "sociald, no cache warm, ${DISTS[0]}" "$COLD" "$REF"
row "nginx, one static request" "$N" "$REF"
row "sociald, access log on, ${DISTS[0]}" "$SL" "$REF"
row "sociald, access log off, ${DISTS[0]}" "$S2" "$REF"
row "sociald, access log on, ${DISTS[0]}" "$SL2" "$REF"
printf '\nratios are to nginx serving the same requests (the first rows: the same distribution)\n'
printf 'p99 sociald/nginx (medians):'
for d in "${DISTS[@]}"; do
  printf ' %s %.1fx' "$d" "$(echo "$(field p99_us "${RES[$d]}") / $(field p99_us "${NRES[$d]}")" | bc -l)"
done
printf '   against the static request: %.1fx' "$(echo "$(field p99_us "${RES[${DISTS[0]}]}") / $(field p99_us "$N")" | bc -l)"
OFF_RPS=$(($(field rps "${RES[${DISTS[0]}]}") + $(field rps "$S2")))
ON_RPS=$(($(field rps "$SL") + $(field rps "$SL2")))
OFF_P99=$(($(field p99_us "${RES[${DISTS[0]}]}") + $(field p99_us "$S2")))
ON_P99=$(($(field p99_us "$SL") + $(field p99_us "$SL2")))
printf '\naccess log cost (two runs each): %.1f %% of req/s, p99 %+.0f %%\n' \
  "$(echo "(1 - $ON_RPS / $OFF_RPS) * 100" | bc -l)" "$(echo "($ON_P99 / $OFF_P99 - 1) * 100" | bc -l)"
SEED_SHOWN=reused
[[ -n "$SEED_S" ]] && SEED_SHOWN=$(printf '%.1f s' "$SEED_S")
printf 'idle RSS: %s KiB   RSS after load: %s KiB   start to first answer: %s ms   seed: %s\n' \
  "$IDLE_RSS" "$LOADED_RSS" "$START_MS" "$SEED_SHOWN"
printf 'cache warm: %s profiles in %.1f s, RSS then %s KiB\n' "$WARMED" "$WARM_S" "$WARM_RSS"
