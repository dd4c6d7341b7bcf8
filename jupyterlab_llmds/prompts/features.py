"""Prompt template of the ``features`` task: new columns derived from the existing ones."""

from __future__ import annotations

from typing import Any, Mapping

from .base import frames_phrase, target_column
from .checks import SCHEMA_LIBRARY_KEY, schema_library_of, validation_cell_text

TASK = "features"
DEFAULT_REQUEST = "Suggest useful features for modelling and write the code that adds them."
EXTRA_KEYS: tuple = (SCHEMA_LIBRARY_KEY,)

#: What feature code promises, which its validation cell checks.
PROMISES = (
    "each new column present with the dtype intended, no missing values beyond those its source columns had, "
    "values in the range they must have (ratios finite, flags boolean or 0/1, bins among their labels, "
    "encodings only of the categories the card shows), the row count unchanged and the original columns unchanged"
)


def task_text(frames: list[str], extra: Mapping[str, Any], cards: list[Mapping[str, Any]]) -> str:
    """What the model must do for ``features``; ``extra["schema_library"]`` chooses how the final checks are written."""
    first = frames[0]
    target = target_column(extra, cards)
    lines = [
        f"Propose feature engineering for {frames_phrase(frames)} and write it as code on a copy "
        f"(`{first}_features = {first}.copy()`):",
        "1. A short markdown cell listing each new feature, the columns it comes from and why it may help.",
        "2. Code that adds them, grouped by kind and chosen from the real dtypes and semantics in the card: "
        "datetime parts (year, month, weekday, hour) and durations between date columns; ratios, "
        "differences and log1p of skewed positive numbers; bins of wide numeric ranges; text lengths and "
        "counts; flags for missing values that look informative; frequency or one-hot encodings of "
        "low-cardinality categories (at most the categories the card shows).",
        "3. " + validation_cell_text(f"{first}_features", first, PROMISES, schema_library_of(extra)),
        "Columns that are text but hold numbers or dates must be converted first (the card flags them). "
        "Do not derive features from ID-like columns.",
    ]
    if target is not None:
        lines.append(
            f"The user wants to predict {target!r}: never use it (or anything computed from it) to build "
            "a feature, since that would leak the answer into the inputs."
        )
    return "\n".join(lines)
