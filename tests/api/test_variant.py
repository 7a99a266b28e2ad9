"""The variant a request gets: content coding by RFC 9110 §12.5.3, and how an answer is made into it."""

from __future__ import annotations

import gzip

import pytest

from api.answer import Answer
from api.variant import Variant, negotiate_coding, represent


@pytest.mark.parametrize(
    ("fields", "coding"),
    [
        ([], "identity"),  # no field: no preference; a plain client gets plain bytes
        ([b""], "identity"),  # an empty field wants no coding at all
        ([b"gzip"], "gzip"),
        ([b"GZip"], "gzip"),
        ([b"x-gzip"], "gzip"),
        ([b"gzip, deflate, br, zstd"], "gzip"),
        ([b"gzip;q=0"], "identity"),
        ([b"gzip; q=0.000"], "identity"),
        ([b"gzip;q=0.001"], "gzip"),
        ([b"identity"], "identity"),
        ([b"identity;q=0"], "identity"),  # nothing acceptable: identity anyway (RFC's SHOULD)
        ([b"*"], "gzip"),
        ([b"*;q=0"], "identity"),
        ([b"*;q=0, identity"], "identity"),
        ([b"gzip;q=0, *"], "identity"),  # gzip named and refused: * does not bring it back
        ([b"gzip;q=0.5, identity"], "identity"),  # identity weighs more
        ([b"gzip, identity"], "gzip"),  # a tie: the smaller body
        ([b"gzip;q=0.5, identity;q=0.4"], "gzip"),
        ([b"*;q=0.3, identity;q=0.5"], "identity"),
        ([b"gzip", b"identity"], "gzip"),  # repeated fields are one list
        ([b"identity", b"gzip;q=0"], "identity"),
        ([b"gzip;q=abc"], "identity"),  # malformed qvalues are ignored, not read loosely
        ([b"gzip;q=2"], "identity"),
        ([b"gzip;q=1e-1"], "identity"),
        ([b"gzip;q=0.0000"], "identity"),
        ([b" , ,gzip ,"], "gzip"),
    ],
)
def test_negotiate_coding(fields: list[bytes], coding: str) -> None:
    assert negotiate_coding(fields) == coding


def _answer(body: bytes, content_type: bytes = b"application/json", status: int = 200) -> Answer:
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), (b"etag", b'"v-1"')]
    return Answer(status, headers, body)


def test_represent_gzips_a_large_body_with_its_own_etag_and_vary() -> None:
    body = b'{"x": "' + b"a" * 4000 + b'"}'
    coded = represent(_answer(body), Variant("gzip"), min_size=1024)
    plain = represent(_answer(body), Variant("identity"), min_size=1024)
    assert gzip.decompress(coded.body) == body == plain.body
    assert (coded.header(b"content-encoding"), coded.header(b"etag"), coded.header(b"vary")) == (
        b"gzip", b'"v-1-gzip"', b"Accept-Encoding",
    )  # fmt: skip
    assert coded.header(b"content-length") == str(len(coded.body)).encode()
    assert (plain.header(b"content-encoding"), plain.header(b"vary")) == (None, b"Accept-Encoding")
    assert represent(_answer(body), Variant("gzip"), min_size=1024) == coded  # deterministic


@pytest.mark.parametrize(
    "answer",
    [
        _answer(b"small"),
        _answer(b"x" * 4000, b"image/png"),
        Answer(200, [(b"content-encoding", b"br")], b"x" * 4000),
    ],
    ids=["small", "precompressed-type", "already-coded"],
)
def test_represent_leaves_alone_what_does_not_vary(answer: Answer) -> None:
    assert represent(answer, Variant("gzip"), min_size=1024) == answer


def test_represent_merges_vary_into_an_existing_field() -> None:
    answer = Answer(200, [(b"vary", b"Accept"), (b"content-type", b"text/plain")], b"x" * 2000)
    assert represent(answer, Variant("identity"), min_size=1024).header(b"vary") == b"Accept, Accept-Encoding"
    already = Answer(200, [(b"vary", b"accept-encoding")], b"x" * 2000)
    assert represent(already, Variant("identity"), min_size=1024).header(b"vary") == b"accept-encoding"
