-- Mixed workload for `make load` (bench/load.py): consumer scans and cooperative API calls.
--
-- LOAD_PATHS names a file of consumer page paths (/q/{code}), one a line; LOAD_CLIENTS a file
-- of cooperative clients, one a line: "<token> <product_id> <lot_id>". Each request is drawn
-- at random: 90% a consumer scan (a phone, a random client address), 5% an API read, 2.5%
-- a new lot (POST /api/v1/batches) and 2.5% an inspection event (POST /api/v1/events), the
-- API calls made with one of the cooperatives' tokens. Status codes are counted per thread
-- and summed in done(), which prints one RESULT line of JSON for the runner.

local paths, clients = {}, {}
for line in io.lines(os.getenv("LOAD_PATHS")) do paths[#paths + 1] = line end
for line in io.lines(os.getenv("LOAD_CLIENTS")) do
  local token, product, lot = line:match("^(%S+) (%d+) (%d+)$")
  clients[#clients + 1] = {token = token, product = product, lot = lot}
end
local phone = os.getenv("LOAD_UA")
local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("id", thread_count)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time() * 1000 + id * 7919)
  statuses = {}
  kinds = {scan = 0, read = 0, batch = 0, event = 0}
  sent = 0
end

local function api(method, path, client, body)
  sent = sent + 1
  local headers = {
    ["Authorization"] = "Bearer " .. client.token,
    ["Accept"] = "application/json",
    ["Accept-Language"] = "vi",
  }
  if body then
    headers["Content-Type"] = "application/json"
    headers["Idempotency-Key"] = "load-" .. id .. "-" .. sent .. "-" .. math.random(1, 1e9)
  end
  return wrk.format(method, path, headers, body)
end

local function scan()
  kinds.scan = kinds.scan + 1
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "."
    .. math.random(1, 254)
  return wrk.format("GET", paths[math.random(#paths)], {
    ["User-Agent"] = phone, ["Accept"] = "text/html",
    ["Accept-Language"] = "vi-VN,vi;q=0.9", ["X-Forwarded-For"] = ip})
end

local function read(client)
  kinds.read = kinds.read + 1
  local pick = math.random(3)
  if pick == 1 then return api("GET", "/api/v1/batches?page_size=20", client) end
  if pick == 2 then return api("GET", "/api/v1/batches/" .. client.lot, client) end
  return api("GET", "/api/v1/events?page_size=20", client)
end

local function new_batch(client)
  kinds.batch = kinds.batch + 1
  local body = string.format(
    '{"product_id": %s, "quantity": %d, "harvest_date": "%s", "households": []}',
    client.product, math.random(50, 5000), os.date("!%Y-%m-%d", os.time() - 86400))
  return api("POST", "/api/v1/batches", client, body)
end

local function inspection(client)
  kinds.event = kinds.event + 1
  local body = string.format(
    '{"kind": "inspection", "event_time": "%s", "lines": [{"batch_id": %s}], '
    .. '"result": "pass", "certificate": "VG-LOAD-%d"}',
    os.date("!%Y-%m-%dT%H:%M:%S+00:00", os.time() - 60), client.lot, math.random(1, 9999))
  return api("POST", "/api/v1/events", client, body)
end

function request()
  local roll = math.random()
  if roll < 0.90 then return scan() end
  local client = clients[math.random(#clients)]
  if roll < 0.95 then return read(client) end
  if roll < 0.975 then return new_batch(client) end
  return inspection(client)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local codes, sent_kinds = {}, {scan = 0, read = 0, batch = 0, event = 0}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      codes[status] = (codes[status] or 0) + count
    end
    for kind, count in pairs(thread:get("kinds")) do
      sent_kinds[kind] = sent_kinds[kind] + count
    end
  end
  local parts = {}
  for status, count in pairs(codes) do
    parts[#parts + 1] = string.format('"%d": %d', status, count)
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, "statuses": {%s}, '
    .. '"sent": {"scan": %d, "read": %d, "batch": %d, "event": %d}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.status, e.connect + e.read + e.write + e.timeout,
    table.concat(parts, ", "), sent_kinds.scan, sent_kinds.read, sent_kinds.batch,
    sent_kinds.event))
end
