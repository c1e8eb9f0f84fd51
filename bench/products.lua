-- wrk script: GET /api/products/{id} over uniformly random ids read from the file in $BENCH_IDS
-- (one id a line, as bench/Seed writes it).
local ids = {}

local function load()
  local path = os.getenv("BENCH_IDS") or "products.txt"
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no product ids in " .. path) end
end

function init(args)
  load()
  -- Each wrk thread has its own Lua state: mix the state's table address into the seed.
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
end

function request()
  return wrk.format("GET", "/api/products/" .. ids[math.random(#ids)])
end

