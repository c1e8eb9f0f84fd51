-- wrk script: PUT /api/products/{id} as the administrator ($BENCH_TOKEN) over the ids in the file named by
-- $BENCH_IDS (one id a line, as bench/Seed writes it), uniformly random ids, a new name and price each time.
local ids = {}
local token = os.getenv("BENCH_TOKEN") or error("BENCH_TOKEN is not set")
local written = 0

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS") or "products.txt") do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no product ids") end
  -- Each wrk thread has its own Lua state: mix the state's table address into the seed.
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
end

function request()
  written = written + 1
  local body = string.format(
    '{"name":"Written %d","description":"Changed by bench/product-write.sh","category":"bench",' ..
    '"prices":[{"currency":"USD","amount":%d.25}],"pictures":[]}', written, written % 500 + 1)
  return wrk.format("PUT", "/api/products/" .. ids[math.random(#ids)],
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }, body)
end
