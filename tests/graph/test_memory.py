"""Freed build memory goes back to the OS where the C library can do it."""

from __future__ import annotations

import ctypes.util

import pytest

from graph import _memory


def test_give_back_trims_where_glibc_is(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _memory.give_back() is (_memory._trim() is not None)
    _memory._trim.cache_clear()
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert _memory.give_back() is False
    _memory._trim.cache_clear()
