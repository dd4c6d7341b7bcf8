"""Cell agreement between a cleaned frame and a ground-truth table.

A cell agrees when ``canonical(result) == canonical(truth)``. ``canonical``
maps every way of writing one value to one form, the same way on both
sides, so the score measures meaning rather than spelling:

* null-like values (NaN, None, NaT, ``pd.NA``, ``""``, ``"empty"``,
  ``"N/A"`` ...) -> one null;
* numbers, and text that is plainly a number (``"35233"``, ``"97%"`` as
  0.97, ``"3 patients"`` as 3) -> a rounded float;
* booleans and yes/no/true/false text -> a bool;
* ``datetime.time`` values and time text (``"7:10 a.m."``, ``"19:05"``) ->
  ``HH:MM:SS``; timestamps -> ISO text;
* anything else -> its stripped text.

Rows and columns are matched by position in the original frame: the cleaned
frame keeps the original row labels (a RangeIndex from ``read_csv``) and
column names, so a dropped row or column counts as null cells.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

NULL = ("null",)
NULL_WORDS = {"", "empty", "n/a", "na", "nan", "none", "null", "nat", "-", "--", "?", "<na>"}
TRUE_WORDS = {"yes", "true"}
FALSE_WORDS = {"no", "false"}
PLAIN_NUMBER = re.compile(r"^[-+]?\d+(?:\.\d+)?$")
PERCENT = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*%$")
NUMBER_WITH_UNIT = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s+[A-Za-z]+$")
TWELVE_HOUR = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?$", re.IGNORECASE)
TWENTY_FOUR_HOUR = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def canonical(value):
    """One comparable form for every spelling of a value (see the module docstring)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return NULL
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        number = float(value)
        return NULL if math.isnan(number) else ("number", round(number, 6))
    if isinstance(value, datetime.time):
        return ("time", value.strftime("%H:%M:%S"))
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        return ("datetime", pd.Timestamp(value).isoformat())
    if isinstance(value, str):
        return canonical_text(value.strip())
    return ("text", str(value).strip())


def canonical_text(text: str):
    """Canonical form of a stripped text cell."""
    folded = text.casefold()
    if folded in NULL_WORDS:
        return NULL
    if folded in TRUE_WORDS or folded in FALSE_WORDS:
        return ("bool", folded in TRUE_WORDS)
    if PLAIN_NUMBER.match(text):
        return ("number", round(float(text), 6))
    for pattern, scale in ((PERCENT, 0.01), (NUMBER_WITH_UNIT, 1.0)):
        match = pattern.match(text)
        if match:
            return ("number", round(float(match.group(1)) * scale, 6))
    time_of_day = text_time(text)
    if time_of_day is not None:
        return ("time", time_of_day)
    return ("text", text)


def text_time(text: str) -> str | None:
    """``HH:MM:SS`` of a time written as ``7:10 a.m.`` or ``19:05``, else ``None``."""
    match = TWELVE_HOUR.match(text)
    if match:
        hour = int(match.group(1)) % 12 + (12 if match.group(4).lower() == "p" else 0)
        return f"{hour:02d}:{int(match.group(2)):02d}:{int(match.group(3) or 0):02d}"
    match = TWENTY_FOUR_HOUR.match(text)
    if match and int(match.group(1)) < 24:
        return f"{int(match.group(1)):02d}:{int(match.group(2)):02d}:{int(match.group(3) or 0):02d}"
    return None


@dataclass
class Agreement:
    """Agreeing cells out of all cells of the truth table."""

    agreeing: int
    total: int

    @property
    def share(self) -> float:
        """Agreeing cells as a share of all cells."""
        return self.agreeing / self.total if self.total else 1.0

    def __str__(self) -> str:
        return f"{self.agreeing}/{self.total} ({self.share:.2%})"


def cell_agreement(result: pd.DataFrame, original: pd.DataFrame, truth: pd.DataFrame) -> Agreement:
    """Compare ``result`` (cleaned from ``original``) with ``truth`` cell by cell.

    Parameters
    ----------
    result : pandas.DataFrame
        The frame to score: ``original`` itself (before) or its cleaned copy.
    original : pandas.DataFrame
        The frame as loaded; its column order gives each column's position.
    truth : pandas.DataFrame
        The ground truth, same shape as ``original``, headers may differ.

    Returns
    -------
    Agreement
        Agreeing cells over ``truth.size``.
    """
    original_positions = {name: position for position, name in enumerate(original.columns)}
    result_by_position = {original_positions[name]: result[name] for name in result.columns}
    agreeing = 0
    for position in range(truth.shape[1]):
        truth_values = truth.iloc[:, position].tolist()
        column = result_by_position.get(position)
        lookup = dict(zip(column.index.tolist(), column.tolist())) if column is not None else {}
        for row, truth_value in enumerate(truth_values):
            if canonical(lookup.get(row)) == canonical(truth_value):
                agreeing += 1
    return Agreement(agreeing, truth.size)
