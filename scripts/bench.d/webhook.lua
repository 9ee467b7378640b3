-- wrk script: POSTs Owncast fixture bodies with a fresh eventData.id per request, so every
-- request is a new event (no dedupe shortcut). BODIES_DIR holds the fixture files.
local dir = os.getenv("BODIES_DIR")
local bodies = {}
for _, name in ipairs({"chat.json", "user-joined.json", "user-parted.json", "chat-html-emoji.json",
                       "visibility-update.json", "chat-moderator-authenticated.json"}) do
  local f = assert(io.open(dir .. "/" .. name, "rb"))
  local b = f:read("*a")
  f:close()
  local at = b:find('"id":"[^"]*","timestamp"') or b:find('"id":"[^"]*"')
  table.insert(bodies, b)
end
local counter = 0
local thread_id = 0
local rate_delay = tonumber(os.getenv("DELAY_MS") or "0")

function setup(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

function request()
  counter = counter + 1
  local b = bodies[(counter % #bodies) + 1]
  -- Replace the event id (the first "id":"..." after eventData's status) with a unique one.
  local id = string.format("b%d-%d-%d", thread_id, counter, math.random(1e9))
  local body = b:gsub('("serverURL":"[^"]*","id":")[^"]*(")', "%1" .. id .. "%2", 1)
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end

function delay()
  return rate_delay
end
