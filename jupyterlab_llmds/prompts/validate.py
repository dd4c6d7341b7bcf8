"""Prompt template of the ``validate`` task: checks that say whether a frame is as expected."""

from __future__ import annotations

from typing import Any, Mapping

from .base import frames_phrase

TASK = "validate"
DEFAULT_REQUEST = "Write validation checks for this frame that I can rerun whenever the data is refreshed."
EXTRA_KEYS: tuple = ()


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``validate``."""
    first = frames[0]
    return "\n".join(
        [
            f"Write data validation checks for {frames_phrase(frames)}, with pandas only (no extra packages):",
            "1. A short markdown cell listing the checks and the fact in the card each one comes from.",
            f"2. A function `validate_{first}(frame) -> pd.DataFrame` that never modifies its argument and "
            "returns one row per check with the columns `check`, `column`, `failed_rows` and `passed`. Checks, "
            "where the card supports them: expected columns and dtypes; null limits per column; numeric "
            "ranges (from the card's statistics, with some slack); allowed categories for low-cardinality "
            "columns; uniqueness of ID-like columns; no duplicate rows; date ranges; values that must parse "
            "as numbers or dates.",
            f"3. A code block that runs it on `{first}` and shows the failed checks.",
            "Base every threshold on the card and say so in a comment; where the card is sampled, allow for "
            "values the sample did not show.",
        ]
    )
