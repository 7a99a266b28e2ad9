"""How `distance check` reports a content folder full of invalid entries: time, memory, output.

Run: `.venv/bin/python -m bench.badcontent [--mb 4 40] [--keep DIR]`. For each size, copies the
shipped seeds to a temporary folder, appends that many MB of invalid entries to
`graph/concepts.yaml` (three kinds in turn: a bad slug with no summary, an unknown key, a
wrong type; each also misses its evidence and is an orphan), and runs
`distance check --seeds DIR` under `/usr/bin/time -v`. Prints the entries written, the exit
status, the wall time, the time to the first problem line on stderr, the peak resident
memory of the command and the loader process it forks (the largest of them), the number of
problem lines, and the first and last of them.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from api.settings import DEFAULT_SEEDS_DIR

__all__ = ["main", "write_bad_folder"]

ROOT = Path(__file__).resolve().parent.parent
_PROBLEM = re.compile(r"^\S+:\d+: ")


def _entry(i: int) -> str:
    kind = i % 3
    if kind == 0:
        return f"- id: Bad_{i}\n  label: x\n"
    if kind == 1:
        return f"- id: bad-{i}\n  labl: x\n"
    return f"- id: bad-{i}\n  label: [x]\n"


def write_bad_folder(folder: Path, megabytes: float) -> int:
    """A copy of the shipped seeds with `megabytes` MB of invalid entries appended to
    graph/concepts.yaml; the number of entries appended."""
    shutil.copytree(DEFAULT_SEEDS_DIR, folder)
    target = int(megabytes * 1_000_000)
    written = entries = 0
    with (folder / "graph" / "concepts.yaml").open("a", encoding="utf-8") as out:
        out.write("\n# invalid entries written by bench/badcontent.py\n")
        while written < target:
            chunk = "".join(_entry(entries + k) for k in range(1000))
            out.write(chunk)
            written += len(chunk)
            entries += 1000
    return entries


def _measure(folder: Path) -> dict[str, object]:
    stats = folder.parent / "time.txt"
    command = ["/usr/bin/time", "-v", "-o", str(stats), str(ROOT / ".venv" / "bin" / "distance")]
    started = time.perf_counter()
    first: float | None = None
    lines = 0
    head = tail = summary = ""
    with subprocess.Popen(
        [*command, "check", "--seeds", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stderr is not None
        for line in child.stderr:
            if _PROBLEM.match(line):
                if first is None:
                    first = time.perf_counter() - started
                    head = line.rstrip()
                lines += 1
                tail = line.rstrip()
            elif line.strip():
                summary = line.strip()
    wall = time.perf_counter() - started
    text = stats.read_text()
    peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))  # type: ignore[union-attr]
    return {
        "exit": child.returncode,
        "wall_s": round(wall, 2),
        "first_line_s": None if first is None else round(first, 2),
        "peak_rss_mib": round(peak / 1024),
        "problem_lines": lines,
        "first": head[:120],
        "last": tail[:120],
        "summary": summary,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[4.0, 40.0])
    parser.add_argument("--keep", type=Path, help="write the folders under DIR and keep them")
    args = parser.parse_args(argv)
    base = args.keep or Path(tempfile.mkdtemp(prefix="distance-badcontent-"))
    try:
        for megabytes in args.mb:
            folder = base / f"bad-{megabytes:g}mb" / "seeds"
            if folder.exists():
                shutil.rmtree(folder.parent)
            folder.parent.mkdir(parents=True)
            entries = write_bad_folder(folder, megabytes)
            figures = _measure(folder)
            print(f"{megabytes:g} MB of invalid entries ({entries:,} entries):", flush=True)
            for key, value in figures.items():
                print(f"  {key}: {value}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
