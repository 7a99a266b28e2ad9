"""The layers in front of the app: the front door (bounds, rate limit, access log), OPTIONS,
and the answer layer (variant, cache, HEAD and 304)."""
