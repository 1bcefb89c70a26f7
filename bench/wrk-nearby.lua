-- wrk script for bench/bench_http.py: GET /api/v1/finder/nearby at a paced rate.
--
--   wrk -t1 -c40 -d60s --latency -s bench/wrk-nearby.lua http://127.0.0.1:8600 \
--       -- POINTS_FILE MEAN_DELAY_MS ADDRESS_HEADER
--
-- POINTS_FILE: one "lat lon" per line (points near stations); each request picks one at
-- random. MEAN_DELAY_MS: each connection waits an exponentially distributed pause of this
-- mean between a response and its next request, so N connections offer about
-- N / (pause + latency) requests per second, arriving roughly like independent people
-- (wrk is closed-loop; 0 = no pause, as fast as the server answers). ADDRESS_HEADER: the
-- header that carries a client address drawn from 10.0.0.0/16 for each request, standing
-- in for 65,536 phones: X-Real-IP for nginx's realip module, X-Forwarded-For straight to
-- gunicorn with YIZHAN_NUM_PROXIES=1, or "-" for none (every request from one address).
-- done() prints one line "RESULT k=v ..." that bench_http.py parses.

local points = {}
local mean_delay = 0
local address_header = nil

function init(args)
  local path = args[1]
  mean_delay = tonumber(args[2] or "0")
  if args[3] and args[3] ~= "-" then
    address_header = args[3]
  end
  for line in io.lines(path) do
    local lat, lon = line:match("^(%S+)%s+(%S+)$")
    if lat then
      points[#points + 1] = string.format(
        "/api/v1/finder/nearby?lat=%s&lon=%s&open_now=true&amenity=charging&limit=5", lat, lon)
    end
  end
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6))
end

function request()
  local headers = nil
  if address_header then
    headers = { [address_header] = string.format("10.0.%d.%d",
      math.random(0, 255), math.random(0, 255)) }
  end
  return wrk.format("GET", points[math.random(#points)], headers)
end

function delay()
  if mean_delay <= 0 then
    return 0
  end
  return math.floor(-mean_delay * math.log(1 - math.random()) + 0.5)
end

function done(summary, latency, requests)
  local us = function(p) return latency:percentile(p) end
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d non2xx=%d connect_err=%d read_err=%d "
    .. "write_err=%d timeouts=%d p50=%d p75=%d p90=%d p99=%d p999=%d max=%d mean=%.1f\n",
    summary.requests, summary.duration, summary.bytes, summary.errors.status,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    us(50), us(75), us(90), us(99), us(99.9), latency.max, latency.mean))
end
