"""Engines that write notebook cells from data cards.

``get_engine()`` returns the configured default: the built-in offline
engine, or the OpenAI-compatible one (:mod:`.openai_engine`) once an endpoint
or a key and a model are configured. Both sit behind the same
:class:`Engine` protocol; language-model failures are :class:`EngineError`.
"""

from __future__ import annotations

from .base import (
    ENGINE_ERROR_KINDS,
    Cell,
    Engine,
    EngineError,
    Suggestion,
    UnknownTaskError,
    available_engines,
    get_engine,
)

__all__ = [
    "ENGINE_ERROR_KINDS",
    "Cell",
    "Engine",
    "EngineError",
    "Suggestion",
    "UnknownTaskError",
    "available_engines",
    "get_engine",
]
