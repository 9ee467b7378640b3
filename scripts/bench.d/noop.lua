-- wrk script: the same bodies to the no-op route (204, nothing parsed or stored).
local f = assert(io.open(os.getenv("BODIES_DIR") .. "/chat.json", "rb"))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
local rate_delay = tonumber(os.getenv("DELAY_MS") or "0")
function delay()
  return rate_delay
end
