#!/usr/bin/env bash
# bench/postgres: sociald on PostgreSQL against sociald on SQLite, and
# several sociald processes sharing one PostgreSQL database.
#
#   bench/postgres/run.sh [--profiles N] [--seconds S] [--smoke]
#
# In one run on this machine, against a throwaway PostgreSQL cluster
# (scripts/pg.sh, on the same cores):
# 1. Warm GET /api/user, one process: sociald on SQLite and sociald on
#    PostgreSQL, each seeded with N (10,000) profiles x 10 linked accounts
#    and loaded once its cache warm has ended (GET /metrics:
#    sociald_cache_warming 0) with wrk -t2 -c50, a different profile key on
#    every request rotating over all N (bench/user/rotate.lua). The two are
#    loaded in turn, twice (SQLite, PostgreSQL, SQLite, PostgreSQL): one
#    run of each would mostly compare the noise between two runs. Prints
#    req/s, p50, p99 and the PostgreSQL/SQLite ratio of req/s (target >= 0.8).
# 2. 1, 2 and 3 processes on the PostgreSQL database of 1: the same load
#    (50 connections in all) split over them, one wrk per process, all at
#    once (-t2 -c50 for one process; -t1 and 50/k connections each for k).
#    Prints the total req/s and each process's. Processes, wrk and
#    PostgreSQL share the machine's cores: the total is bounded by them.
# 3. Visibility (bench/postgres/visibility.mjs): with processes A and B on
#    that database, 1,000 title changes through A (PATCH /api/profiles, a
#    different profile each time); for each, the time from A's 200 until
#    B's GET /api/user, polled every 1 ms, shows the new title. Prints p50,
#    p99 and max (target p99 <= 250 ms).
# 4. Webhook deliveries per second, one process: bench/webhooks/run.sh on a
#    fresh PostgreSQL database (--db) and, for reference, on SQLite (target
#    >= 5,000/s per process).
# Any failed request, server that dies, part that does not finish or error
# in a server's log fails the bench. Timings are for reading, never
# asserted: machines are noisy (the load average at the start is printed).
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
unset SOCIALD_DB # each sociald here is told its database
PROFILES=10000 SECONDS_=10 CONNS=50 WARM=3 ROUNDS=2 VIS_N=1000 SMOKE=()
while (($#)); do
  case "$1" in
    --profiles) PROFILES=$2; shift 2 ;;
    --seconds) SECONDS_=$2; shift 2 ;;
    --smoke) PROFILES=200 SECONDS_=1 CONNS=8 WARM=1 VIS_N=20 SMOKE=(--smoke); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bash scripts/setup.sh
bash scripts/build.sh release
BIN=$PWD/build/sociald
WORK=$(mktemp -d /tmp/sociald-bench-pg.XXXXXX)
chmod 755 "$WORK" # scripts/pg.sh runs the cluster as postgres when we are root
# In WORK: cluster/ (the PostgreSQL cluster), sqlite/ and pg/ (each one's
# seed: data/ with master.key and SQLite's database, keys.txt, seed.json),
# the servers' logs and wrk's results.
SPIDS=() # the servers running, in start order
WRKS=()  # the wrk running
cleanup() {
  local pid
  for pid in "${WRKS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SPIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SPIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -f "$WORK/cluster/.sociald-pg" ]] && bash scripts/pg.sh stop "$WORK/cluster" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

printf 'bench/postgres  %s  %s cores  load average at start %s\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" \
  "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

echo "starting PostgreSQL..." >&2
MAINT=$(bash scripts/pg.sh start "$WORK/cluster")
PGBASE=${MAINT%/postgres}
newdb() { # NAME: creates an empty database, prints its URL
  psql -X -q -v ON_ERROR_STOP=1 "$MAINT" -c "CREATE DATABASE $1" >&2
  echo "$PGBASE/$1"
}
PGURL=$(newdb bench)

# seed NAME DB...: seeds N profiles x 10 linked accounts into $WORK/NAME
# (keys.txt, seed.json), the database given by the arguments that follow.
seed() {
  local name=$1
  shift
  mkdir -p -m 700 "$WORK/$name/data" # master.key; sociald makes it only for SQLite
  "$BIN" seed "$@" --data "$WORK/$name/data" --profiles "$PROFILES" --accounts 10 \
    --keys-out "$WORK/$name/keys.txt" >"$WORK/$name/seed.json" 2>>"$WORK/$name/seed.log" \
    || { cat "$WORK/$name/seed.log" >&2; exit 1; }
}
echo "seeding $PROFILES profiles x 10 linked accounts into SQLite and PostgreSQL..." >&2
seed sqlite --db "$WORK/sqlite/data/sociald.db"
seed pg --db "$PGURL"
api_key() { sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/$1/seed.json"; }
export BENCH_DIR=$PWD/bench/user

# serve NAME DB...: starts one more sociald on the data of NAME and the
# database given by the arguments that follow; returns once its cache
# warm has ended. Sets PORT (its port) and appends its pid to SPIDS.
serve() {
  local name=$1 pid log
  shift
  read -r PORT < <(free_ports 1)
  log=$WORK/server-$name-$PORT.log
  "$BIN" serve "$@" --data "$WORK/$name/data" --listen "127.0.0.1:$PORT" \
    --rate-limit 100000000 --access-log false 2>>"$log" &
  pid=$!
  SPIDS+=("$pid")
  wait_ready "http://127.0.0.1:$PORT/healthz" "sociald on $name" || { cat "$log" >&2; exit 1; }
  warmed() {
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    curl -sf "http://127.0.0.1:$PORT/metrics" | grep -q '^sociald_cache_warming 0'
  }
  wait_until 300 "the cache warm of sociald on $name" warmed
}
# stop_last: stops the server started last.
stop_last() {
  local pid=${SPIDS[-1]}
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  unset 'SPIDS[-1]'
}
alive() {
  local pid
  for pid in "${SPIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "bench: sociald $pid died; the last lines of the servers' logs:" >&2; tail -n 20 "$WORK"/server-*.log >&2; exit 1; }
  done
}

# wrk_start OUT NAME PORT THREADS CONNS SECS: one wrk in the background
# (uniform rotation over NAME's profile keys), its output into OUT.
wrk_start() {
  KEYS_FILE=$WORK/$2/keys.txt API_KEY=$(api_key "$2") \
    wrk -t"$4" -c"$5" -d"$6s" --latency -s bench/user/rotate.lua "http://127.0.0.1:$3/api/user" \
    >"$1" 2>&1 &
  WRKS+=($!)
}
wrk_wait() {
  local p
  for p in "${WRKS[@]}"; do wait "$p"; done
  WRKS=()
  alive
}
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }
# checked FILE: the RESULT line of wrk's output in FILE, or the bench
# fails if it has none or counts a failed request.
checked() {
  local r
  r=$(grep '^RESULT' "$1" || true)
  if [[ -z "$(field rps "$r")" || "$(field non2xx "$r")" != 0 || "$(field errors "$r")" != 0 ]]; then
    echo "bench: a load run failed or had failures: '$r'" >&2
    exit 1
  fi
  echo "$r"
}
ms() { printf '%.2f' "$(echo "$1 / 1000" | bc -l)"; }
# CPU time: ticks PID... prints the user+system clock ticks the processes
# used so far (gone ones count 0); pg_pids prints the cluster's processes
# (the postmaster and its children: the backends serving sociald).
ticks() {
  local t=0 p
  for p; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
pg_pids() {
  local pm
  pm=$(head -n 1 "$WORK/cluster/data/postmaster.pid")
  echo "$pm" $(pgrep -P "$pm")
}
HZ=$(getconf CLK_TCK)
secs() { printf '%.1f' "$(echo "$1 / $HZ" | bc -l)"; }

# ---- 1. one process, SQLite against PostgreSQL ----
echo "1. one process: SQLite and PostgreSQL in turn..." >&2
serve sqlite --db "$WORK/sqlite/data/sociald.db"
SQ_PORT=$PORT SQ_PID=${SPIDS[-1]}
serve pg --db "$PGURL"
PG_PORT=$PORT PG_PID=${SPIDS[-1]}
# load NAME PORT PID OUT: a warm-up, then the measured run; its RESULT
# line into OUT with scpu= (sociald's ticks in the run) and pgcpu= (the
# cluster's).
load() {
  local pgp c0 p0 r
  wrk_start /dev/null "$1" "$2" 2 "$CONNS" "$WARM"
  wrk_wait
  pgp=$(pg_pids)
  c0=$(ticks "$3") p0=$(ticks $pgp)
  wrk_start "$4" "$1" "$2" 2 "$CONNS" "$SECONDS_"
  wrk_wait
  r="$(grep '^RESULT' "$4" || true) scpu=$(($(ticks "$3") - c0)) pgcpu=$(($(ticks $pgp) - p0))"
  echo "$r" >"$4"
}
P1=()
for ((i = 1; i <= ROUNDS; i++)); do
  load sqlite "$SQ_PORT" "$SQ_PID" "$WORK/one-sqlite-$i.txt"
  r=$(checked "$WORK/one-sqlite-$i.txt")
  P1+=("SQLite, run $i|$r")
  load pg "$PG_PORT" "$PG_PID" "$WORK/one-pg-$i.txt"
  r=$(checked "$WORK/one-pg-$i.txt")
  P1+=("PostgreSQL, run $i|$r")
done
stop_last
stop_last

# ---- 2. 1, 2, 3 processes on one PostgreSQL database ----
echo "2. 1, 2 and 3 processes on one PostgreSQL database..." >&2
PORTS=()
P2=()
for k in 1 2 3; do
  serve pg --db "$PGURL"
  PORTS+=("$PORT")
  threads=$((k == 1 ? 2 : 1))
  for ((j = 0; j < k; j++)); do
    c=$((CONNS / k + (j < CONNS % k ? 1 : 0)))
    wrk_start /dev/null pg "${PORTS[j]}" "$threads" "$c" "$WARM"
  done
  wrk_wait
  for ((j = 0; j < k; j++)); do
    c=$((CONNS / k + (j < CONNS % k ? 1 : 0)))
    wrk_start "$WORK/multi-$j.txt" pg "${PORTS[j]}" "$threads" "$c" "$SECONDS_"
  done
  wrk_wait
  total=0 each="" worst=0
  for ((j = 0; j < k; j++)); do
    r=$(checked "$WORK/multi-$j.txt")
    total=$((total + $(field rps "$r")))
    each+="${each:+ + }$(field rps "$r")"
    ((worst > $(field p99_us "$r"))) || worst=$(field p99_us "$r")
  done
  P2+=("$k|$total|$each|$worst")
done

# ---- 3. visibility of a change from one process in another ----
echo "3. visibility: $VIS_N changes through A, read through B..." >&2
stop_last # A and B: the first two of part 2
VIS=$(node bench/postgres/visibility.mjs "${PORTS[0]}" "${PORTS[1]}" "$(api_key pg)" \
  "$WORK/pg/keys.txt" "$VIS_N" 1 | grep '^RESULT') \
  || { echo "bench: the visibility run failed" >&2; exit 1; }
alive
stop_last
stop_last

# Warnings and errors in the servers' logs (parts 1-3), each with its
# log's name (server-<sqlite|pg>-<port>.log), and PostgreSQL's errors: shown
# after the figures; an error fails the bench there.
ERRS=$(cd "$WORK" && grep -E '"level":"(warn|error)"' server-*.log || true)
PGERRS=$(grep -E -A5 '(ERROR|FATAL|PANIC):' "$WORK/cluster/server.log" | grep -v '^--$' || true)

# ---- 4. webhook deliveries per second ----
echo "4. webhook deliveries: bench/webhooks/run.sh on SQLite, then on PostgreSQL..." >&2
HOOKS_SQ=$(bash bench/webhooks/run.sh "${SMOKE[@]}") \
  || { echo "bench: bench/webhooks/run.sh (SQLite) failed" >&2; exit 1; }
HOOKS_PG=$(bash bench/webhooks/run.sh "${SMOKE[@]}" --db "$(newdb hooks)") \
  || { echo "bench: bench/webhooks/run.sh (PostgreSQL) failed" >&2; exit 1; }
dps() { sed -n 's/.* = \([0-9]*\) deliveries\/s.*/\1/p' <<<"$1"; }
[[ -n "$(dps "$HOOKS_SQ")" && -n "$(dps "$HOOKS_PG")" ]] \
  || { echo "bench: no deliveries/s in bench/webhooks/run.sh's output" >&2; exit 1; }

# ---- the report ----
printf '\n1. warm GET /api/user, one process: %s profiles x 10 linked, wrk -t2 -c%s -d%ss (+%s s warm-up),\n' \
  "$PROFILES" "$CONNS" "$SECONDS_" "$WARM"
printf '   uniform rotation over all profile keys, --rate-limit 100000000 --access-log false\n'
printf '%-24s %9s %9s %9s %15s %15s\n' "" "req/s" "p50 (ms)" "p99 (ms)" "sociald CPU s" "postgres CPU s"
sq=0 pg=0
for row in "${P1[@]}"; do
  r=${row#*|}
  printf '%-24s %9s %9s %9s %15s %15s\n' "${row%%|*}" "$(field rps "$r")" "$(ms "$(field p50_us "$r")")" \
    "$(ms "$(field p99_us "$r")")" "$(secs "$(field scpu "$r")")" "$(secs "$(field pgcpu "$r")")"
  case "$row" in
    SQLite*) sq=$((sq + $(field rps "$r"))) ;;
    *) pg=$((pg + $(field rps "$r"))) ;;
  esac
done
printf 'PostgreSQL/SQLite req/s: %.2f (runs summed; target >= 0.8)\n' "$(echo "$pg / $sq" | bc -l)"
printf '(CPU s: used during the measured %s s by the sociald loaded and by the whole PostgreSQL cluster;\n' "$SECONDS_"
printf ' the machine has %s s of it in that time, wrk included)\n' "$(($(nproc) * SECONDS_))"

printf '\n2. k processes on one PostgreSQL database, %s connections in all: one wrk per process, all at once\n' "$CONNS"
printf '   (k=1: -t2 -c%s; k=2, 3: -t1 each, the connections split), -d%ss after a %s s warm-up\n' \
  "$CONNS" "$SECONDS_" "$WARM"
printf '%-10s %12s  %-28s %14s\n' "processes" "total req/s" "per process (req/s)" "worst p99 (ms)"
for row in "${P2[@]}"; do
  IFS='|' read -r k total each worst <<<"$row"
  printf '%-10s %12s  %-28s %14s\n' "$k" "$total" "$each" "$(ms "$worst")"
done
printf 'this machine has %s cores: the sociald processes, wrk and PostgreSQL all run on them,\n' "$(nproc)"
printf 'so the total is bounded by those %s cores, not by the number of processes.\n' "$(nproc)"

printf '\n3. visibility: %s title changes through A (PATCH /api/profiles, a different profile each time),\n' "$(field n "$VIS")"
printf '   B polled with GET /api/user every 1 ms until it shows the new title (A and B had just\n'
printf '   served part 2'"'"'s load); from A'"'"'s 200:\n'
vf() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$VIS"; }
printf '   p50 %s ms   p99 %s ms   max %s ms   (target p99 <= 250 ms; %s GETs of B in all)\n' \
  "$(vf p50_ms)" "$(vf p99_ms)" "$(vf max_ms)" "$(vf polls)"
printf '   %s of %s seen only after 25 ms or more (about the 50 ms poll: no NOTIFY woke B in time)\n' \
  "$(vf slow)" "$(vf n)"

printf '\n4. webhook deliveries per second, one process (bench/webhooks/run.sh%s; target >= 5000/s):\n' \
  "${SMOKE:+ --smoke}"
printf '   SQLite      %6s deliveries/s\n' "$(dps "$HOOKS_SQ")"
printf '   PostgreSQL  %6s deliveries/s\n' "$(dps "$HOOKS_PG")"
printf '   bench/webhooks output, SQLite then PostgreSQL:\n'
sed -e '/^$/d' -e 's/^/   | /' <<<"$HOOKS_SQ"
sed -e '/^$/d' -e 's/^/   | /' <<<"$HOOKS_PG"
if [[ -n "$ERRS" ]]; then
  printf '\nwarnings and errors in the servers'"'"' logs (parts 1-3):\n'
  sed 's/^/   /' <<<"$ERRS"
fi
if [[ -n "$PGERRS" ]]; then
  printf '\nerrors in PostgreSQL'"'"'s log (parts 1-3), with what it logged after each:\n'
  sed 's/^/   /' <<<"$PGERRS"
fi
if grep -q '"level":"error"' <<<"$ERRS"; then
  echo "bench: the servers logged errors (above): the figures may not mean what they say" >&2
  exit 1
fi
