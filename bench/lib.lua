-- wrk helpers: every request carries the latest microversion; optional
-- POST of unique nodes (CREATE=1) or PATCH of one node (PATCH=uuid).
wrk.headers["X-OpenStack-Ironic-API-Version"] = "latest"
wrk.headers["Content-Type"] = "application/json"
local counter = 0
local uuids = {}
if os.getenv("PATCH") then
  for u in string.gmatch(os.getenv("PATCH"), "[^,]+") do table.insert(uuids, u) end
end
local tid = 0
local threads = {}
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  if os.getenv("CREATE") then
    -- unique across runs: RUN (from the caller) + thread + counter
    local body = string.format('{"driver":"fake-hardware","name":"w%s-%d-%d","properties":{"cpus":8,"memory_mb":16384},"driver_info":{"ipmi_address":"192.0.2.1","ipmi_password":"x"}}', os.getenv("RUN") or "0", tid, counter)
    return wrk.format("POST", "/v1/nodes", nil, body)
  elseif os.getenv("PATCH") then
    local body = string.format('[{"op":"add","path":"/extra/n","value":%d}]', counter)
    -- spread over many nodes: one node is locked by one writer at a time
    local u = uuids[((counter * 7919 + tid * 104729) % #uuids) + 1]
    return wrk.format("PATCH", "/v1/nodes/" .. u, nil, body)
  end
  return wrk.format(nil, wrk.path)
end
function done(summary, latency, requests)
  io.write(string.format("BENCH rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d status_errors=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
