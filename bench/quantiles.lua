-- wrk script: after the run, the latency at every 0.1 % step (in microseconds), so that the
-- distributions of several runs can be merged (bench/stall.py pairs short windows).
done = function(summary, latency, requests)
  for i = 1, 1000 do
    io.write(string.format("quantile %d %d\n", i, latency:percentile(i / 10)))
  end
end
