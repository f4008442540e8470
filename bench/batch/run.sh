#!/usr/bin/env bash
# bench/batch: the export behind GET /api/user/batch (SPEC §5).
#
#   bench/batch/run.sh [--profiles N] [--accounts M] [--store disk|s3|both]
#                      [--db sqlite|postgres] [--runs R] [--smoke]
#
# Seeds N (100,000) user profiles x M (10) linked accounts, then, for each
# destination (both by default: the data directory, and an S3 store —
# s3rver behind tests/s3/server.mjs on this machine — with --files), starts
# a fresh server, asks for an export and waits for the file. Prints the
# export time (from the server's own "batch export ready" log line, so for
# S3 up to the completed upload), the file size (checked against what the
# URL serves), the server's peak RSS (VmHWM) and, the reference on the same
# data in the same run, the time `sqlite3 -json` (on PostgreSQL, psql's
# row_to_json) takes to dump the same profile and linked-account rows.
# Each destination runs R times (2 by default), taking turns (disk, S3, disk,
# S3: neither always goes first on a cold cache); each row shows the fastest
# run and every run's time. The seed is synced to disk before the first.
# Targets: a million profiles <= 30 s to disk, S3 within 1.5x of disk, peak
# RSS <= 32 MiB (+ the upload parts). Never asserted: machines are noisy.
# --db postgres: the same on a throwaway PostgreSQL cluster (scripts/pg.sh,
# on the same cores, stopped and removed at the end); its server processes
# are not sociald's and are not in the peak RSS. SQLite is the default.
# Either way every sociald command is told its database (never SOCIALD_DB).
# --smoke: a tiny input that runs in seconds; the figures it prints mean
# nothing. The suite runs every bench this way (scripts/bench-smoke.sh) so
# that a bench that hangs or breaks fails CI, not the next person measuring.
set -euo pipefail
cd "$(dirname "$0")/../.."
source bench/lib.sh
unset SOCIALD_DB # every sociald here is told its database
PROFILES=100000 ACCOUNTS=10 STORE=both DBKIND=sqlite RUNS=2
while (($#)); do
  case "$1" in
    --store) STORE=$2; shift 2 ;;
    --db) DBKIND=$2; shift 2 ;;
    --profiles) PROFILES=$2; shift 2 ;;
    --accounts) ACCOUNTS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --smoke) PROFILES=200 ACCOUNTS=3 RUNS=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
case "$STORE" in
  both) MODES=(disk s3) ;;
  disk) MODES=(disk) ;;
  s3) MODES=(s3) ;;
  *) echo "--store is disk, s3 or both" >&2; exit 2 ;;
esac
[[ "$DBKIND" == sqlite || "$DBKIND" == postgres ]] || { echo "--db is sqlite or postgres" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]?$ ]] || { echo "--runs is 1 to 99" >&2; exit 2; }
bash scripts/setup.sh
bash scripts/build.sh release
BIN=$PWD/build/sociald
WORK=$(mktemp -d /tmp/sociald-bench-batch.XXXXXX)
chmod 755 "$WORK" # scripts/pg.sh runs the cluster as postgres when we are root
read -r PORT S3PORT < <(free_ports 2)
SPID="" S3PID=""
cleanup() {
  [[ -n "$SPID" ]] && kill "$SPID" 2>/dev/null || true
  [[ -n "$S3PID" ]] && kill "$S3PID" 2>/dev/null || true
  [[ -f "$WORK/cluster/.sociald-pg" ]] && bash scripts/pg.sh stop "$WORK/cluster" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The database, given to every sociald command; master.key lives in the
# data directory either way (sociald makes it only for SQLite).
mkdir -p -m 700 "$WORK/data"
if [[ "$DBKIND" == postgres ]]; then
  echo "starting PostgreSQL..." >&2
  MAINT=$(bash scripts/pg.sh start "$WORK/cluster")
  psql -X -q -v ON_ERROR_STOP=1 "$MAINT" -c "CREATE DATABASE bench" >&2
  DB=${MAINT%/postgres}/bench
else
  DB=$WORK/data/sociald.db
fi

echo "seeding $PROFILES profiles x $ACCOUNTS linked accounts into $DBKIND..." >&2
t0=$(date +%s.%N)
"$BIN" seed --db "$DB" --data "$WORK/data" --profiles "$PROFILES" --accounts "$ACCOUNTS" \
  > "$WORK/seed.json" 2>"$WORK/seed.log" || { cat "$WORK/seed.log" >&2; exit 1; }
t1=$(date +%s.%N)
KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$WORK/seed.json")
sync # the seed's writes are on disk before any export runs

if [[ " ${MODES[*]} " == *" s3 "* ]]; then
  # The S3 store: s3rver with SigV4 checks (tests/s3/server.mjs), its
  # objects in $WORK.
  npm ci --prefix tests/s3 --no-audit --no-fund --loglevel=error >/dev/null
  mkdir -p "$WORK/s3"
  node tests/s3/server.mjs --dir "$WORK/s3" --port "$S3PORT" --bucket bench-exports \
    --access-key BENCHKEY --secret-key benchsecret 2>"$WORK/s3.log" >/dev/null &
  S3PID=$!
  wait_until 20 "the S3 store" grep -q '"listening"' "$WORK/s3.log"
fi

# export_once MODE: one export of every profile, to the data directory
# (disk) or to the S3 store (s3), by a fresh server (so its peak RSS is this
# export's). Without the cache warm at start (on by default, it would fill
# the cache with every profile while the export runs): this measures the
# export alone. Sets MS BYTES COUNT HWM0 HWM1 ANON FILEB CPU, and for S3
# COMPLETE_MS PARTS.
export_once() {
  local mode=$1 files=() env=() s3lines=0
  if [[ "$mode" == s3 ]]; then
    s3lines=$(wc -l <"$WORK/s3.log")
    files=(--files "s3://bench-exports/batch")
    env=(AWS_ENDPOINT_URL="http://127.0.0.1:$S3PORT" AWS_ACCESS_KEY_ID=BENCHKEY
         AWS_SECRET_ACCESS_KEY=benchsecret AWS_REGION=us-east-1)
  fi
  : >"$WORK/server.log"
  env "${env[@]}" "$BIN" serve --db "$DB" --data "$WORK/data" --listen "127.0.0.1:$PORT" --access-log false \
    --log-level info --jobs-poll-ms 100 --cache-warm false --batch-interval 1 "${files[@]}" \
    2>"$WORK/server.log" &
  SPID=$!
  wait_ready "http://127.0.0.1:$PORT/healthz" "the server" || { cat "$WORK/server.log" >&2; exit 1; }
  HWM0=$(awk '/VmHWM/ {print $2}' /proc/$SPID/status)
  sleep 1.1 # past --batch-interval: a new export, not the last one
  local cpu0
  cpu0=$(awk '{print $14 + $15}' /proc/$SPID/stat)
  URL=$(curl -sf "http://127.0.0.1:$PORT/api/user/batch" -H "Authorization: Bearer $KEY" \
    | sed -n 's/.*"url":"\([^"]*\)".*/\1/p')
  [[ -n "$URL" ]] || { echo "GET /api/user/batch gave no URL" >&2; exit 1; }
  # Sample the resident set while the export runs: anonymous (heap, stacks,
  # upload parts) and file-backed (SQLite's memory-mapped database pages).
  # The wait grows with the input (a million profiles on PostgreSQL take
  # minutes): only a stuck export fails the bench.
  ANON=0 FILEB=0
  local a f limit=$((120 + PROFILES / 2000)) end
  end=$(($(date +%s) + limit))
  while (($(date +%s) < end)); do
    grep -q '"batch export ready"' "$WORK/server.log" && break
    read -r a f < <(awk '/RssAnon/ {a=$2} /RssFile/ {f=$2} END {print a, f}' /proc/$SPID/status)
    ((a > ANON)) && ANON=$a
    ((f > FILEB)) && FILEB=$f
    sleep 0.02
  done
  HWM1=$(awk '/VmHWM/ {print $2}' /proc/$SPID/status)
  # sociald's own CPU time for the export (user + system, all threads).
  CPU=$(awk -v c0="$cpu0" -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($14 + $15 - c0) / hz}' /proc/$SPID/stat)
  local line
  line=$(grep '"batch export ready"' "$WORK/server.log" | tail -n 1) || true
  [[ -n "$line" ]] || { echo "the export ($mode) did not finish in $limit s" >&2; tail -n 5 "$WORK/server.log" >&2; exit 1; }
  MS=$(sed -n 's/.*"ms":\([0-9]*\).*/\1/p' <<<"$line")
  BYTES=$(sed -n 's/.*"bytes":\([0-9]*\).*/\1/p' <<<"$line")
  COUNT=$(sed -n 's/.*"profiles":\([0-9]*\).*/\1/p' <<<"$line")
  # The file as a client gets it (the signed URL on this server, or the
  # pre-signed URL on the store): every byte there.
  curl -sf "$URL" -o "$WORK/file.json"
  local got
  got=$(stat -c %s "$WORK/file.json")
  [[ "$got" == "$BYTES" ]] || { echo "$mode: served $got bytes, the log says $BYTES" >&2; exit 1; }
  rm -f "$WORK/file.json"
  kill "$SPID"; wait "$SPID" 2>/dev/null || true; SPID=""
  # Of an S3 export's time, the store's own completion of the multipart
  # upload, and the parts sent (this run's lines of the store's log).
  COMPLETE_MS=0 PARTS=0
  if [[ "$mode" == s3 ]]; then
    local mine
    mine=$(tail -n +"$((s3lines + 1))" "$WORK/s3.log")
    COMPLETE_MS=$({ grep '"method":"POST"' <<<"$mine" || true; } | { grep '"query":"uploadId=' || true; } \
      | tail -n 1 | sed -n 's/.*"ms":\([0-9]*\).*/\1/p')
    PARTS=$({ grep -c '"query":"partNumber=' <<<"$mine" || true; })
  fi
}

# R[mode]: the fastest run's figures; ALL[mode]: every run's time.
declare -A R ALL
for ((run = 1; run <= RUNS; run++)); do
  for mode in "${MODES[@]}"; do
    export_once "$mode"
    ALL[$mode]+="$(printf '%.2f ' "$(echo "$MS / 1000" | bc -l)")"
    if [[ -z "${R[$mode]:-}" ]] || ((MS < ${R[$mode]%% *})); then
      R[$mode]="$MS $BYTES $COUNT $HWM0 $HWM1 $ANON $FILEB $CPU $COMPLETE_MS $PARTS"
    fi
  done
done

# The reference: the database's own client dumping the same rows as JSON.
ROWS="SELECT p.id, p.ref_id, p.title, p.created_ms, p.details_updated_ms, l.platform,
  l.network_id, l.display_name, l.username, l.profile_url, l.user_image, l.page_name, l.type,
  l.description, l.maps_url, l.place_id, l.review_url, l.linked_ms FROM profiles p
  LEFT JOIN linked_accounts l ON l.profile_id = p.id WHERE p.is_primary = 0
  ORDER BY p.created_ms, p.id, l.platform"
s0=$(date +%s.%N)
if [[ "$DBKIND" == postgres ]]; then
  REF_NAME="psql row_to_json"
  psql -X -q -tA -v ON_ERROR_STOP=1 "$DB" -c "SELECT row_to_json(r) FROM ($ROWS) r" > "$WORK/ref.json"
else
  REF_NAME="sqlite3 -json"
  sqlite3 -json "$DB" "$ROWS" > "$WORK/ref.json"
fi
s1=$(date +%s.%N)
REF_BYTES=$(stat -c %s "$WORK/ref.json")

printf '\nbench/batch  %s profiles x %s linked on %s (seeded in %.1f s), %s cores\n' \
  "$PROFILES" "$ACCOUNTS" "$DBKIND" "$(echo "$t1 - $t0" | bc -l)" "$(nproc)"
printf '%-28s %9s %9s %12s %14s %16s %18s\n' "" "time" "CPU" "bytes" "peak RSS KiB" "anon <= KiB" "file-backed <= KiB"
for mode in "${MODES[@]}"; do
  read -r MS BYTES COUNT HWM0 HWM1 ANON FILEB CPU COMPLETE_MS PARTS <<<"${R[$mode]}"
  label="sociald export to disk"
  [[ "$mode" == s3 ]] && label="sociald export to S3 store" S3_COMPLETE_MS=$COMPLETE_MS S3_PARTS=$PARTS
  printf '%-28s %8.2fs %8ss %12s %14s %16s %18s   runs: %s\n' "$label" "$(echo "$MS / 1000" | bc -l)" "$CPU" "$BYTES" "$HWM1" "$ANON" "$FILEB" "${ALL[$mode]% }"
done
printf '%-28s %8.2fs %9s %12s   (rows only)\n' "$REF_NAME (reference)" "$(echo "$s1 - $s0" | bc -l)" "" "$REF_BYTES"
if [[ -n "${R[disk]:-}" && -n "${R[s3]:-}" ]]; then
  printf 'S3/disk time (fastest runs): %.2f   (target <= 1.5; the S3 store is s3rver behind tests/s3/server.mjs on this machine, sharing its cores)\n' \
    "$(echo "${R[s3]%% *} / ${R[disk]%% *}" | bc -l)"
  printf '  S3: %s parts of 8 MiB; the store'"'"'s completion of the upload took %.2f s of it\n' \
    "$S3_PARTS" "$(echo "${S3_COMPLETE_MS:-0} / 1000" | bc -l)"
fi
printf 'targets: a million profiles <= 30 s to disk; peak RSS <= 32768 KiB (+ the parts in flight to S3)\n'
