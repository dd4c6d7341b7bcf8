"""Prompt template of the ``ask`` task: answer the user's question about the data."""

from __future__ import annotations

from typing import Any, Mapping

from .base import frames_phrase

TASK = "ask"
DEFAULT_REQUEST = "Summarise what this frame holds and what looks wrong in it."
EXTRA_KEYS: tuple = ()
RULES = (
    "For this task, answer in prose first. Add code only when the answer needs computing on the full "
    "data, and then only code that reads the frames.",
)


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``ask``."""
    return "\n".join(
        [
            f"Answer the user's question below about {frames_phrase(frames)}.",
            "When the card answers it (shape, columns, dtypes, nulls, statistics, issues), answer directly "
            "and say the answer comes from the card (and from a sample, when the card says it is sampled).",
            "When it needs a computation on the rows, give short pandas code that computes it without "
            "changing any frame, and say what the output will show.",
            "Keep it short and plain; say what is uncertain.",
        ]
    )
