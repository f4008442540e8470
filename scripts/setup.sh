#!/usr/bin/env bash
# Installs what sociald needs to build, run and test, from Debian's archive
# (and, for the npm-based tests, the npm registry). Idempotent: when every
# package is already installed it does nothing.
set -euo pipefail

PKGS=(
  # build
  gcc meson ninja-build pkg-config
  libmicrohttpd-dev libjansson-dev libsqlite3-dev libcurl4-openssl-dev
  libssl-dev libjwt-dev zlib1g-dev check libpq-dev
  # run and test
  sqlite3 curl ca-certificates nodejs npm bc python3 python3-yaml
  # PostgreSQL 15 for the store's second driver: scripts/pg.sh runs a
  # throwaway cluster of its own (the package's "15 main" is not used)
  postgresql postgresql-client
  # the browser test drives Debian's Chromium (headless)
  chromium
  # formatting, sanitizers, fuzzing, benchmarks
  clang-format clang libclang-rt-14-dev wrk nginx-light
  # static analysis, memory checking
  cppcheck valgrind
  # the shutdown test's slow resolver: unshare and mount (namespaces), ip
  iproute2 util-linux mount
)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    # Node may come from elsewhere (a newer upstream build): accept a working one.
    if [[ "$p" == nodejs || "$p" == npm ]] && command -v node >/dev/null && command -v npm >/dev/null; then
      continue
    fi
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# nginx-light's package starts a system nginx; the benchmark runs its own.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  ${SUDO:-} systemctl disable --now nginx >/dev/null 2>&1 || true
fi
echo "setup: ok" >&2
