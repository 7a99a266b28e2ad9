-- wrk script: after the run, the latency at every 0.1 % step (in microseconds), so that the
-- distributions of several runs can be merged (bench/stall.py pairs short windows).
-- With WRK_PACE_MS set, each connection waits that long before each request: a paced load
-- that leaves the server headroom, where an unpaced one keeps every core busy.
local pace = tonumber(os.getenv("WRK_PACE_MS") or "0")
if pace > 0 then
  delay = function()
    return pace
  end
end

done = function(summary, latency, requests)
  for i = 1, 1000 do
    io.write(string.format("quantile %d %d\n", i, latency:percentile(i / 10)))
  end
end
