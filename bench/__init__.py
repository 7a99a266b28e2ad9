"""Benchmark scripts: they print figures and ratios against a baseline; they are not tests."""

import os

# A benchmark's load generator is one address sending as fast as it can, to measure the
# server, not one client's allowance: the per-client rate limit is off in the servers the
# benches start (they inherit this), except where a bench sets it (bench/flood.py).
os.environ.setdefault("DISTANCE_RATE_LIMIT", "0")
