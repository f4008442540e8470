#!/usr/bin/env bash
# Sets everything up and runs a demo server with synthetic data: prints an
# API key, a profile key and a curl line, then serves until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh release
DATA=${SOCIALD_DATA:-var/demo}
PORT=${PORT:-8080}
mkdir -p "$DATA"
if [[ ! -f "$DATA/demo.json" ]]; then
  ./build/sociald seed --data "$DATA" --profiles 25 --accounts 10 \
    --keys-out "$DATA/profile-keys.txt" --email demo@sociald.example > "$DATA/demo.json"
fi
KEY=$(sed -n 's/.*"apiKey":"\([^"]*\)".*/\1/p' "$DATA/demo.json")
PKEY=$(head -n 1 "$DATA/profile-keys.txt")
cat <<MSG

  sociald demo on http://127.0.0.1:$PORT  (data in $DATA)

  API key:      $KEY
  Profile key:  $PKEY   (25 in $DATA/profile-keys.txt)

  curl -s http://127.0.0.1:$PORT/api/user -H "Authorization: Bearer $KEY"
  curl -s http://127.0.0.1:$PORT/api/user -H "Authorization: Bearer $KEY" -H "Profile-Key: $PKEY"

MSG
exec ./build/sociald serve --data "$DATA" --listen "127.0.0.1:$PORT"
