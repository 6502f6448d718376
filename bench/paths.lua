-- Cycles through the request paths in the file $QUERIES, one per line, in turn: the query
-- groups `wujin bench search-paths` writes, for bench/http-search-1m.
local paths = {}
for line in io.lines(os.getenv("QUERIES")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
