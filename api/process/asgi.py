"""The ASGI entry point for servers: `create_default_app` reads Settings from the environment."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app
from api.settings import Settings

__all__ = ["create_default_app"]


def create_default_app() -> FastAPI:
    """An app on the content named by `DISTANCE_SEEDS_DIR` (default: the embedded seeds)."""
    return create_app(Settings())
