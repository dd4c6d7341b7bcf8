"""Prompt template of the ``clean`` task: code that fixes what the data card flags."""

from __future__ import annotations

from typing import Any, Mapping

from .base import frames_phrase
from .checks import SCHEMA_LIBRARY_KEY, schema_library_of, validation_cell_text

TASK = "clean"
DEFAULT_REQUEST = "Clean the frame: fix every issue the card flags."
EXTRA_KEYS: tuple = (SCHEMA_LIBRARY_KEY,)

#: What a cleaning promises, which its validation cell checks.
PROMISES = (
    "dtypes converted, no missing values left where values were filled, the null tokens gone, surrounding "
    "whitespace stripped, categories normalised to the canonical spellings, no duplicate rows or keys where they "
    "were dropped, values in plausible ranges (from the card's statistics), and the row count changed exactly as "
    "the code says"
)


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``clean``; ``extra["schema_library"]`` chooses how the final checks are written."""
    first = frames[0]
    return "\n".join(
        [
            f"Write cells that clean {frames_phrase(frames)} into a new frame (`{first}_clean = {first}.copy()`, "
            "then work only on the copy):",
            "1. A short markdown cell: the plan, one bullet per issue the card flags (column, what is wrong, "
            "what the code does about it).",
            "2. Code, one block per kind of fix, in this order: missing-value tokens to NA "
            "(`.replace()` / `.mask()` with the tokens the card lists); surrounding whitespace and case "
            "variants of the same category (map to the canonical spelling the card gives); numbers stored "
            "as text to numbers (strip the currency, thousands and unit characters the card names, then "
            "`pd.to_numeric(..., errors='coerce')`); date strings to datetimes (`pd.to_datetime` with the "
            "format the card gives, `errors='coerce'`); yes/no text to booleans; sentinel codes to NA; "
            "where the card reports `key_conflicts`, set each listed dependent column to the most frequent "
            "value among the rows of its key (after the fixes above; leave ties and the weak dependents as "
            "they are, and say so); duplicate rows and duplicate keys (say which you keep). Leave outliers "
            "in place and only report them unless the user asks otherwise.",
            "3. " + validation_cell_text(f"{first}_clean", first, PROMISES, schema_library_of(extra)),
            "Fix only what the card shows; do not rename or drop columns unless the user asks.",
        ]
    )
