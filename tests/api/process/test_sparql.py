"""The SPARQL pool (api/process/sparql.py): one store on disk per graph, shared by the query
children, kept across a child killed at its deadline, replaced when the graph is."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import orjson
import pytest

from api.process.sparql import Lost, SparqlPool, prune_stores, store_name
from graph.build import KnowledgeGraph, load_graph
from graph.errors import QueryLimit
from graph.rdf import URN_IRIS
from tests.tiny import tiny_graph

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . ?g ?s ?h }"


async def _count(pool: SparqlPool, kg: KnowledgeGraph) -> int:
    found = await pool.run(kg, URN_IRIS, COUNT, None, max_bytes=1 << 20, seconds=10)
    return int(orjson.loads(found.body)["results"]["bindings"][0]["n"]["value"])


def _stores(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def shipped() -> KnowledgeGraph:
    return load_graph(Path("seeds"))


def test_queries_at_once_share_one_store_built_once(shipped: KnowledgeGraph) -> None:
    pool = SparqlPool(2)

    async def both() -> list[int]:
        return list(await asyncio.gather(_count(pool, shipped), _count(pool, shipped)))

    first, second = asyncio.run(both())
    path = pool.store(shipped, URN_IRIS)
    assert path is not None
    assert _stores(path) == [path]  # one store, though two children opened it
    assert first == second > 20_000


def test_a_child_killed_at_its_deadline_leaves_the_store(shipped: KnowledgeGraph) -> None:
    pool = SparqlPool(1)

    async def run() -> tuple[Path | None, Path | None, int]:
        await _count(pool, shipped)
        before = pool.store(shipped, URN_IRIS)
        with pytest.raises(QueryLimit):
            await pool.run(shipped, URN_IRIS, RUNAWAY, None, max_bytes=1 << 20, seconds=0.3)
        return before, pool.store(shipped, URN_IRIS), await _count(pool, shipped)

    before, after, count = asyncio.run(run())
    assert before is not None
    assert after == before
    assert count > 20_000


def test_a_new_graph_gets_a_new_store_and_the_old_one_goes(shipped: KnowledgeGraph) -> None:
    pool = SparqlPool(1)
    tiny = tiny_graph()

    async def run() -> tuple[int, Path | None, int, Path | None]:
        old_count = await _count(pool, shipped)
        old = pool.store(shipped, URN_IRIS)
        new_count = await _count(pool, tiny)
        return old_count, old, new_count, pool.store(tiny, URN_IRIS)

    old_count, old, new_count, new = asyncio.run(run())
    assert old is not None
    assert new is not None
    assert new != old
    assert not old.exists()
    assert pool.store(shipped, URN_IRIS) is None
    assert _stores(new) == [new]
    assert 0 < new_count < old_count


def test_a_reloaded_graph_gets_its_store_ahead_of_its_first_query(shipped: KnowledgeGraph) -> None:
    pool = SparqlPool(1)
    tiny = tiny_graph()

    async def run() -> tuple[Path | None, Path | None, Path | None]:
        pool.prepare(tiny, URN_IRIS)  # a pool that never answered a query builds nothing
        await asyncio.sleep(0.5)
        unused = pool.store(tiny, URN_IRIS)
        await _count(pool, shipped)
        old = pool.store(shipped, URN_IRIS)
        pool.prepare(tiny, URN_IRIS)  # the reload: built in the background, no query waiting
        for _ in range(600):
            if pool.store(tiny, URN_IRIS) is not None:
                break
            await asyncio.sleep(0.05)
        return unused, old, pool.store(tiny, URN_IRIS)

    unused, old, new = asyncio.run(run())
    pool.close()
    assert unused is None
    assert old is not None
    assert new is not None
    assert not old.exists()  # no query held the old store: it went when the new one was built


def test_pools_on_one_root_build_each_store_once_and_the_server_prunes_old_ones(
    shipped: KnowledgeGraph, tmp_path: Path
) -> None:
    """Two workers of one server: the second finds the store the first built; after a reload
    the main process keeps the new version and the one before."""
    first, second = SparqlPool(1, tmp_path), SparqlPool(1, tmp_path)
    tiny = tiny_graph()

    async def run() -> tuple[Path | None, float, Path | None, int]:
        await _count(first, shipped)
        built = first.store(shipped, URN_IRIS)
        assert built is not None
        mtime = built.stat().st_mtime_ns
        count = await _count(second, shipped)
        assert built.stat().st_mtime_ns == mtime  # not rebuilt
        await _count(first, tiny)
        return second.store(shipped, URN_IRIS), mtime, first.store(tiny, URN_IRIS), count

    found, _, new, count = asyncio.run(run())
    first.close()
    second.close()
    assert found is not None
    assert found.name == store_name(shipped.content_version, URN_IRIS)
    assert count > 20_000
    assert new is not None
    assert found.exists()  # shared: the old store is left to the main process
    prune_stores(tmp_path, [tiny.content_version])
    assert sorted(p.name for p in tmp_path.iterdir()) == [new.name, new.name + ".lock"]


def test_closing_the_pool_abandons_a_store_being_built() -> None:
    """A server that stops while a store is built does not wait for the build (minutes on a
    large graph): the builder is killed and the query waiting for it gets Lost."""
    from bench.synthetic import synthetic_graph

    big = synthetic_graph(nodes=3_000, edges=30_000)  # ~750,000 triples: seconds to build
    pool = SparqlPool(1)

    async def run() -> float:
        waiting = asyncio.ensure_future(pool.build(big, URN_IRIS))
        await asyncio.sleep(1.0)
        assert not waiting.done()
        started = time.monotonic()
        pool.close()
        with pytest.raises(Lost):
            await waiting
        return time.monotonic() - started

    assert asyncio.run(run()) < 3
    assert pool.store(big, URN_IRIS) is None
