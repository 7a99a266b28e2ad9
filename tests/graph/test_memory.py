"""Freed build memory goes back to the OS where the C library can do it."""

from __future__ import annotations

import ctypes
import platform
import sys

import pytest

from graph import _memory


def test_give_back_trims_where_glibc_is(monkeypatch: pytest.MonkeyPatch) -> None:
    _memory._trim.cache_clear()
    glibc = sys.platform == "linux" and platform.libc_ver()[0] == "glibc"
    assert _memory.give_back() is glibc
    _memory._trim.cache_clear()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: object())  # a C library with no malloc_trim (musl, macOS)
    assert _memory.give_back() is False
    _memory._trim.cache_clear()
