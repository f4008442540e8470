-- Shared by the bench/user wrk scripts: the profile keys of $KEYS_FILE.
-- wrk runs each thread's copy of a script on its main thread while the
-- threads already started are sending requests and timing them, so a slow
-- load shows in their latencies: a million lines read into a table took
-- ~0.5 s of CPU per thread and page faults that stalled the running thread
-- (p99 of 50-200 ms where nginx's was 4). The keys have one length, so the
-- file is read as one string and key i is cut out of it when asked for.
local f = assert(io.open(os.getenv("KEYS_FILE"), "rb"))
local all = f:read("*a")
f:close()
local width = (all:find("\n", 1, true) or (#all + 1))
local n = math.floor(#all / width)
assert(n > 0 and n * width == #all, "KEYS_FILE: one key per line, all of one length")

return {
  n = n,
  -- key(i), 1 <= i <= n
  key = function(i)
    local o = (i - 1) * width
    return all:sub(o + 1, o + width - 1)
  end,
}
