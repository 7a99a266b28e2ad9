"""The app and its routes: `create_app(settings, graph)` builds it (see `api.app.factory`).

`create_app` is read from the factory on first use, so importing a leaf of this layer
(`api.app.urls`, say, which the edge and the contract use) does not build the whole app's
imports, and the factory's own imports of the other layers cannot come back here in a circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app.factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app.factory import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
