"""nginx for the cluster: find the binary, fill in deploy/nginx.conf, and the command that runs it."""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Final

__all__ = ["TEMPLATE", "NginxError", "find_nginx", "nginx_command", "render_config", "write_config"]

TEMPLATE: Final = Path(__file__).resolve().parent / "nginx.conf"
_PLACEHOLDER: Final = re.compile(r"@[A-Z_]+@")


class NginxError(Exception):
    """nginx is missing, or the template asks for a value nothing fills in."""


def find_nginx() -> str:
    """The nginx binary (Debian puts it in /usr/sbin, which a user's PATH may lack)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        raise NginxError("nginx is not installed: `make nginx` installs Debian's nginx-light")
    return found


def render_config(template: str, *, run_dir: Path, port: int, upstreams: Sequence[int]) -> str:
    """The template with every @NAME@ filled in: the run directory, the proxy's port, the replicas."""
    user = ""
    if os.geteuid() == 0:  # else workers run as nobody, who may not reach the run directory
        entry = pwd.getpwuid(0)
        user = f"user {entry.pw_name} {grp.getgrgid(entry.pw_gid).gr_name};"
    # After a failed attempt a replica rests 1 s, then is tried again (a restarted one is back
    # in ~2 s); the request that failed went on to the next replica meanwhile.
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=1s;" for p in upstreams)
    values = {"@RUN_DIR@": str(run_dir), "@PORT@": str(port), "@USER@": user, "@SERVERS@": servers}
    unknown = sorted(set(_PLACEHOLDER.findall(template)) - set(values))
    if unknown:
        raise NginxError(f"{TEMPLATE} names placeholders nothing fills in: {', '.join(unknown)}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(0)], template)


def write_config(run_dir: Path, *, port: int, upstreams: Sequence[int]) -> Path:
    """Write run_dir/nginx.conf (and the directories it names) for a proxy on `port`."""
    for sub in ("tmp", "cache"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    path = run_dir / "nginx.conf"
    text = render_config(TEMPLATE.read_text(encoding="utf-8"), run_dir=run_dir, port=port, upstreams=upstreams)
    path.write_text(text, encoding="utf-8")
    return path


def nginx_command(nginx: str, run_dir: Path) -> list[str]:
    """nginx in the foreground on run_dir/nginx.conf; `-e` keeps even its first message out of /var/log."""
    return [nginx, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", str(run_dir / "error.log")]
