-- Shared by the bench/user wrk scripts: one machine-readable result line.
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
