-- wrk script: GET /api/user with a Zipf-like skew over the profile keys: a
-- few hot profiles, most cold. Rank k (1 = the first key of $KEYS_FILE) is
-- drawn with P(rank <= k) = ln k / ln N (Zipf with s = 1, continuous): with
-- a million keys the first thousand get half the requests and half the
-- requests go to the rest.
local keys = {}
for line in io.lines(os.getenv("KEYS_FILE")) do keys[#keys + 1] = line end
local api_key = os.getenv("API_KEY")
local logn = math.log(#keys + 1)
math.randomseed(tonumber(tostring({}):match("0x(%x+)"), 16) % 2147483647)

request = function()
  local k = math.floor(math.exp(math.random() * logn))
  if k > #keys then k = #keys end
  return wrk.format("GET", "/api/user", {
    ["Authorization"] = "Bearer " .. api_key,
    ["Profile-Key"] = keys[k],
  })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
