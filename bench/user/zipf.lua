-- wrk script: GET /api/user with a Zipf-like skew over the profile keys: a
-- few hot profiles, most cold. Rank k (1 = the first key of $KEYS_FILE) is
-- drawn with P(rank <= k) = ln k / ln N (Zipf with s = 1, continuous): with
-- a million keys the first thousand get half the requests and half the
-- requests go to the rest.
local keys = dofile(os.getenv("BENCH_DIR") .. "/keys.lua")
local api_key = os.getenv("API_KEY")
-- nginx, the reference, gets the same requests on its own path.
local path = os.getenv("REQ_PATH") or "/api/user"
local logn = math.log(keys.n + 1)
math.randomseed(tonumber(tostring({}):match("0x(%x+)"), 16) % 2147483647)

request = function()
  local k = math.floor(math.exp(math.random() * logn))
  if k > keys.n then k = keys.n end
  return wrk.format("GET", path, {
    ["Authorization"] = "Bearer " .. api_key,
    ["Profile-Key"] = keys.key(k),
  })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
