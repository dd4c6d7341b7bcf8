"""The data card: a compact, JSON-safe description of a live DataFrame.

``describe(df)`` reads the frame and never changes it. Exact where it is
cheap (shape, dtypes, null counts, numeric statistics); everything costly
(distinct counts, value counts, text pattern detection and, on big frames,
duplicate rows) runs on a bounded row sample, and the card says so.

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Iterable

from . import detect_conflicts, detect_keys, detect_numbers, detect_spelling, detectors, scan
from .pii import detect_pii
from .privacy import apply_privacy, check_privacy_mode
from .prompt import DEFAULT_BUDGET, render_prompt

SCHEMA_VERSION = 1

#: Rows at the top of the frame always in the sample: the head is what the
#: user looks at, and it keeps the sample stable when rows are appended.
SAMPLE_HEAD_SHARE = 0.1

#: Above this many rows, duplicate rows are looked for in the sample only.
EXACT_DUPLICATES_MAX_ROWS = 200_000

#: A column with at most this many distinct values gets ``top`` values.
TOP_MAX_DISTINCT = 50

SEMANTIC_FOR_ISSUE = {
    "numeric_string": "numeric_string",
    "datetime_string": "datetime_string",
    "boolean_string": "boolean_string",
}


@dataclass
class DataCard:
    """The data card of one frame; see ``docs/architecture.md`` for the schema.

    Attributes
    ----------
    name : str
        The name the frame is bound to.
    data : dict
        The JSON-safe card (what :meth:`to_dict` returns), after privacy.
    focus : tuple
        Column names the user named; kept in full in :meth:`to_prompt`.
    target : Any
        The column the user wants to predict; kept in full in :meth:`to_prompt`.
    """

    name: str
    data: dict = field(default_factory=dict)
    focus: tuple = ()
    target: Any = None

    def to_dict(self) -> dict:
        """Return the card as a JSON-safe dict (schema version 1)."""
        return self.data

    @property
    def issues(self) -> list[dict]:
        """The issues found, frame-level first."""
        return self.data.get("issues", [])

    def to_prompt(self, budget: int = DEFAULT_BUDGET) -> str:
        """Render the card as text for a language model, within a token budget.

        Parameters
        ----------
        budget : int
            Most tokens, as :func:`~jupyterlab_llmds.kernel.prompt.estimate_tokens`
            counts them.

        Returns
        -------
        str
            See :func:`~jupyterlab_llmds.kernel.prompt.render_prompt` (the one
            renderer of cards as text; ``render_prompt`` here is that function).
        """
        return render_prompt(self.data, budget=budget, focus=self.focus, target=self.target)


# --------------------------------------------------------------------------
# Building the card


def describe(
    df,
    name: str = "df",
    *,
    privacy: str = "redacted",
    exclude: Iterable[Any] = (),
    target: Any = None,
    focus: Iterable[Any] = (),
    sample_rows: int = 10_000,
    seed: int = 0,
) -> DataCard:
    """Build the data card of a DataFrame (or Series) without modifying it.

    Parameters
    ----------
    df : pandas.DataFrame or pandas.Series
        The frame to describe. A Series is described as a one-column frame.
    name : str
        The name the frame is bound to in the user's namespace.
    privacy : {"redacted", "schema", "full"}
        What of the values the card may hold (see
        :mod:`jupyterlab_llmds.kernel.privacy`): ``"redacted"`` replaces
        personal data with placeholders, ``"schema"`` keeps names, dtypes
        and counts only, ``"full"`` keeps values as they are. Applied here,
        before the card leaves this function.
    exclude : iterable
        Column names whose values never leave the kernel (the columns stay
        in the card with name, dtype and counts).
    focus : iterable
        Column names the user named; :meth:`DataCard.to_prompt` keeps them
        in full.
    sample_rows : int
        Row budget for the costly statistics. A frame with more rows is
        described from its head plus random rows (drawn with
        ``numpy.random.default_rng(seed)``); the card says so. Wide frames
        get fewer rows (about two million cells in all, at least 1,000 rows;
        see :func:`~jupyterlab_llmds.kernel.scan.effective_sample_rows`).
        Null counts, dtypes, row count and min/max/mean of numbers are
        always exact; ``timing.sampled_parts`` lists what was not.
    seed : int
        Seed of the random part of the sample, for reproducible cards.
    target : Any, optional
        The column the user wants to predict; it becomes ``likely_target``
        (otherwise a column named like a target, such as ``churn``, does).

    Returns
    -------
    DataCard
        The card; ``to_dict()`` gives the JSON-safe dict.

    Raises
    ------
    ValueError
        For an unknown privacy mode (the message lists the modes).
    """
    import pandas as pd

    check_privacy_mode(privacy)
    stopwatch = scan.Stopwatch()
    # a fresh allowance for str()/repr() of the user's objects while this card is built
    render_budget = detectors.RENDER_BUDGET.set(detectors.RenderBudget())
    text_limit = None
    try:
        kind = "Series" if isinstance(df, pd.Series) else "DataFrame"
        frame = df.to_frame() if kind == "Series" else df
        rows, column_count = frame.shape
        # wide frames get fewer sample rows and fewer strings per text column: the per-value work is per cell
        positions = sample_positions(rows, scan.effective_sample_rows(sample_rows, column_count), seed)
        text_limit = scan.TEXT_DETECTOR_LIMIT.set(scan.text_detector_limit(frame.dtypes))
        sampled = positions is not None
        sample_frame = frame.iloc[positions] if sampled else frame
        columns, issues = [], []
        # every column's Series at once: items() costs a fraction of iloc per column at 2,000 columns
        whole_columns = [series for _, series in frame.items()]
        sample_columns = [series for _, series in sample_frame.items()] if sampled else whole_columns
        for position in range(column_count):
            column, column_issues = describe_column(
                frame, sample_frame, position, sampled, series=whole_columns[position], sample=sample_columns[position]
            )
            columns.append(column)
            issues.extend(column_issues)
        if kind == "Series" or column_count == 1:
            # repeated values are the norm in a single column, not duplicate records
            duplicates = {"summary": {"count": 0, "exact": True}, "issues": []}
        else:
            duplicates = describe_duplicates(frame, sample_frame, positions)
        key_issues = detect_keys.duplicate_key_issues(frame, sample_frame, issues)
        key_issues += conflict_issues(sample_frame, columns, issues, rows, sampled)
        parts = scan.sampled_parts(columns, issues, duplicates["summary"], sampled)
        data = {
            "schema_version": SCHEMA_VERSION,
            "name": str(name),
            "kind": kind,
            "shape": [int(rows), int(column_count)],
            "index": describe_index(frame.index),
            "memory_bytes": memory_bytes(frame),
            "sample": {
                "rows": int(len(positions)) if sampled else int(rows),
                "of": int(rows),
                "method": "head+random" if sampled else "all",
            },
            "duplicate_rows": duplicates["summary"],
            "columns": columns,
            "issues": duplicates["issues"] + key_issues + issues,
            "likely_id_columns": detect_keys.likely_id_columns(issues),
            "likely_target": detect_keys.likely_target(frame.columns, target),
        }
        # privacy last, on the finished card: nothing built above leaves describe() unfiltered
        data = apply_privacy(data, privacy, exclude)
        data["timing"] = {"seconds": stopwatch.seconds(), "sampled_parts": parts}
    finally:
        # the limits are per card: a card that raised must not leave a spent
        # budget behind for the next one in this context
        if text_limit is not None:
            scan.TEXT_DETECTOR_LIMIT.reset(text_limit)
        detectors.RENDER_BUDGET.reset(render_budget)
    return DataCard(name=str(name), data=data, focus=tuple(focus), target=target)


def conflict_issues(sample_frame, columns: list, issues: list, rows: int, sampled: bool) -> list:
    """The ``key_conflicts`` issues (empty when none, or when looking failed).

    Rows that repeat an entity and disagree are a finding, not a reason for
    the card to fail: an error while looking (odd dtypes, unhashable cells
    pandas did not foresee) leaves the issue out.
    """
    try:
        return detect_conflicts.detect_key_conflicts(sample_frame, columns, issues, rows, sampled)
    except Exception:  # the card must not fail on a user's odd frame
        return []


def sample_positions(rows: int, sample_rows: int, seed: int):
    """Sorted row positions to sample, or ``None`` when every row fits the budget.

    The head is always included; the rest are distinct random positions from
    ``numpy.random.default_rng(seed).choice`` (``df.sample`` would shuffle
    every row of a large frame just to take a few).
    """
    sample_rows = max(1, int(sample_rows))
    if rows <= sample_rows:
        return None
    import numpy as np

    head = min(int(sample_rows * SAMPLE_HEAD_SHARE), sample_rows)
    rng = np.random.default_rng(seed)
    rest = rng.choice(rows - head, size=sample_rows - head, replace=False) + head
    return np.sort(np.concatenate([np.arange(head), rest]))


def describe_index(index) -> dict:
    """Kind, levels and name(s) of the frame's index."""
    names = [detectors.json_safe_value(level_name) for level_name in index.names]
    return {
        "kind": type(index).__name__,
        "nlevels": int(index.nlevels),
        "name": names[0] if index.nlevels == 1 else names,
    }


def memory_bytes(frame) -> int | None:
    """Shallow memory use (``deep=True`` walks every string and is too slow)."""
    try:
        return int(frame.memory_usage(index=True, deep=False).sum())
    except Exception:  # exotic extension arrays must not break the card
        return None


def describe_duplicates(frame, sample_frame, positions) -> dict:
    """Duplicate-row summary and issue: exact up to 200k rows, else on the sample."""
    exact = len(frame) <= EXACT_DUPLICATES_MAX_ROWS
    target = frame if exact else sample_frame
    try:
        issue = detectors.detect_duplicate_rows(target, exact=exact, positions=None if exact else positions)
    except Exception as error:  # unhashable cells (lists, dicts) cannot be compared
        return {"summary": {"count": None, "exact": exact, "error": short_error(error)}, "issues": []}
    count = issue["count"] if issue else 0
    issues = [{"column": None, **issue}] if issue else []
    return {"summary": {"count": count, "exact": exact}, "issues": issues}


def short_error(error: Exception) -> str:
    """``TypeError: unhashable type: 'list'`` cut to evidence length."""
    return detectors.truncate_text(f"{type(error).__name__}: {error}")


def column_name(label) -> tuple[Any, bool]:
    """JSON-safe column name and whether code can use it as the exact label.

    Strings (kept whole: code refers to them), ints, finite floats,
    booleans and tuples of those (MultiIndex columns, given as lists)
    round-trip; other labels (timestamps, NaN) are given as text and code
    must reach the column by position.
    """
    if isinstance(label, str):
        return label, True
    if isinstance(label, tuple):
        parts = [column_name(part) for part in label]
        return [part for part, _ in parts], all(ok for _, ok in parts)
    safe = detectors.json_safe_value(label)
    plain_number = isinstance(label, (int, float, bool)) or type(label).__module__ == "numpy"
    exact = plain_number and safe is not None and not isinstance(safe, str) and safe == label
    return safe, bool(exact)


def describe_column(frame, sample_frame, position: int, sampled: bool, *, series=None, sample=None) -> tuple[dict, list]:
    """Card entry and issues of one column; never raises.

    A column whose inspection fails keeps its name, dtype and null count (when
    those work), gets semantic ``"other"`` and an ``error`` note.

    Parameters
    ----------
    frame, sample_frame : pandas.DataFrame
        The whole frame and its row sample (the same frame when not sampled).
    position : int
        The column's position (labels may repeat).
    sampled : bool
        Whether ``sample_frame`` is a subset of the rows.
    series, sample : pandas.Series, optional
        The column and its sample when the caller already has them
        (:func:`describe` takes all columns at once); read from the frames
        by position otherwise.
    """
    label = frame.columns[position]
    name, name_exact = column_name(label)
    column = {
        "name": name,
        "position": position,
        "dtype": "unknown",
        "semantic": "other",
        "nulls": None,
        "null_share": None,
        "distinct": {"count": None, "exact": not sampled},
        "stats": {},
        "top": [],
        "samples": [],
    }
    if not name_exact:
        column["name_exact"] = False
    try:
        with warnings.catch_warnings():
            # inspection must stay silent in the user's kernel
            warnings.simplefilter("ignore")
            if series is None:
                series, sample = frame.iloc[:, position], sample_frame.iloc[:, position]
            issues = inspect_column(series, sample, column, sampled)
    except Exception as error:
        column["semantic"] = "other"
        column["error"] = short_error(error)
        return column, []
    text_subset = column.get("_text_sampled", False)
    for issue in issues:
        if sampled or (text_subset and issue["kind"] in scan.TEXT_ISSUE_KINDS):
            # detectors that counted over every row say so with sampled: false
            issue["evidence"].setdefault("sampled", True)
    # "position" tells issues of same-named columns apart
    return column, [{"column": name, "position": position, **issue} for issue in issues]


def inspect_column(series, sample, column: dict, sampled: bool) -> list[dict]:
    """Fill ``column`` (in place, it is our own dict) and return its issues."""
    import pandas as pd

    column["dtype"] = str(series.dtype)
    rows = len(series)
    # exact over every row, and free for integer/boolean columns (see scan.null_count)
    nulls = scan.null_count(series)
    column["nulls"] = nulls
    column["null_share"] = round(nulls / rows, 4) if rows else 0.0
    # a column without missing values (exact count above) has none in its sample either
    non_null = sample if nulls == 0 else sample.dropna()
    # counted in C; None when cells cannot be hashed or compared (lists, hostile objects)
    counts = scan.sample_counts(non_null)
    values = None
    if counts is None:
        values = non_null.tolist()
        counts = value_counts_of(values)
    column["distinct"]["count"] = len(counts)
    if len(counts) <= TOP_MAX_DISTINCT:
        column["top"] = [[detectors.json_safe_value(value), count] for value, count in top_pairs(counts)]
    column["samples"] = detectors.first_values(counts, limit=5)
    dtype = series.dtype
    issues: list[dict] = []
    strings = None
    if nulls == rows:
        column["semantic"] = "empty"
        if rows:  # a frame without rows has nothing missing to report
            issues.append(detectors.detect_all_null(0))
        return issues
    if isinstance(dtype, pd.CategoricalDtype):
        column["semantic"] = "category"
    elif pd.api.types.is_bool_dtype(dtype):
        column["semantic"] = "boolean"
    elif pd.api.types.is_numeric_dtype(dtype):
        column["semantic"] = "numeric"
        column["stats"] = scan.numeric_summary(series, sample, sampled, nulls=nulls)
        issues.extend(detect_numbers.inspect_numbers(series, sample, series.name, column["stats"]))
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        column["semantic"] = "datetime"
        column["stats"] = datetime_stats(series)
        date_sentinel = detect_numbers.detect_sentinel_dates(series)
        if date_sentinel:
            issues.append(date_sentinel)
    elif pd.api.types.is_timedelta64_dtype(dtype):
        column["semantic"] = "timedelta"
    else:
        only_strings = values is None and scan.holds_only_strings(non_null)
        if values is None and not only_strings:
            values = non_null.tolist()
        strings = bounded_string_counts(counts, values, column, only_strings=only_strings)
        issues.extend(inspect_python_values(values, column, rows, nulls, strings))
    if column["semantic"] in ("category", "text", "mixed", "other") or column["semantic"].endswith("_string"):
        # text values only: numbers, dates and booleans cannot hold an address
        pii_issue = detect_pii(strings if strings is not None else bounded_string_counts(counts, values, column))
        if pii_issue:
            issues.append(pii_issue)
    constant = detectors.detect_constant(list(counts), rows, nulls) if not sampled or len(counts) == 1 else None
    if constant and not any(issue["kind"] == "all_null" for issue in issues):
        issues.append(constant)
    issues.extend(inspect_column_role(series, sample, column, counts, issues))
    return issues


def inspect_column_role(series, sample, column: dict, counts: dict, issues: list[dict]) -> list[dict]:
    """Issues about the column as a whole: identifier, near-constant, high-cardinality text."""
    if any(issue["kind"] in ("all_null", "constant") for issue in issues):
        return []
    found = []
    id_like = detect_keys.detect_id_like(series, sample)
    if id_like:
        found.append(id_like)
    near_constant = detect_keys.detect_near_constant(counts)
    if near_constant:
        found.append(near_constant)
    if column["semantic"] == "text" and not id_like:
        high_cardinality = detect_keys.detect_high_cardinality(len(counts), sum(counts.values()))
        if high_cardinality:
            found.append(high_cardinality)
    return found


def inspect_python_values(values: list | None, column: dict, rows: int, nulls: int, strings: dict) -> list[dict]:
    """Semantic and issues of an object/str column from its sampled Python values.

    Parameters
    ----------
    values : list or None
        The sampled non-null values, or ``None`` when every one of them is a
        string (a ``str`` column): their types need no look then.
    column : dict
        The column's card entry, filled in place.
    rows, nulls : int
        Rows of the frame and missing values of the column (exact).
    strings : dict
        The sampled strings with their counts, as the text detectors get them
        (see :func:`bounded_string_counts`).
    """
    if values is not None:
        has_strings = any(isinstance(value, str) for value in values)
        others = [value for value in values if not isinstance(value, str)]
        if others:
            mixed_types = detect_keys.detect_mixed_types(values)
            if has_strings:
                column["semantic"] = "mixed"
            else:
                numbers = all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in others)
                column["semantic"] = "numeric" if numbers else "other"
            return [mixed_types] if mixed_types else []
    return inspect_strings(strings, column, rows, nulls)


def bounded_string_counts(counts: dict, values: list | None, column: dict, *, only_strings: bool = False) -> dict:
    """The sampled strings of a column with their counts, at most ``scan.TEXT_DETECTOR_VALUES`` of them.

    Parameters
    ----------
    counts : dict
        Distinct sampled values -> counts (keys are the values themselves
        unless ``values`` is given).
    values : list or None
        The sampled values, when ``counts`` had to key some of them by text
        (unhashable cells): strings are then taken from here.
    column : dict
        The column's card entry; ``"_text_sampled"`` is set on it (and taken
        off by :func:`describe`) when the text detectors see a subset.
    only_strings : bool
        The caller checked that every key of ``counts`` is a ``str`` (no
        filtering pass needed).

    Returns
    -------
    dict
        string -> count; frequent strings exactly, rare ones subsampled with
        scaled counts (see :func:`~jupyterlab_llmds.kernel.scan.bounded_text_counts`).
    """
    if values is not None:
        strings = detectors.string_counts(values)
    elif only_strings:
        strings = counts
    else:
        strings = {value: count for value, count in counts.items() if isinstance(value, str)}
    bounded, reduced = scan.bounded_text_counts(strings)
    if reduced:
        column["_text_sampled"] = True
    return bounded


def inspect_strings(counts, column: dict, rows: int, nulls: int) -> list[dict]:
    """Run the text detectors in order and decide the column's semantic."""
    issues = []
    whitespace = detectors.detect_whitespace(counts)
    if whitespace:
        issues.append(whitespace)
    typed = (
        detectors.detect_boolean_strings(counts)
        or detectors.detect_numeric_strings(counts)
        or detectors.detect_datetime_strings(counts)
    )
    null_words = typed["evidence"].get("null_words", {}) if typed else {}
    tokens = detectors.detect_null_tokens(counts, null_words)
    if tokens:
        issues.append(tokens)
    token_counts = tokens["evidence"]["tokens"] if tokens else {}
    all_null = detectors.detect_all_null(sum(counts.values()), token_counts) if tokens else None
    if all_null:
        column["semantic"] = "empty"
        issues.append(all_null)
        return issues
    if typed:
        column["semantic"] = SEMANTIC_FOR_ISSUE[typed["kind"]]
        issues.append(typed)
        if typed["kind"] == "datetime_string" and typed["evidence"]["value_kind"] != "time":
            date_sentinel = detect_numbers.detect_sentinel_date_strings(counts)
            if date_sentinel:
                issues.append(date_sentinel)
        return issues
    variants = detectors.detect_case_variants(counts)
    if variants:
        issues.append(variants)
    spelling = detect_spelling.detect_spelling_variants(counts)
    if spelling:
        issues.append(spelling)
    distinct = len(detectors.non_token_counts(counts))
    non_null = sum(counts.values())
    low_cardinality = distinct <= TOP_MAX_DISTINCT and distinct <= max(1, non_null // 2)
    column["semantic"] = "category" if low_cardinality else "text"
    return issues


def value_counts_of(values: list) -> dict:
    """Counts of values in first-seen order, for cells pandas cannot hash.

    Unhashable cells (lists, dicts) are keyed by their ``repr``, so equal
    lists count together; cells whose ``__hash__`` or ``__eq__`` raise are
    keyed by their text too. ``repr`` goes through
    :func:`~jupyterlab_llmds.kernel.detectors.safe_text`, bounded by the
    card's render budget: a slow ``__repr__`` runs a few times, not once per row.
    """
    counts: dict = {}
    for value in values:
        try:
            counts[value] = counts.get(value, 0) + 1
        except Exception:  # unhashable, or a hostile __hash__/__eq__
            key = detectors.safe_text(value, repr)
            counts[key] = counts.get(key, 0) + 1
    return counts


def top_pairs(counts: dict, limit: int = 10) -> list:
    """The ``limit`` most frequent (value, count) pairs."""
    return sorted(counts.items(), key=lambda pair: -pair[1])[:limit]


def datetime_stats(series) -> dict:
    """Earliest and latest timestamp of a datetime column, as ISO strings (exact, NaT skipped without a copy)."""
    earliest, latest = series.min(), series.max()
    if detectors.is_missing_scalar(earliest):
        return {}
    return {"min": detectors.json_safe_value(earliest), "max": detectors.json_safe_value(latest)}
