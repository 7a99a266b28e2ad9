"""Taking new content in: loaded apart from the process that serves, and weighed against what is served.

`load_apart(seeds_dir)` loads, validates and builds the graph in a forked child and hands the
built graph back through a pipe (pickled). Whatever the content does to the parser there (a
C extension that overflows its stack on 30,000 nested brackets dies with SIGSEGV, past any
`except`) ends that child only: the caller gets a ContentError naming the file that crashed
it, found by reading each content file again, each in a child of its own. The process that
asked (the CLI, a server reloading, a supervisor) lives on with what it had.

`removal(served, new)` says when new content would take away most of what is served (a
folder moved away, files emptied by a failed copy): a reload refuses that unless the
operator confirms it.
"""

from __future__ import annotations

import faulthandler
import os
import pickle
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

from graph._checks import display_name
from graph._yaml import load_yaml, read_plain, read_text
from graph.build import KnowledgeGraph, load_graph
from graph.errors import ContentError, ContentProblem, OnProblem
from graph.load import collector_paused

__all__ = ["BELOW_SERVING", "LoadFailed", "load_apart", "load_apart_and", "removal"]

T = TypeVar("T")

# A reload's build runs below the processes that serve: on a busy machine it waits for them,
# never they for it. A first load (the CLI's, before anything serves) has nobody to give way
# to, and a server's start waits for it.
BELOW_SERVING: Final = 10

# A reload that keeps fewer than this share of the served nodes needs the operator's word.
KEEP_AT_LEAST: Final = 0.5


class LoadFailed(Exception):
    """Loading failed for a reason that is not the content (no memory, a bug): the message says which."""


def load_apart(
    seeds_dir: Path,
    meanwhile: Callable[[], object] | None = None,
    *,
    below_serving: bool = True,
    report: OnProblem | None = None,
) -> KnowledgeGraph:
    """`load_graph(seeds_dir)`, run in a child process; `meanwhile()`, if given, runs in this
    process while the child loads (a server's imports), and its exception is raised after the
    child is done. `below_serving=False` when nothing serves yet: the child keeps this
    process's priority. `report`, if given, is called here with each content problem while
    the child finds them (sent through a pipe in batches), the crash of a reader included.

    Raises
    ------
    ContentError
        With every problem of the content; or, when the child died by a signal while
        reading, one problem naming the file that kills a reader.
    LoadFailed
        When the child failed otherwise (an exception that is not a content problem).
    """
    nice = BELOW_SERVING if below_serving else 0
    outcome = _in_child(load_graph, seeds_dir.resolve(), meanwhile, nice=nice, report=report)
    return _outcome(seeds_dir, outcome, report)


def load_apart_and(seeds_dir: Path, then: Callable[[KnowledgeGraph], T]) -> tuple[KnowledgeGraph, T]:
    """`load_apart`, and `then(graph)` in the same child: what is made from the new graph
    (a server's prebuilt answers) is made there too, and handed back with it (pickled)."""

    def work(path: Path) -> tuple[KnowledgeGraph, T]:
        graph = load_graph(path)
        return graph, then(graph)

    outcome = _in_child(work, seeds_dir.resolve(), nice=BELOW_SERVING)
    if isinstance(outcome, tuple):
        return outcome
    _outcome(seeds_dir.resolve(), outcome)
    raise LoadFailed(f"the loading process answered {type(outcome).__name__}")


def _outcome(seeds_dir: Path, outcome: Any, report: OnProblem | None = None) -> KnowledgeGraph:
    """The graph a child made, or the error its `outcome` stands for, raised (a crash also to `report`)."""
    if isinstance(outcome, KnowledgeGraph):
        return outcome
    if isinstance(outcome, ContentError):
        raise outcome
    if isinstance(outcome, int):
        crash = _crash_problem(seeds_dir, outcome)
        if report is not None:
            report(crash)
        raise ContentError([crash])
    raise LoadFailed(str(outcome))


def removal(served: KnowledgeGraph, new: KnowledgeGraph) -> str | None:
    """A sentence when `new` keeps fewer than half of `served`'s nodes (None otherwise).

    >>> g = tiny_graph()
    >>> removal(g, g) is None
    True
    """
    before, after = len(served.nodes), len(new.nodes)
    kept = sum(1 for node_id in served.nodes if node_id in new.nodes)
    if before == 0 or kept >= before * KEEP_AT_LEAST:
        return None
    return (
        f"the new content keeps {kept} of the {before} nodes served ({after} in all, "
        f"{before - kept} removed, more than {1 - KEEP_AT_LEAST:.0%})"
    )


def _in_child(
    work: Callable[..., Any],
    path: Path,
    meanwhile: Callable[[], object] | None = None,
    *,
    nice: int = 0,
    report: OnProblem | None = None,
) -> Any:
    """`work(path)` in a forked child: its value or exception, or the number of the signal that killed it.

    `meanwhile()` runs here while the child works; the child is waited for even when it raises.
    The child's priority is lowered by `nice`. With `report`, the child runs `work(path, report=…)`
    and each problem it reports is handed to `report` here, as it comes: none is held to the end."""
    read_end, write_end = os.pipe()
    said_end, say_end = os.pipe() if report is not None else (-1, -1)
    pid = os.fork()
    if pid == 0:  # the child: answer through the pipe, then leave without running the parent's exit handlers
        code = 0
        try:
            os.close(read_end)
            faulthandler.disable()  # a crash here is reported by the parent, as a content problem
            if nice:
                os.nice(nice)
            try:
                if report is None:
                    value: Any = work(path)
                else:
                    os.close(said_end)
                    with _Sender(say_end) as send:
                        value = work(path, report=send)
            except ContentError as exc:
                value = exc
            except Exception as exc:  # noqa: BLE001 - whatever it is, the parent reports it
                value = f"{type(exc).__name__}: {exc}"
            with os.fdopen(write_end, "wb") as pipe, collector_paused():
                pickle.dump(value, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:  # noqa: BLE001 - a child never returns into the parent's code
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    if report is not None:
        os.close(say_end)
    with os.fdopen(read_end, "rb") as pipe:
        try:
            if meanwhile is not None:
                meanwhile()
        finally:
            try:
                if report is not None:
                    _relay(said_end, report)  # if `report` fails, the child's next send fails too, and it ends
            finally:
                data = pipe.read()
                _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return os.WTERMSIG(status)
    try:
        with collector_paused():  # millions of objects, no cycles: ~6x faster (100k nodes: 10 s to 1.6 s)
            return pickle.loads(data)
    except (pickle.UnpicklingError, EOFError) as exc:
        return f"the loading process exited with code {os.waitstatus_to_exitcode(status)}: {exc}"


class _Sender:
    """A child's `report`: problems pickled to a pipe in batches (one write per thousand, not one per problem)."""

    def __init__(self, fd: int) -> None:
        self.file = os.fdopen(fd, "wb")
        self.batch: list[ContentProblem] = []

    def __call__(self, problem: ContentProblem) -> None:
        self.batch.append(problem)
        if len(self.batch) >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            pickle.dump(self.batch, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def __enter__(self) -> _Sender:
        return self

    def __exit__(self, *_: object) -> None:
        try:
            self.flush()
        finally:
            self.file.close()


_BATCH = 1000


def _relay(fd: int, report: OnProblem) -> None:
    """Hand each problem a child sends to `report`, until the child closes its end (or dies)."""
    with os.fdopen(fd, "rb") as said:
        while True:
            try:
                batch = pickle.load(said)
            except (EOFError, pickle.UnpicklingError):
                return
            for problem in batch:
                report(problem)


def _read_one(path: Path) -> None:
    """Read a content file as the loader does (both YAML readers for YAML)."""
    if path.suffix == ".yaml":
        read_plain(path)
        load_yaml(path)
    else:
        read_text(path)


def _crash_problem(seeds_dir: Path, signo: int) -> ContentProblem:
    """The problem to report when loading died by `signo`: the first file whose reading alone dies so."""
    name = _signal_name(signo)
    root = seeds_dir.parent
    for path in sorted(p for p in seeds_dir.rglob("*") if p.is_file()):
        if _in_child(_read_one, path, nice=BELOW_SERVING) == signo:
            return ContentProblem(
                display_name(path, root), 1, f"reading this file crashes the parser ({name}); the content is refused"
            )
    return ContentProblem(
        display_name(seeds_dir, root), 1, f"loading this content crashed ({name}) and no single file does alone"
    )


def _signal_name(signo: int) -> str:
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"signal {signo}"
