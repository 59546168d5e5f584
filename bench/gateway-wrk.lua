-- wrk's script for bench/gateway.sh (TOOLS=nginx-wrk): the LoadGenerator's request, and at the end one JSON line with
-- the LoadGenerator's fields (wrk gives latencies in microseconds; errors are failed sockets and non-2xx answers).
-- WRK_CONNECTIONS: the -c it was given. WRK_DELAY_MS: each connection waits this long after an answer before its next
-- request (issue 15's "20 connections, one request per 10 ms each"); unset, they send back to back (saturation).
wrk.method = "POST"
wrk.body = '{"model":"bench-model","stream":false,"messages":[{"role":"user","content":"Say something short."}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"

local pace = tonumber(os.getenv("WRK_DELAY_MS") or "")
local random = os.getenv("WRK_RANDOM") == "1"
if pace then
  -- With WRK_RANDOM=1 each wait is drawn anew, uniform over pace/2 .. 3*pace/2 whole ms (mean: pace). With a fixed wait
  -- the connections fall into step: wrk's timers count whole milliseconds, so connections answered in the same
  -- millisecond send their next requests together, and any stall of the server (a GC pause) joins every connection
  -- waiting on it into one burst that never parts again (tcpdump showed ~12-17 of the 20 arriving together, on nginx
  -- too). A random wait keeps the 20 connections independent: ~2,000 req/s arriving as independent users would.
  function delay()
    if random then
      return math.random(math.floor(pace / 2), pace + math.floor(pace / 2))
    end
    return pace
  end
end

function done(summary, latency, requests)
  local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "0")
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local function ms(us) return math.floor(us / 10 + 0.5) / 100 end
  io.write(string.format('{"tool":"wrk -t1 -c%d%s","mode":"%s","target_rps":%d,"connections":%d,"stream":false,'
    .. '"seconds":%.1f,"requests":%d,"errors":%d,"achieved_rps":%d,"p50_ms":%s,"p90_ms":%s,"p99_ms":%s,"p999_ms":%s,"max_ms":%s}\n',
    connections, pace and (random and string.format(", %d-%d ms apart (random)", math.floor(pace / 2), pace + math.floor(pace / 2))
      or string.format(", %d ms apart", pace)) or "", pace and "paced" or "saturation",
    pace and math.floor(connections * 1000 / pace) or 0, connections,
    seconds, summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    math.floor(summary.requests / seconds + 0.5), ms(latency:percentile(50)), ms(latency:percentile(90)),
    ms(latency:percentile(99)), ms(latency:percentile(99.9)), ms(latency.max)))
end
