"""The process: how `distance serve` runs the app (one process, or a supervisor and workers),
reloads the content, and hands workers a built graph."""
