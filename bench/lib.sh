# Shared by the bench scripts (sourced, not run).

# wait_ready URL WHAT [SECONDS]: waits until URL answers 2xx, or fails the
# bench naming WHAT after SECONDS (30): a bench never waits forever.
wait_ready() {
  local url=$1 what=$2 secs=${3:-30} i
  for ((i = 0; i < secs * 20; i++)); do
    curl -sf "$url" >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "bench: $what did not answer $url within $secs s" >&2
  return 1
}

# wait_until SECONDS WHAT CMD...: runs CMD every 50 ms until it succeeds, or
# fails the bench naming WHAT after SECONDS.
wait_until() {
  local secs=$1 what=$2 end
  shift 2
  end=$(($(date +%s) + secs))
  until "$@"; do
    if (($(date +%s) >= end)); then
      echo "bench: gave up after $secs s waiting for $what" >&2
      return 1
    fi
    sleep 0.05
  done
}

# free_ports N: prints N distinct loopback ports the kernel says are free
# now (bound together, then released). A fixed or random port collides with
# the ephemeral ports other processes hold (the suite's servers, wrk's
# connections); this leaves only the short window before the bench binds.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
