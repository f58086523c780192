-- wrk -t2 -c32 -d60s --latency -s bench/wrk_queries.lua http://127.0.0.1:PORT
-- Each request searches one of the bench queries (URL-encoded), in turn, through /api/search.
local queries = {}
for line in io.lines("bench/queries.txt") do
  if line ~= "" and line:sub(1, 1) ~= "#" then
    queries[#queries + 1] = line:gsub("([^%w%-_%.~])", function(c) return string.format("%%%02X", string.byte(c)) end)
  end
end
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/api/search?q=" .. queries[(n % #queries) + 1])
end
