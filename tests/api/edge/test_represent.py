"""The represent step (api/edge/represent.py): ETag, Cache-Control, Vary and gzip, written once."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.edge.answer import Answer
from api.edge.represent import Validity, etag, kept, represent
from api.edge.variant import Variant
from api.settings import Settings

_LIFETIME = b"public, max-age=300, s-maxage=5"
_VERSION = "53e8fe2ec674b0aa99"


def _answer(body: bytes, content_type: bytes = b"application/json", status: int = 200) -> Answer:
    return Answer(status, [(b"content-type", content_type), (b"content-length", str(len(body)).encode())], body)


def _made(answer: Answer, variant: Variant, validity: Validity = "content", min_size: int = 1024) -> Answer:
    return represent(answer, variant, validity=validity, version=_VERSION, lifetime=_LIFETIME, min_size=min_size)


def test_represent_gzips_a_large_body_with_its_own_etag_and_vary() -> None:
    body = b'{"x": "' + b"a" * 4000 + b'"}'
    coded = _made(_answer(body), Variant("gzip"))
    plain = _made(_answer(body), Variant("identity"))
    assert gzip.decompress(coded.body) == body == plain.body
    assert plain.header(b"etag") == etag(_VERSION, body)
    assert (coded.header(b"content-encoding"), coded.header(b"etag"), coded.header(b"vary")) == (
        b"gzip", etag(_VERSION, body)[:-1] + b'-gzip"', b"Accept, Accept-Encoding",
    )  # fmt: skip
    assert coded.header(b"content-length") == str(len(coded.body)).encode()
    assert (plain.header(b"content-encoding"), plain.header(b"vary")) == (None, b"Accept, Accept-Encoding")
    assert _made(_answer(body), Variant("gzip")) == coded  # deterministic


@pytest.mark.parametrize(
    "answer",
    [
        _answer(b"small"),
        _answer(b"x" * 4000, b"image/png"),
        Answer(200, [(b"content-encoding", b"br")], b"x" * 4000),
    ],
    ids=["small", "precompressed-type", "already-coded"],
)
def test_represent_leaves_alone_what_does_not_vary_on_the_coding(answer: Answer) -> None:
    made = _made(answer, Variant("gzip"))
    assert (made.status, made.body) == (answer.status, answer.body)
    assert [kv for kv in made.headers if kv[0] not in (b"vary", b"etag", b"cache-control")] == answer.headers
    assert made.header(b"vary") == b"Accept"  # every answer varies on the media type asked for


def test_represent_merges_vary_into_an_existing_field() -> None:
    answer = Answer(200, [(b"vary", b"Accept"), (b"content-type", b"text/plain")], b"x" * 2000)
    assert _made(answer, Variant("identity")).header(b"vary") == b"Accept, Accept-Encoding"
    already = Answer(200, [(b"vary", b"accept-encoding")], b"x" * 2000)
    assert _made(already, Variant("identity")).header(b"vary") == b"accept-encoding, Accept"


@pytest.mark.parametrize("status", [204, 304])
def test_a_204_or_304_is_left_as_it_is(status: int) -> None:
    answer = Answer(status, [(b"etag", b'"v-1"')], b"")
    assert _made(answer, Variant("gzip"), min_size=0) == answer


@pytest.mark.parametrize(
    ("status", "validity", "cache_control", "tagged"),
    [
        (200, "content", _LIFETIME, True),
        (200, "page", b"no-cache", True),
        (200, "moment", b"no-store", False),
        (404, "content", b"no-store", False),  # an error is never kept like content
        (405, "content", b"no-store", False),
        (410, "content", b"no-store", False),
        (422, "content", b"no-store", False),
        (429, "moment", b"no-store", False),
        (500, "content", b"no-store", False),
        (503, "moment", b"no-store", False),
    ],
)
def test_caching_fields_follow_what_the_answer_is(
    status: int, validity: Validity, cache_control: bytes, tagged: bool
) -> None:
    made = _made(_answer(b"{}", status=status), Variant(), validity)
    assert made.header(b"cache-control") == cache_control
    assert (made.header(b"etag") is not None) is tagged


def test_the_apps_own_caching_fields_are_replaced_not_repeated() -> None:
    answer = Answer(200, [(b"etag", b'"theirs"'), (b"cache-control", b"public, max-age=9")], b"{}")
    made = _made(answer, Variant(), "moment")
    assert [k for k, _ in made.headers].count(b"cache-control") == 1
    assert (made.header(b"etag"), made.header(b"cache-control")) == (None, b"no-store")


def test_no_graph_no_content_etag() -> None:
    made = represent(_answer(b"{}"), Variant(), validity="content", version=None, lifetime=_LIFETIME, min_size=0)
    assert made.header(b"etag") is None


@pytest.mark.parametrize(
    ("status", "validity", "expected"),
    [(200, "content", True), (404, "content", True), (410, "content", False), (200, "page", False),
     (200, "moment", False), (500, "content", False)],
)  # fmt: skip
def test_kept_only_content_200_and_404(status: int, validity: Validity, expected: bool) -> None:
    assert kept(status, validity) is expected


def test_cache_control_gives_shared_caches_the_shorter_lifetime(seeds: Path) -> None:
    """Browsers keep an answer for max-age, a proxy or CDN for s-maxage; a 304 says the same."""
    settings = Settings(seeds_dir=seeds, cache_max_age=120, cache_shared_max_age=7)
    with TestClient(create_app(settings)) as custom:
        answer = custom.get("/v1/nodes/oxytocin")
        again = custom.get("/v1/nodes/oxytocin", headers={"If-None-Match": answer.headers["etag"]})
    assert answer.headers["cache-control"] == again.headers["cache-control"] == "public, max-age=120, s-maxage=7"
    assert again.status_code == 304
