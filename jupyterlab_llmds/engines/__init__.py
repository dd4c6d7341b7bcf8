"""Engines that write notebook cells from data cards.

``get_engine()`` returns the built-in offline engine; other engines (an
OpenAI-compatible one) plug in behind the same :class:`Engine` protocol.
"""

from __future__ import annotations

from .base import Cell, Engine, Suggestion, UnknownTaskError, available_engines, get_engine

__all__ = ["Cell", "Engine", "Suggestion", "UnknownTaskError", "available_engines", "get_engine"]
