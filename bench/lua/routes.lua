-- wrk script: one route of the benchmark, with a unique body on every request.
--   wrk -s bench/lua/routes.lua URL -- ROUTE DATAFILE BASE TOKEN
-- ROUTE: events | create_contact | get_contact | search
-- DATAFILE: lines "id<TAB>email<TAB>external_id" of contacts created beforehand
-- BASE: a number unique to this run, so repeated runs never send the same email or created_at
-- done() prints one JSON line that bench/loadgen.py reads.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  route = args[1]
  base = tonumber(args[3])
  contacts = {}
  for line in io.lines(args[2]) do
    local id, email, external_id = line:match("([^\t]*)\t([^\t]*)\t([^\t]*)")
    table.insert(contacts, {id = id, email = email, external_id = external_id})
  end
  headers = {
    ["Authorization"] = "Bearer " .. args[4],
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/json",
  }
  counter = 0
  step = 64 -- wrk threads interleave their counters: thread t sends t, t + 64, t + 128, ...
end

function request()
  counter = counter + 1
  local n = counter * step + tid
  local contact = contacts[(n % #contacts) + 1]
  if route == "events" then
    local body = string.format(
      '{"event_name":"bench-ordered","created_at":%d,"user_id":"%s","metadata":{"order":"o-%d"}}',
      base + n, contact.external_id, n)
    return wrk.format("POST", "/events", headers, body)
  elseif route == "create_contact" then
    local body = string.format(
      '{"role":"user","email":"c%d-%d@bench.example.com","external_id":"c%d-%d","name":"Bench %d"}',
      base, n, base, n, n)
    return wrk.format("POST", "/contacts", headers, body)
  elseif route == "get_contact" then
    return wrk.format("GET", "/contacts/" .. contact.id, headers)
  elseif route == "search" then
    local body = string.format(
      '{"query":{"field":"email","operator":"=","value":"%s"}}', contact.email)
    return wrk.format("POST", "/contacts/search", headers, body)
  end
  error("unknown route " .. tostring(route))
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,'
      .. '"max_us":%d,"connect_errors":%d,"read_errors":%d,"write_errors":%d,'
      .. '"status_errors":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, errors.connect, errors.read, errors.write,
    errors.status, errors.timeout))
end
