"""How generated code names frames and columns.

Column names come from the card and can be anything a DataFrame allows:
strings with quotes or spaces, integers, MultiIndex tuples, even duplicates.
Code refers to a column by its ``repr()`` when that is exact and unique, and
by position (``iloc`` to read, ``isetitem`` to write) otherwise.
"""

from __future__ import annotations

import keyword
from dataclasses import dataclass


def python_literal(name) -> str:
    """``repr()`` of a card column name, turning MultiIndex lists back into tuples."""
    if isinstance(name, list):
        return repr(as_tuple(name))
    return repr(name)


def as_tuple(name):
    """Nested lists (JSON form of tuples) back into tuples."""
    return tuple(as_tuple(part) if isinstance(part, list) else part for part in name)


def label_key(name):
    """A hashable form of a card column name, to spot duplicates."""
    return ("tuple", as_tuple(name)) if isinstance(name, list) else (type(name).__name__, name)


def frame_expression(name: str) -> str:
    """Python expression that reads the user's frame called ``name``."""
    if name.isidentifier() and not keyword.iskeyword(name):
        return name
    # a namespace key that is not an identifier can still be read from globals
    return f"globals()[{name!r}]"


def clean_variable(name: str) -> str:
    """The variable the cleaned copy is bound to: ``<name>_clean`` when that is valid."""
    candidate = f"{name}_clean"
    if candidate.isidentifier() and not keyword.iskeyword(candidate):
        return candidate
    return "frame_clean"


#: Helper functions written into generated cells (cleaning and checks) that
#: resolve or check rows describing one entity: the same text in every cell
#: that needs it, so a check tests exactly what the cleaning did.
MAJORITY_HELPERS = '''def majority_by_key(frame, key, column):
    """Each row's `column` as most rows of its `key` hold it (missing where no value wins outright)."""
    counts = frame.groupby([key, column], sort=False, observed=True).size().sort_values(ascending=False, kind="stable")
    keys = counts.index.get_level_values(0)
    first = ~keys.duplicated()
    top = pd.Series(counts.to_numpy()[first], index=keys[first])
    winners = pd.Series(counts.index.get_level_values(1)[first], index=keys[first])
    later = counts[~first]
    later_keys = later.index.get_level_values(0)
    runner_up = pd.Series(later.to_numpy()[~later_keys.duplicated()], index=later_keys[~later_keys.duplicated()])
    wins = top > runner_up.reindex(top.index).fillna(0)
    return frame[key].astype(object).map(winners[wins.to_numpy()])


def disagreeing_rows(frame, key, column):
    """(majority, rows whose `column` differs from the majority of their `key` or is missing beside it)."""
    majority = majority_by_key(frame, key, column)
    values = frame[column]
    differs = majority.notna() & (values.isna() | majority.ne(values))
    return majority, pd.Series(differs.to_numpy(dtype=bool, na_value=False), index=frame.index)'''


@dataclass(frozen=True)
class ColumnRef:
    """How code reads and writes one column of the cleaned frame.

    Attributes
    ----------
    frame : str
        Variable holding the cleaned frame.
    name : object
        The card's column name.
    position : int
        The column's position (stable until columns are dropped at the end).
    by_position : bool
        Whether code must use the position (duplicate or inexact names).
    """

    frame: str
    name: object
    position: int
    by_position: bool

    @property
    def label(self) -> str:
        """The column as Python source for messages and lists: ``'price'``."""
        return python_literal(self.name) if not self.by_position else f"column {self.position}"

    @property
    def read(self) -> str:
        """Expression for the column: ``df_clean['price']``."""
        if self.by_position:
            return f"{self.frame}.iloc[:, {self.position}]"
        return f"{self.frame}[{python_literal(self.name)}]"

    def write(self, expression: str) -> str:
        """Statement replacing the column with ``expression``."""
        if self.by_position:
            return f"{self.frame}.isetitem({self.position}, {expression})"
        return f"{self.frame}[{python_literal(self.name)}] = {expression}"

    def set_where(self, mask: str, value: str) -> str:
        """Statement setting ``value`` in the rows where boolean Series ``mask`` holds."""
        if self.by_position:
            return f"{self.frame}.iloc[{mask}.to_numpy(), {self.position}] = {value}"
        return f"{self.frame}.loc[{mask}, {python_literal(self.name)}] = {value}"


def column_refs(card: dict, frame: str) -> dict[int, ColumnRef]:
    """A :class:`ColumnRef` per column position of ``card``."""
    columns = card.get("columns", [])
    seen: dict = {}
    for column in columns:
        key = label_key(column["name"])
        seen[key] = seen.get(key, 0) + 1
    refs = {}
    for column in columns:
        inexact = column.get("name_exact") is False
        duplicated = seen[label_key(column["name"])] > 1
        refs[column["position"]] = ColumnRef(frame, column["name"], column["position"], inexact or duplicated)
    return refs


def markdown_name(name) -> str:
    """A column name for markdown: in backticks, quotes shown only when needed."""
    text = str(tuple(as_tuple(name))) if isinstance(name, list) else str(name)
    return "`" + text.replace("`", "'") + "`"
