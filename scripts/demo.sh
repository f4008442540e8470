#!/usr/bin/env bash
# Sets everything up and runs a demo: the sandbox (stand-ins for the ten
# networks) on :8090 and sociald on :8080 pointed at it, with synthetic
# data. Prints an API key, a profile key, curl lines and a linking URL to
# open in a browser, then serves until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
DATA=${SOCIALD_DATA:-var/demo}
PORT=${PORT:-8080}
SANDBOX_PORT=${SANDBOX_PORT:-8090}
# The data directory must be the owner's alone (sociald refuses it otherwise).
mkdir -p "$DATA"
chmod 700 "$DATA"
if [[ ! -f "$DATA/demo.json" ]]; then
  ./build/sociald seed --data "$DATA" --profiles 25 --accounts 10 \
    --keys-out "$DATA/profile-keys.txt" --email demo@sociald.example > "$DATA/demo.json"
fi
KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$DATA/demo.json")
PKEY=$(head -n 1 "$DATA/profile-keys.txt")

./build/sociald sandbox --listen "127.0.0.1:$SANDBOX_PORT" 2> "$DATA/sandbox.log" &
SANDBOX_PID=$!
./build/sociald serve --data "$DATA" --listen "127.0.0.1:$PORT" \
  --sandbox "http://127.0.0.1:$SANDBOX_PORT" &
SERVER_PID=$!
trap 'kill $SERVER_PID $SANDBOX_PID 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
# A fresh profile to link, and its linking URL (valid 60 minutes).
PROFILE=$(curl -fsS "http://127.0.0.1:$PORT/api/profiles" -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d "{\"title\":\"Demo user $(date +%s)\"}")
LKEY=$(sed -n 's/.*"profileKey":"\([^"]*\)".*/\1/p' <<<"$PROFILE")
JWT=$(curl -fsS "http://127.0.0.1:$PORT/api/profiles/generateJWT" -H "Authorization: Bearer $KEY" \
  -H "Profile-Key: $LKEY" -H 'Content-Type: application/json' -d '{"domain":"demo","expiresIn":60}')
LINK=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' <<<"$JWT")
cat <<MSG

  sociald demo on http://127.0.0.1:$PORT  (data in $DATA; sandbox on :$SANDBOX_PORT)

  API key:      $KEY
  Profile key:  $PKEY   (25 seeded in $DATA/profile-keys.txt)

  curl -s http://127.0.0.1:$PORT/api/user -H "Authorization: Bearer $KEY"
  curl -s http://127.0.0.1:$PORT/api/user -H "Authorization: Bearer $KEY" -H "Profile-Key: $PKEY"

  Link networks for a new profile (any login on the sandbox's consent page):
    $LINK
  then:
  curl -s http://127.0.0.1:$PORT/api/user -H "Authorization: Bearer $KEY" -H "Profile-Key: $LKEY"

MSG
wait $SERVER_PID
