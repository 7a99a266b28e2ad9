"""Typed, validated settings, built once at the edge and passed to `create_app`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_SEEDS_DIR", "Settings"]

# The embedded default content: seeds/ at the project root, next to the packages.
DEFAULT_SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


class Settings(BaseSettings):
    """Everything the app reads from its environment (prefix `DISTANCE_`)."""

    model_config = SettingsConfigDict(env_prefix="DISTANCE_", extra="forbid")

    seeds_dir: Path = DEFAULT_SEEDS_DIR
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(1, ge=1, le=64)
    cache_max_age: int = Field(300, ge=0, le=86_400, description="Cache-Control max-age, seconds")
    cache_shared_max_age: int = Field(
        5,
        ge=0,
        le=86_400,
        description="Cache-Control s-maxage, seconds: how long a shared cache (a proxy, a CDN) serves an answer "
        "before revalidating it, so the longest it serves old content after a reload",
    )
    cache_stale_seconds: int = Field(
        0,
        ge=0,
        le=7 * 86_400,
        description="Cache-Control stale-while-revalidate and stale-if-error, seconds (0: neither): how long a "
        "shared cache may serve an expired answer while it fetches a new one, or while the replicas fail",
    )
    gzip_min_bytes: int = Field(1024, ge=0)
    max_concurrency: int = Field(
        256, ge=1, le=100_000, description="Requests in flight per process; the next one is a 503 with Retry-After"
    )
    large_body_rate: int = Field(
        100_000_000,
        ge=0,
        le=1 << 40,
        description="Bytes a second one server sends of large bodies (answers over 256 KB: the exports), all of "
        "them together, its workers taking equal shares, so that a burst of exports takes a bounded share of the "
        "CPU and other answers stay fast (api.edge.answer); 0: as fast as the clients read",
    )
    max_url_bytes: int = Field(14_000, ge=1024, le=65_536, description="Longest URL (path and query) taken; else 414")
    access_log: bool = Field(True, description="One JSON line per request on stdout (api.edge.accesslog)")
    watch: bool = Field(False, description="Reload the content when a file under seeds_dir changes")
    shutdown_timeout: float = Field(30.0, gt=0, le=600, description="Seconds in-flight requests get on SIGTERM")
    header_timeout: float = Field(
        10.0,
        gt=0,
        le=60,
        description="Seconds a connection gets to send a request's headers, or may sit idle after an answer; then "
        "it is closed (granian's header-read timeout; nginx's client_header_timeout in `make cluster`)",
    )
    keepalive_timeout: float = Field(
        5.0, gt=0, le=300, description="Behind `make cluster`: seconds nginx keeps a client's idle connection open"
    )
    send_timeout: float = Field(
        30.0,
        gt=0,
        le=600,
        description="Behind `make cluster`: seconds a client may leave an answer unread before nginx cuts it off "
        "(granian alone has no send timeout)",
    )
    max_header_bytes: int = Field(
        16_384,
        ge=1024,
        le=1 << 20,
        description="Bytes of header fields a request may carry: granian's request-head buffer holds the URL "
        "bound and this much, and a head past it is a 431 (granian checks between reads, so up to about twice "
        "the buffer may pass)",
    )
    max_connections: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Open connections per worker (granian's backpressure: past it, new connections wait in the "
        "kernel's backlog); 0: the descriptor limit less 64",
    )
    rate_limit: float = Field(
        100.0,
        ge=0,
        le=1_000_000,
        description="Requests a second each client may sustain (a token bucket); past it, a 429. 0 turns it off",
    )
    rate_burst: int = Field(1000, ge=1, le=1_000_000, description="Requests a client may send at once, above the rate")
    rate_table: Path | None = Field(
        None,
        description="The file the workers of one server keep the rate limit's buckets in, so that the limit is "
        "per client, not per worker (`api.edge.ratelimit.BucketTable`); `distance serve --workers N` makes it. "
        "Unset: the process keeps its own",
    )
    sparql_dir: Path | None = Field(
        None,
        description="The directory the workers of one server build SPARQL stores in, one per content version, "
        "each built once by whichever worker needs it first (`api.process.sparql`); `distance serve` makes it. "
        "Unset: each process builds its own in a private temporary directory",
    )
    client_header: str = Field(
        "",
        pattern=r"^[A-Za-z0-9-]*$",
        description="Behind a proxy: the header it sets to the client's address (e.g. X-Forwarded-For), whose "
        "last element keys the rate limit; empty: the peer address. Set it only when every request comes "
        "through that proxy",
    )
    base_url: str = Field(
        "",
        pattern=r"^(https?://[^/?#\s]+(/[^?#\s]*)?)?$",
        description="Where clients reach the API (scheme, host, optional path; no trailing slash needed): linked "
        "data's identifiers are URLs under it. Empty: the address the server listens on",
    )
    cache_entries: int = Field(4096, ge=0, le=1_000_000, description="Response cache size; 0 turns it off")
    cache_bytes: int = Field(64 << 20, ge=0, le=4 << 30, description="Response cache budget for bodies, bytes")
    run_dir: Path = Field(Path("build/run"), description="Where the server writes its logs (the webhook log)")
    webhooks: Path | None = Field(
        None, description="A YAML file of webhook endpoints (api.process.webhooks); none: no webhooks"
    )
    webhook_retry_seconds: float = Field(
        3600.0, gt=0, le=7 * 86_400, description="How long a failing webhook delivery is retried, seconds"
    )
    events_max_streams: int = Field(64, ge=1, le=100_000, description="Open /v1/events streams per process")
    events_per_client: int = Field(4, ge=1, le=1000, description="Open /v1/events streams per client")
    events_heartbeat: float = Field(15.0, gt=0, le=300, description="Seconds between heartbeats on an event stream")
    events_max_seconds: float = Field(
        3600.0, gt=0, le=86_400, description="Longest an event stream stays open; then the client reconnects"
    )

    @property
    def public_base(self) -> str:
        """`base_url`, or `http://host:port` of the listening address (a wildcard host as localhost)."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @field_validator("seeds_dir")
    @classmethod
    def _seeds_dir_exists(cls, value: Path) -> Path:
        if not (value / "sources" / "sources.yaml").is_file():
            raise ValueError(f"{value} holds no sources/sources.yaml")
        return value
