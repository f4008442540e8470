#!/usr/bin/env bash
# Builds build/sociald (and, with "asan", build-asan/ with AddressSanitizer
# and UndefinedBehaviorSanitizer).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release) dir=build; opts=(-Dbuildtype=debugoptimized) ;;
  asan)    dir=build-asan
           opts=(-Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false
                 "-Dc_args=-fsanitize=float-cast-overflow -fno-sanitize-recover=undefined") ;;
  *) echo "usage: build.sh [release|asan]" >&2; exit 2 ;;
esac
if [[ ! -f "$dir/build.ninja" ]]; then
  meson setup "$dir" "${opts[@]}" >/dev/null
elif [[ "$kind" == asan ]] && ! grep -q float-cast-overflow "$dir/meson-info/intro-buildoptions.json" 2>/dev/null; then
  meson configure "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir" >/dev/null
echo "build: $dir/sociald" >&2
