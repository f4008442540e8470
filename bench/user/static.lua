-- wrk script for the nginx reference: same request shape, one static file.
local api_key = os.getenv("API_KEY")
request = function()
  return wrk.format("GET", "/user.json", {
    ["Authorization"] = "Bearer " .. api_key,
    ["Profile-Key"] = "XXXXXXX-XXXXXXX-XXXXXXX-XXXXXXX-XXXXXXX-XXXXXXX-XXXXXXX-XXXXXXX",
  })
end

dofile(os.getenv("BENCH_DIR") .. "/report.lua")
