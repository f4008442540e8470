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

# free_ports N: prints N distinct loopback ports that are free now, picked
# below the kernel's ephemeral range (ip_local_port_range). A port from that
# range can be handed to any outgoing connection (the suite's clients, wrk,
# curl) between the pick and the bench's bind, which fails the bench with
# "address in use"; below it, only another listener can take it.
free_ports() {
  python3 - "$1" <<'PY'
import random, socket, sys
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
low = max(low, 12000)
socks = []
for port in random.sample(range(10000, low), low - 10000):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)
    if len(socks) == int(sys.argv[1]):
        break
if len(socks) < int(sys.argv[1]):
    sys.exit("free_ports: no free port below the ephemeral range")
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
