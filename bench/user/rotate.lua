-- wrk script: GET /api/user with the account's API key and a different
-- profile key on every request (keys from $KEYS_FILE, API key from $API_KEY).
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
local api_key = os.getenv("API_KEY")
local i = 0

request = function()
  i = i + 1
  return wrk.format("GET", "/api/user", {
    ["Authorization"] = "Bearer " .. api_key,
    ["Profile-Key"] = keys[(i % #keys) + 1],
  })
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d non2xx=%d errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
