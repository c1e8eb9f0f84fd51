-- wrk script: GET /api/products/{id} over the ids in the file named by $BENCH_IDS (one id a line, as
-- bench/Seed writes it). Uniformly random ids; with BENCH_ORDER=sequential each thread walks its share
-- of the ids in order instead, so that a warm-up of a few seconds touches every product.
local ids = {}
local sequential = os.getenv("BENCH_ORDER") == "sequential"
local started = 0
local next_index

local function load()
  local path = os.getenv("BENCH_IDS") or "products.txt"
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no product ids in " .. path) end
end

-- Runs in wrk's main Lua state, once per thread: numbers the threads.
function setup(thread)
  thread:set("thread_number", started)
  started = started + 1
end

function init(args)
  load()
  -- Each wrk thread has its own Lua state: mix the state's table address into the seed.
  math.randomseed(os.time() * 1000 + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000))
  next_index = ((thread_number or 0) * 7919) % #ids
end

function request()
  local id
  if sequential then
    next_index = next_index % #ids + 1
    id = ids[next_index]
  else
    id = ids[math.random(#ids)]
  end
  return wrk.format("GET", "/api/products/" .. id)
end
