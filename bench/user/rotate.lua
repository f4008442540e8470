-- wrk script (--dist uniform): GET /api/user with the account's API key and a different
-- profile key on every request (keys from $KEYS_FILE, API key from $API_KEY).
local keys = dofile(os.getenv("BENCH_DIR") .. "/keys.lua")
local api_key = os.getenv("API_KEY")
-- nginx, the reference, gets the same requests on its own path.
local path = os.getenv("REQ_PATH") or "/api/user"
-- Each wrk thread starts at its own random place, so that one thread does
-- not find the profiles another has just read in the cache.
math.randomseed(tonumber(tostring({}):match("0x(%x+)"), 16) % 2147483647)
local i = math.random(keys.n)

request = function()
  i = i + 1
  return wrk.format("GET", path, {
    ["Authorization"] = "Bearer " .. api_key,
    ["Profile-Key"] = keys.key((i % keys.n) + 1),
  })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
