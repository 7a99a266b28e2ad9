"""nginx for the cluster: find the binary, fill in deploy/nginx.conf, and the command that runs it.

What nginx enforces comes from the app's own settings and tables, never copied: its timeouts
and header buffers from `Settings`, the per-client rate limit and the `RateLimit-Policy` it
states from the app's `RateLimiter`, and the problem+json of every answer nginx makes itself
from `api.app.errors.HTTP_PROBLEMS` (with its explanation at `/problems/{slug}` on the app).
"""

from __future__ import annotations

import grp
import math
import os
import pwd
import re
import shutil
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import orjson

from api.app import urls
from api.app.errors import ALLOWED_METHODS, HTTP_PROBLEMS
from api.edge.ratelimit import RateLimiter
from api.settings import Settings

__all__ = [
    "HEADERS_MODULE",
    "PURGE_MODULE",
    "find_modules",
    "NGINX_ANSWERS",
    "TEMPLATE",
    "NginxError",
    "find_nginx",
    "nginx_command",
    "render_config",
    "write_config",
]

TEMPLATE: Final = Path(__file__).resolve().parent / "nginx.conf"
PURGE_MODULE: Final = Path("/usr/lib/nginx/modules/ngx_http_cache_purge_module.so")
HEADERS_MODULE: Final = Path("/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so")
_PLACEHOLDER: Final = re.compile(r"@[A-Z_]+@")

# The statuses nginx answers itself, and the status the client sees: 494 is nginx's name for
# a header line past its buffer, which the app calls 431.
NGINX_ANSWERS: Final = {
    400: 400, 404: 404, 405: 405, 408: 408, 411: 411, 413: 413, 414: 414, 416: 416, 429: 429, 494: 431,
    500: 500, 501: 501, 502: 502, 503: 503, 504: 504, 505: 505,
}  # fmt: skip
# What nginx's own answers say, by status; `title` and `type` come from the app's table.
_DETAILS: Final = {
    400: "the request is malformed (its request line, a header or a chunk of its body)",
    404: "no resource here",
    405: f"Distance answers {ALLOWED_METHODS} only",
    408: "the headers or the body of the request did not arrive in time",
    411: "a request with a body must state its length",
    413: "Distance reads no request body",
    414: "the request line is longer than the proxy takes",
    416: "Distance serves whole answers, not byte ranges",
    429: "this client sent more requests than the stated policy (RateLimit-Policy) allows",
    431: "a request header line is longer than the proxy takes",
    500: "the proxy met a fault of its own",
    501: "the request asks for something the proxy does not do (an unknown transfer coding, say)",
    502: "no replica answered; try again shortly",
    503: "the proxy is overloaded; try again shortly",
    504: "no replica answered in time; try again shortly",
    505: "Distance speaks HTTP/1.0 and HTTP/1.1",
}
_HEADERS: Final = (
    "add_header Cache-Control no-store always;",
    "add_header X-Cache-Status $distance_cache_status always;",
    "add_header X-Request-Id $distance_request_id always;",
)


class NginxError(Exception):
    """nginx is missing, or the template asks for a value nothing fills in."""


def find_nginx() -> str:
    """The nginx binary (Debian puts it in /usr/sbin, which a user's PATH may lack)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        raise NginxError("nginx is not installed: `make nginx` installs Debian's nginx-light")
    return found


def render_config(
    template: str,
    *,
    run_dir: Path,
    port: int,
    upstreams: Sequence[int],
    settings: Settings | None = None,
    purge_port: int = 0,
) -> str:
    """The template with every @NAME@ filled in: the run directory, the proxy's port, the
    replicas, and what `settings` (by default the app's, from DISTANCE_*) say nginx enforces."""
    settings = settings if settings is not None else Settings()
    user = ""
    if os.geteuid() == 0:  # else workers run as nobody, who may not reach the run directory
        entry = pwd.getpwuid(0)
        user = f"user {entry.pw_name} {grp.getgrgid(entry.pw_gid).gr_name};"
    # After a failed attempt a replica rests 1 s, then is tried again (a restarted one is back
    # in ~2 s); the request that failed went on to the next replica meanwhile.
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;" for p in upstreams)
    values = {
        "@RUN_DIR@": str(run_dir),
        "@PORT@": str(port),
        "@USER@": user,
        "@SERVERS@": servers,
        "@MODULES@": "\n".join(f"load_module {module};" for module in find_modules()),
        "@PURGE_PORT@": str(purge_port),
        **_limits(settings),
    }
    unknown = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if unknown:
        raise NginxError(f"{TEMPLATE} names placeholders nothing fills in: {', '.join(unknown)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(0)], template)


def _limits(settings: Settings) -> dict[str, str]:
    """The placeholders that come from the app's settings and tables."""
    buffer_kb = math.ceil((max(settings.max_url_bytes, settings.max_header_bytes) + 1024) / 1024)
    timeouts = {
        "client_header_timeout": settings.header_timeout,
        "client_body_timeout": settings.header_timeout,
        "send_timeout": settings.send_timeout,
        "keepalive_timeout": settings.keepalive_timeout,
    }
    zone, limit = "", ""
    problem_headers: dict[int, tuple[str, ...]] = {}
    if settings.rate_limit > 0:
        limiter = RateLimiter(settings.rate_limit, settings.rate_burst)
        # nginx takes whole requests a second or a minute.
        rate = f"{settings.rate_limit:.0f}r/s" if settings.rate_limit >= 1 else f"{settings.rate_limit * 60:.0f}r/m"
        zone = f"    limit_req_zone $binary_remote_addr zone=clients:16m rate={rate};"
        limit = "\n".join(
            (
                f"            limit_req zone=clients burst={settings.rate_burst} nodelay;",
                "            limit_req_status 429;",
                "            limit_req_log_level warn;",
            )
        )
        retry = max(1, math.ceil(1 / settings.rate_limit))
        problem_headers[429] = (
            f"add_header Retry-After {retry} always;",
            f"add_header RateLimit-Policy '{limiter.policy.decode()}' always;",
        )
    problem_headers[405] = (f'add_header Allow "{ALLOWED_METHODS}" always;',)
    return {
        "@HEADER_BUFFER@": f"{buffer_kb}k",
        "@UPSTREAM_KEEPALIVE_TIMEOUT@": _seconds(settings.header_timeout / 2),
        "@TIMEOUTS@": "\n".join(f"    {name} {_seconds(value)};" for name, value in timeouts.items()),
        "@RATE_ZONE@": zone,
        "@RATE_LIMIT@": limit,
        "@ERROR_PAGES@": _error_pages(),
        "@LOCATION_ERROR_PAGES@": _error_pages(indent=12),
        "@PROBLEM_LOCATIONS@": "\n".join(_problem_location(s, problem_headers.get(s, ())) for s in _statuses()),
    }


def _seconds(value: float) -> str:
    """A duration as nginx reads it: whole seconds, or milliseconds when that is not exact."""
    return f"{value:.0f}s" if value == int(value) else f"{round(value * 1000)}ms"


def _statuses() -> list[int]:
    return sorted(set(NGINX_ANSWERS.values()))


def _error_pages(indent: int = 8) -> str:
    """`error_page` lines sending each status nginx answers to its problem location."""
    pad = " " * indent
    return "\n".join(
        f"{pad}error_page {code} ={status} /.problems/{status};" for code, status in sorted(NGINX_ANSWERS.items())
    )


def _problem_location(status: int, headers: Sequence[str]) -> str:
    """The internal location answering `status` as the app would: its problem+json, no-store,
    the request id (a HEAD gets the same without a body: nginx sends none)."""
    slug, title = HTTP_PROBLEMS[status]
    body = orjson.dumps({"type": urls.problem(slug), "title": title, "status": status, "detail": _DETAILS[status]})
    if b"'" in body or b"$" in body or b"\\" in body:  # nginx would read them as quoting or variables
        raise NginxError(f"the problem body for {status} holds a character nginx reads: {body.decode()}")
    lines = [
        f"        location = /.problems/{status} {{",
        "            internal;",
        "            default_type application/problem+json;",
        *(f"            {line}" for line in (*_HEADERS, *headers)),
        f"            return {status} '{body.decode()}';",
        "        }",
    ]
    return "\n".join(lines)


def find_modules() -> list[str]:
    """The dynamic modules the config loads: ngx_cache_purge and headers-more, as Debian's
    libnginx-mod-http-cache-purge and libnginx-mod-http-headers-more-filter install them."""
    missing = [path.name for path in (PURGE_MODULE, HEADERS_MODULE) if not path.is_file()]
    if missing:
        raise NginxError(f"nginx modules missing ({', '.join(missing)}): `make nginx` installs Debian's "
                         "libnginx-mod-http-cache-purge and libnginx-mod-http-headers-more-filter")  # fmt: skip
    return [str(PURGE_MODULE), str(HEADERS_MODULE)]


def write_config(
    run_dir: Path, *, port: int, upstreams: Sequence[int], settings: Settings | None = None, purge_port: int = 0
) -> Path:
    """Write run_dir/nginx.conf (and the directories it names) for a proxy on `port`."""
    for sub in ("tmp", "cache"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    path = run_dir / "nginx.conf"
    template = TEMPLATE.read_text(encoding="utf-8")
    if not purge_port:  # nobody purges this proxy: any free port
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            purge_port = sock.getsockname()[1]
    text = render_config(
        template, run_dir=run_dir, port=port, upstreams=upstreams, settings=settings, purge_port=purge_port
    )
    path.write_text(text, encoding="utf-8")
    return path


def nginx_command(nginx: str, run_dir: Path) -> list[str]:
    """nginx in the foreground on run_dir/nginx.conf; `-e` keeps even its first message out of /var/log."""
    return [nginx, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", str(run_dir / "error.log")]
