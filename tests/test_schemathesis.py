"""Property-based contract tests: the committed openapi.yaml, bound to the app in process.

Every operation is fuzzed with schemathesis (all checks: status codes, content types,
response schemas, negative data rejection, ...) with hypothesis derandomized, so a failure
reproduces. The live-server run of the same contract is in .ci/run.
"""

from __future__ import annotations

from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import DEFAULT_SEEDS_DIR, Settings
from graph.build import load_graph
from tests.schemathesis_hooks import register_bodies, register_releases, register_sign_ids

ROOT = Path(__file__).resolve().parent.parent

SHIPPED = load_graph(DEFAULT_SEEDS_DIR)
register_sign_ids(SHIPPED.by_type["sign"])  # valid sign ids are the served graph's own
register_bodies({s: a.body_end for s, a in SHIPPED.articles.items()})  # and so are article lengths
register_releases(r.content_version for r in SHIPPED.releases)  # and `since`: the committed releases
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml")
schema.app = create_app(Settings(), SHIPPED)


@schema.parametrize()
@settings(max_examples=40, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_honours_the_contract(case: schemathesis.Case) -> None:  # type: ignore[type-arg]
    case.call_and_validate()


def test_the_hooks_drop_only_valid_guide_cases_with_made_up_signs() -> None:
    from types import SimpleNamespace

    from tests.schemathesis_hooks import filter_case

    def case(path: str, signs: object, positive: bool) -> SimpleNamespace:
        mode = SimpleNamespace(is_positive=positive)
        return SimpleNamespace(
            operation=SimpleNamespace(path=path),
            query={"signs": signs},
            meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)),
        )

    real = sorted(SHIPPED.by_type["sign"])[:2]
    assert filter_case(None, case("/v1/guide", real, positive=True))
    assert not filter_case(None, case("/v1/guide", [real[0], "0000"], positive=True))
    assert filter_case(None, case("/v1/guide", ["0000"], positive=False))  # invalid data: always kept
    assert filter_case(None, case("/v1/nodes", ["0000"], positive=True))


def test_the_hooks_drop_only_valid_slices_past_an_article_body_and_searched_batches() -> None:
    from types import SimpleNamespace

    from tests.schemathesis_hooks import filter_case

    def case(path: str, query: dict[str, object], source: str = "003") -> SimpleNamespace:
        mode = SimpleNamespace(is_positive=True)
        return SimpleNamespace(
            operation=SimpleNamespace(path=path),
            path_parameters={"source_id": source},
            query=query,
            meta=SimpleNamespace(generation=SimpleNamespace(mode=mode)),
        )

    text, length = "/v1/sources/{source_id}/text", SHIPPED.articles["003"].body_end
    assert filter_case(None, case(text, {"start": 0, "end": length}))
    assert not filter_case(None, case(text, {"end": length + 1}))
    assert not filter_case(None, case(text, {"start": 5, "end": 2}))
    assert filter_case(None, case(text, {"start": 10**6}, source="999"))  # a 404, declared
    assert not filter_case(None, case("/v1/nodes", {"ids": ["oxytocin"], "q": "o"}))
    assert filter_case(None, case("/v1/nodes", {"ids": ["oxytocin"]}))
