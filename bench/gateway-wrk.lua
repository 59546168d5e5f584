-- wrk's script for bench/gateway.sh (TOOLS=nginx-wrk): the LoadGenerator's request, and at the end one JSON line with
-- the LoadGenerator's fields (WRK_CONNECTIONS: the -c it was given) (wrk gives latencies in microseconds; errors are failed sockets and non-2xx answers).
wrk.method = "POST"
wrk.body = '{"model":"bench-model","stream":false,"messages":[{"role":"user","content":"Say something short."}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench"

function done(summary, latency, requests)
  local connections = tonumber(os.getenv("WRK_CONNECTIONS") or "0")
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local function ms(us) return math.floor(us / 10 + 0.5) / 100 end
  io.write(string.format('{"tool":"wrk -t1 -c%d","mode":"saturation","target_rps":0,"connections":%d,"stream":false,'
    .. '"seconds":%.1f,"requests":%d,"errors":%d,"achieved_rps":%d,"p50_ms":%s,"p90_ms":%s,"p99_ms":%s,"p999_ms":%s,"max_ms":%s}\n',
    connections, connections, seconds, summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
    math.floor(summary.requests / seconds + 0.5), ms(latency:percentile(50)), ms(latency:percentile(90)),
    ms(latency:percentile(99)), ms(latency:percentile(99.9)), ms(latency.max)))
end
