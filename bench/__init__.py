"""Benchmark scripts: they print figures and ratios against a baseline; they are not tests."""
