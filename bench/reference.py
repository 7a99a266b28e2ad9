"""The strict reference servers: the bare app on granian and on uvicorn (httptools + uvloop).

Each runs from a venv of its own under build/bench/, created here with uv from pinned
versions: the versions Distance's own lock file has (read from this venv's metadata), so
"granian" below is exactly the server `distance serve` runs, without Distance, and "uvicorn"
the alternative it was chosen over (uvicorn[standard], pinned in the dev group). The faster
of the two, measured in the same run as Distance, is the strict baseline of every ratio.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from bench.wrk import ROOT, Server, free_port, started

__all__ = ["REFERENCES", "Reference", "pinned_venv", "reference_server"]

VENVS = ROOT / "build" / "bench"
BENCH = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Reference:
    """One reference server: its name, the pinned packages of its venv, how to start it on a port."""

    name: str
    packages: tuple[str, ...]
    argv: tuple[str, ...]  # {bin} and {port} are filled in

    def pins(self) -> list[str]:
        return [f"{package}=={version(package)}" for package in self.packages]

    def venv(self) -> Path:
        return pinned_venv(self.name, self.pins())


def pinned_venv(name: str, pins: Sequence[str]) -> Path:
    """A venv of its own under build/bench/ holding exactly `pins` ("package==version"), created on
    first use (uv's cache makes that quick) and reused while the pins hold: a bench's reference
    server, profiler or compared library never shares Distance's venv."""
    path = VENVS / f"{name}-{'-'.join(pin.split('==')[1] for pin in pins)}"
    if not (path / ".ready").is_file():
        uv = Path(sys.executable).parent / "uv"
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(path)], check=True)
        install = [str(uv), "pip", "install", "--quiet", "--python", str(path / "bin" / "python"), *pins]
        subprocess.run(install, check=True)
        (path / ".ready").touch()
    return path


REFERENCES = (
    Reference(
        "granian",
        ("granian",),
        (
            "{bin}/granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--workers",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            "bare:app",
        ),
    ),  # fmt: skip
    Reference(
        "uvicorn",
        ("uvicorn", "httptools", "uvloop"),
        (
            "{bin}/uvicorn",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--http",
            "httptools",
            "--loop",
            "uvloop",
            "--ws",
            "none",
            "--no-access-log",
            "--no-server-header",
            "--log-level",
            "warning",
            "bare:app",
        ),
    ),  # fmt: skip
)


@contextmanager
def reference_server(reference: Reference, body: Path | None = None) -> Iterator[Server]:
    """The bare app (bench/bare.py) on `reference`, from its own venv, until the block ends;
    answering the bytes of the file `body` instead of its ~1 KB when given."""
    port = free_port()
    bin_dir = str(reference.venv() / "bin")
    argv = [arg.format(bin=bin_dir, port=port) for arg in reference.argv]
    env = {**os.environ, "PYTHONPATH": str(BENCH), **({"BENCH_BARE_BODY": str(body)} if body else {})}
    env.pop("VIRTUAL_ENV", None)
    with started(argv, port, env=env, cwd=BENCH) as server:
        yield server
