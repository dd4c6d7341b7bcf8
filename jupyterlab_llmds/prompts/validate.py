"""Prompt template of the ``validate`` task: checks that say whether a frame is as expected."""

from __future__ import annotations

from typing import Any, Mapping

from .base import frames_phrase
from .checks import LIBRARY_TITLES, SCHEMA_LIBRARY_KEY, check_form, schema_library_of

TASK = "validate"
DEFAULT_REQUEST = "Write validation checks for this frame that I can rerun whenever the data is refreshed."
EXTRA_KEYS: tuple = (SCHEMA_LIBRARY_KEY,)

#: The checks worth writing, where the card supports them.
CHECKS = (
    "expected columns and dtypes; null limits per column; numeric ranges (from the card's statistics, with some "
    "slack); allowed categories for low-cardinality columns; uniqueness of ID-like columns; no duplicate rows; "
    "date ranges; values that must parse as numbers or dates."
)


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``validate``; ``extra["schema_library"]`` chooses how the checks are written."""
    first = frames[0]
    library = schema_library_of(extra)
    if library == "pandas":
        steps = [
            f"Write data validation checks for {frames_phrase(frames)}, with pandas only (no extra packages):",
            "1. A short markdown cell listing the checks and the fact in the card each one comes from.",
            f"2. A function `validate_{first}(frame) -> pd.DataFrame` that never modifies its argument and "
            "returns one row per check with the columns `check`, `column`, `failed_rows` and `passed`. Checks, "
            f"where the card supports them: {CHECKS}",
            f"3. A code block that runs it on `{first}`, shows the failed checks, and ends with an `assert` whose "
            "message lists each failed check with its column and failing rows.",
        ]
    else:
        steps = [
            f"Write data validation checks for {frames_phrase(frames)} with {LIBRARY_TITLES[library]}, as the "
            "user asked:",
            "1. A short markdown cell listing the checks and the fact in the card each one comes from.",
            f"2. One code cell with the checks, where the card supports them: {CHECKS} " + check_form(first, library),
        ]
    return "\n".join(
        steps
        + [
            "Base every threshold on the card and say so in a comment; where the card is sampled, allow for "
            "values the sample did not show.",
        ]
    )
