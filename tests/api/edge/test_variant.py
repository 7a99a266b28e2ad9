"""The variant a request gets: content coding by RFC 9110 §12.5.3, media type by §12.5.1."""

from __future__ import annotations

import pytest

from api.edge.variant import MEDIA_TYPES, Variant, negotiate_coding, negotiate_media, variant_of


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


@pytest.mark.parametrize(
    ("fields", "accept"),
    [
        ([], None),
        ([b""], None),
        ([b"nonsense"], None),  # no well-formed range: no preference stated
        ([b"*/*"], MEDIA_TYPES),
        ([b"text/turtle"], ("text/turtle",)),
        ([b"TEXT/Turtle; charset=utf-8"], ("text/turtle",)),
        ([b"text/turtle;q=0.5, application/n-triples"], ("application/n-triples", "text/turtle")),
        ([b"application/ld+json", b"text/turtle;q=0.9"], ("application/ld+json", "text/turtle")),
        (
            [b"text/*;q=0.5, text/turtle;q=0"],
            ("text/csv", "text/plain", "text/tab-separated-values", "text/event-stream"),
        ),  # the specific range wins
        ([b"*/*;q=0.1, application/json"], ("application/json", *MEDIA_TYPES[1:])),
        ([b"image/png"], ()),
        ([b"application/json;q=0"], ()),
        ([b"text/turtle;q=2, application/json;q=0.5"], ("application/json",)),  # a bad qvalue: ignored
        ([b"*/turtle, text/turtle"], ("text/turtle",)),  # `*/x` is no range
    ],
)
def test_negotiate_media(fields: list[bytes], accept: tuple[str, ...] | None) -> None:
    assert negotiate_media(fields) == accept


@pytest.mark.parametrize(
    ("accept", "offers", "chosen"),
    [
        (None, ("application/json", "text/turtle"), "application/json"),
        (("text/turtle", "application/json"), ("application/json", "text/turtle"), "text/turtle"),
        (("text/turtle", "application/json"), ("application/json",), "application/json"),
        (("text/turtle",), ("application/json",), None),
        ((), ("application/json",), None),
    ],
)
def test_a_route_chooses_the_first_of_its_offers_the_client_takes(
    accept: tuple[str, ...] | None, offers: tuple[str, ...], chosen: str | None
) -> None:
    assert Variant(accept=accept).choose(offers) == chosen


def test_a_client_whose_first_choice_is_json_shares_the_variant_of_one_stating_none() -> None:
    def variant(*accepts: bytes) -> Variant:
        return variant_of({"headers": [(b"accept", value) for value in accepts]})

    assert variant() == variant(b"application/json") == variant(b"*/*") == Variant()
    assert variant(b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8") == Variant()
    assert variant(b"text/turtle, application/json;q=0.5").accept == ("text/turtle", "application/json")
