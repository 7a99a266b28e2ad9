"""The edge: the one pipeline in front of the app (`api.edge.pipeline`: refuse, pin the graph,
variant, cache, the app on a miss, represent, store, send) and the parts it calls."""
