"""Detectors about what a column *is* rather than what its values look like:
identifiers and their duplicates, free text of very many distinct values,
near-constant columns, columns mixing Python types, and the likely target.

These decide how an engine treats a whole column (never one-hot encode an ID,
never impute a key, keep the target out of the features), so each rule asks
for evidence in both the name and the values where it can.

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Iterable, Mapping

from .detect_numbers import name_words
from .detectors import (
    MAX_EVIDENCE_ITEMS,
    is_standard_null_token,
    json_safe_value,
    make_issue,
    quoted_list,
    top_counts,
)

#: Words of a column name that say "identifier" (compared with whole words).
ID_WORDS = frozenset(
    ["id", "ids", "key", "code", "uuid", "guid", "identifier", "number", "num", "no", "nr", "sku", "index", "idx", "pk"]
)

#: Endings of a run-together name that say "identifier" ("tailnum", "productcode").
ID_SUFFIXES = ("num", "key", "code")

#: Words that, run together with "id", name an identifier ("customerid").
#: "id" alone ends too many words ("android", "fluid") to be a suffix.
ID_ENTITIES = frozenset(
    [
        "account", "client", "customer", "device", "employee", "invoice", "item", "member", "order",
        "patient", "person", "product", "record", "row", "session", "store", "student", "transaction",
        "txn", "user", "visit",
    ]
)

#: Fewest non-null values before a column can be called an identifier.
MIN_ID_VALUES = 20

#: Least share of distinct values (among non-null) for an identifier.
ID_UNIQUE_SHARE = 0.95

#: Share of the non-null values one value must reach for a near-constant column.
NEAR_CONSTANT_SHARE = 0.99

#: Fewest non-null values before "near constant" means anything (below 100
#: values, 99% of them is all of them).
NEAR_CONSTANT_MIN_VALUES = 100

#: Fewest distinct values for a high-cardinality text column, and the share
#: of distinct values (or the absolute count) that makes it one.
HIGH_CARDINALITY_MIN_DISTINCT = 100
HIGH_CARDINALITY_SHARE = 0.5
HIGH_CARDINALITY_ABSOLUTE = 1000

#: Column names (lower case, non-alphanumerics as ``_``) that are usually the
#: thing to predict.
TARGET_NAMES = frozenset(
    [
        "target", "label", "labels", "y", "class", "outcome", "churn", "churned", "is_churn", "exited",
        "is_fraud", "isfraud", "fraud", "fraudulent", "default", "is_default", "survived", "converted",
        "is_converted", "response",
    ]
)


# --------------------------------------------------------------------------
# Helpers


def looks_like_id_name(name: Any) -> bool:
    """Tell whether a column name says identifier: ``order_id``, ``CustomerID``, ``tailnum``, ``Sample Number``."""
    if name is None or isinstance(name, (int, float)):
        return False
    words = name_words(name)
    if ID_WORDS.intersection(words):
        return True
    # run-together words such as "tailnum" (at least four letters before the
    # suffix) or "customerid" (a known entity before "id": not "android")
    return any(
        (len(word) >= len(suffix) + 4 and word.endswith(suffix)) for word in words for suffix in ID_SUFFIXES
    ) or any(word.endswith("id") and word[:-2] in ID_ENTITIES for word in words)


def python_type_name(value: Any) -> str:
    """Type name for the mixed-types evidence; numpy scalars count as their Python kind."""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "bool"
    if type(value).__module__ == "numpy":
        kind = getattr(getattr(value, "dtype", None), "kind", "")
        kinds = {"i": "int", "u": "int", "f": "float", "c": "complex", "U": "str", "S": "bytes"}
        return kinds.get(kind, type(value).__name__)
    return type(value).__name__


def id_values_kind(sample) -> str | None:
    """``"int"`` or ``"str"`` when the sampled non-null values could be identifiers, else ``None``.

    Integers (any integer dtype, or floats that are all whole numbers, as an
    integer column with missing values becomes) and strings qualify; other
    floats, dates, booleans and mixed columns do not.
    """
    import numpy as np
    import pandas as pd

    dtype = sample.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        numbers = sample.to_numpy(dtype="float64", na_value=np.nan)
        return "int" if numbers.size and np.all(np.isfinite(numbers)) and np.all(numbers == np.round(numbers)) else None
    if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return "str" if all(isinstance(value, str) for value in sample.tolist()) else None
    return None


def is_text_dtype(dtype) -> bool:
    """Object or string dtype: its values could be text (only named text columns can be IDs)."""
    import pandas as pd

    return pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)


def is_dense_increasing_integers(series) -> bool:
    """Tell whether a column counts up like a row number: sorted and mostly consecutive.

    Sorted and unique is not enough: a frame sorted by population is both.
    Row numbers also leave few holes, so the span (max - min) may be at
    most twice the number of values.
    """
    clean = series.dropna()
    if len(clean) < MIN_ID_VALUES or not clean.is_monotonic_increasing:
        return False
    span = int(clean.iloc[-1]) - int(clean.iloc[0])  # Python ints: exact even near 2**63
    return span <= 2 * len(clean)


def is_sorted_numbers(clean) -> bool:
    """Whether a Series without missing values holds numbers in increasing order (one pass, no hashing)."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(clean.dtype) and not pd.api.types.is_bool_dtype(clean.dtype) and bool(
        clean.is_monotonic_increasing
    )


def distinct_count(clean) -> int:
    """Exact number of distinct values of a Series without missing values.

    Sorted numbers (row numbers, sequential IDs: the usual identifier) are
    counted from their steps in one vectorised pass; anything else is hashed
    with ``nunique``.
    """
    import numpy as np

    if len(clean) and is_sorted_numbers(clean):
        values = clean.to_numpy()
        return int(np.count_nonzero(values[1:] != values[:-1])) + 1
    return int(clean.nunique())


# --------------------------------------------------------------------------
# Identifiers and duplicate keys


def id_like_reason(series, sample) -> str | None:
    """Why a column is an identifier (``"name"`` or ``"sequence"``), or ``None``.

    Parameters
    ----------
    series : pandas.Series
        The whole column (its label is the name; the sequence check is
        vectorised over all rows).
    sample : pandas.Series
        The column's row sample.

    Returns
    -------
    str or None
        ``"name"`` when the name says identifier (:func:`looks_like_id_name`)
        and at least :data:`ID_UNIQUE_SHARE` of the sampled non-null values
        are distinct; ``"sequence"`` for integers that count up like row
        numbers (:func:`is_dense_increasing_integers`) with that share of
        distinct values; ``None`` otherwise.
    """
    values = sample.dropna()
    if len(values) < MIN_ID_VALUES:
        return None
    named = looks_like_id_name(series.name)
    kind = id_values_kind(values) if named or not is_text_dtype(values.dtype) else None
    if kind is None or (not named and (kind != "int" or not is_dense_increasing_integers(series))):
        return None
    if values.nunique() / len(values) < ID_UNIQUE_SHARE:
        return None
    return "name" if named else "sequence"


def detect_id_like(series, sample) -> dict | None:
    """Find a column of identifiers: distinct (or nearly) integers/strings named like an ID, or a row-number sequence.

    Parameters
    ----------
    series : pandas.Series
        The whole column; for a column named like an ID the share of
        distinct values is then counted exactly over all rows (a row sample
        makes repeated keys look unique).
    sample : pandas.Series
        The column's row sample (a cheap first check).

    Returns
    -------
    dict or None
        An ``id_like`` issue with evidence ``unique_share`` (distinct /
        non-null values) and ``reason`` (``"name"`` or ``"sequence"``), or
        ``None``.
    """
    try:
        reason = id_like_reason(series, sample)
        if reason is None:
            return None
        clean = series.dropna()
        share = distinct_count(clean) / len(clean)
    except TypeError:  # unhashable cells (lists, dicts) outside the sample
        return None
    if share < ID_UNIQUE_SHARE:
        return None
    share = round(float(share), 4)
    why = "its name says identifier" if reason == "name" else "it counts up like a row number"
    return make_issue(
        "id_like",
        len(clean),
        {"unique_share": share, "reason": reason, "sampled": False},
        f"identifier column ({why}; {share:.0%} of values distinct): "
        "not a feature, keep it out of models and imputation",
    )


def detect_duplicate_keys(series, sample, reason: str) -> dict | None:
    """Find values repeated in an identifier column.

    Parameters
    ----------
    series : pandas.Series
        The whole column; counted exactly when ``reason`` is ``"name"``.
    sample : pandas.Series
        The column's row sample, counted instead for a ``"sequence"``
        identifier (whose name does not promise unique values).
    reason : str
        Why the column is an identifier (from :func:`id_like_reason`).

    Returns
    -------
    dict or None
        A ``duplicate_keys`` issue with evidence ``duplicated`` (up to 10
        repeated keys -> how often each occurs) and ``rows`` (rows holding a
        repeated key), or ``None``.
    """
    exact = reason == "name"
    clean = (series if exact else sample).dropna()
    if is_sorted_numbers(clean) and distinct_count(clean) == len(clean):
        return None  # strictly increasing: no key repeats, and no hashing of millions of keys
    repeated = clean[clean.duplicated(keep=False)]
    if repeated.empty:
        return None
    counts = repeated.value_counts()
    rows = int(len(repeated))
    shown = top_counts(dict(zip(counts.index.tolist(), counts.tolist())))
    scope = "" if exact else " in the sample"
    return make_issue(
        "duplicate_keys",
        rows,
        {"duplicated": shown, "rows": rows, "sampled": not exact},
        f"{rows} rows{scope} share an identifier with another row "
        f"({len(counts)} repeated keys, e.g. {quoted_list(shown, 3)})",
    )


# --------------------------------------------------------------------------
# Cardinality and constancy


def detect_high_cardinality(distinct: int, non_null: int) -> dict | None:
    """Flag a text column with very many distinct values (free text, names, addresses).

    The caller passes only text columns that are neither identifiers nor
    categories. Such a column must not be one-hot encoded or treated as a
    category.

    Parameters
    ----------
    distinct : int
        Distinct non-null values in the sample.
    non_null : int
        Non-null values in the sample.

    Returns
    -------
    dict or None
        A ``high_cardinality`` issue with evidence ``distinct`` and
        ``share`` (distinct / non-null) when there are at least
        :data:`HIGH_CARDINALITY_MIN_DISTINCT` distinct values and they are
        at least half of the values (or number a thousand or more).
    """
    if not non_null or distinct < HIGH_CARDINALITY_MIN_DISTINCT:
        return None
    share = round(distinct / non_null, 4)
    if share < HIGH_CARDINALITY_SHARE and distinct < HIGH_CARDINALITY_ABSOLUTE:
        return None
    return make_issue(
        "high_cardinality",
        non_null,
        {"distinct": int(distinct), "share": share},
        f"{distinct} distinct texts ({share:.0%} of the values): "
        "free text, names or codes, not a category to one-hot encode",
    )


def detect_near_constant(counts: Mapping[Any, int]) -> dict | None:
    """Flag a column where one value fills at least 99% of the non-null rows, but not all.

    Parameters
    ----------
    counts : Mapping
        Distinct sampled non-null values -> counts.

    Returns
    -------
    dict or None
        A ``near_constant`` issue with evidence ``value`` and ``share``, or
        ``None``. ``count`` is the number of values that differ from it. A
        dominant null token ("N/A") is left to the null-token detector.
    """
    total = sum(counts.values())
    if len(counts) < 2 or total < NEAR_CONSTANT_MIN_VALUES:
        return None
    if len(counts) - 1 > (1 - NEAR_CONSTANT_SHARE) * total:
        return None  # the other values alone are more than 1%: no need to look for the top one
    value, count = max(counts.items(), key=lambda pair: pair[1])
    share = count / total
    if share < NEAR_CONSTANT_SHARE or (isinstance(value, str) and is_standard_null_token(value)):
        return None
    others = total - count
    safe = json_safe_value(value)
    share = round(share, 4)
    return make_issue(
        "near_constant",
        others,
        {"value": safe, "share": share},
        f"{share:.1%} of the values are {safe!r}; only {others} differ (little information, or rare errors)",
    )


# --------------------------------------------------------------------------
# Mixed types


def detect_mixed_types(values: Iterable[Any]) -> dict | None:
    """Find an object column mixing Python types (``"12"`` next to ``12`` next to ``12.5``).

    Ints and floats together are numbers and are not flagged; any other
    combination (text with numbers, numbers with booleans, lists with
    scalars ...) is.

    Parameters
    ----------
    values : iterable
        The sampled non-null values of the column.

    Returns
    -------
    dict or None
        A ``mixed_types`` issue with evidence ``types`` (type name -> count)
        and ``examples`` (type name -> one value), or ``None``. ``count`` is
        the number of values not of the most common type.
    """
    types: Counter = Counter()
    examples: dict[str, Any] = {}
    for value in values:
        name = python_type_name(value)
        types[name] += 1
        examples.setdefault(name, value)
    if len(types) < 2 or set(types) <= {"int", "float"}:
        return None
    main = types.most_common(1)[0][1]
    others = sum(types.values()) - main
    shown = top_counts(types, limit=MAX_EVIDENCE_ITEMS)
    return make_issue(
        "mixed_types",
        others,
        {"types": shown, "examples": {name: json_safe_value(examples[name]) for name in shown}},
        f"values of {len(types)} Python types in one column "
        f"({', '.join(f'{name}: {count}' for name, count in shown.items())})",
    )


# --------------------------------------------------------------------------
# Frame level


def duplicate_key_issues(frame, sample_frame, issues: Iterable[Mapping]) -> list[dict]:
    """``duplicate_keys`` issues of the frame's identifier columns (those with an ``id_like`` issue).

    Parameters
    ----------
    frame, sample_frame : pandas.DataFrame
        The whole frame and its row sample.
    issues : iterable of dict
        The card's column issues (with ``column`` and ``position``).

    Returns
    -------
    list of dict
        One issue per identifier column with repeated values, carrying the
        column's ``column`` and ``position``. A column that cannot be
        compared (unhashable cells) is skipped: the card must not fail.
    """
    found = []
    for issue in issues:
        if issue.get("kind") != "id_like":
            continue
        position = issue["position"]
        try:
            duplicates = detect_duplicate_keys(
                frame.iloc[:, position], sample_frame.iloc[:, position], issue["evidence"]["reason"]
            )
        except (TypeError, ValueError):
            continue
        if duplicates:
            found.append({"column": issue["column"], "position": position, **duplicates})
    return found


def likely_id_columns(issues: Iterable[Mapping]) -> list:
    """Names of the columns that have an ``id_like`` issue, in column order."""
    return [issue["column"] for issue in issues if issue.get("kind") == "id_like"]


def same_label(label: Any, target: Any) -> bool:
    """``label == target`` for column labels of any type (arrays and NaN compare unequal)."""
    if isinstance(label, bool) != isinstance(target, bool):
        return False  # True == 1 in Python, but they are different labels
    try:
        return bool(label == target)
    except (TypeError, ValueError):
        return False


def likely_target(labels: Iterable[Any], target: Any = None) -> dict | None:
    """The column the user wants to predict, or the one whose name says so.

    Parameters
    ----------
    labels : iterable
        The frame's column labels, in order.
    target : Any, optional
        The column the user named. When it is a column of the frame it wins;
        otherwise the names are looked at.

    Returns
    -------
    dict or None
        ``{"column": label, "reason": "named by the user"}``, or
        ``{"column": label, "reason": "name looks like a target (churn, label, target, y, ...)"}``
        for the first column whose whole name (lower case, separators as
        ``_``) is in :data:`TARGET_NAMES`, or ``None``.
    """
    labels = list(labels)
    if target is not None and any(same_label(label, target) for label in labels):
        return {"column": target if isinstance(target, str) else json_safe_value(target), "reason": "named by the user"}
    for label in labels:
        if not isinstance(label, str):
            continue
        normalized = re.sub(r"[^0-9a-z]+", "_", re.sub(r"([a-z])([A-Z])", r"\1_\2", label.strip()).lower()).strip("_")
        if normalized in TARGET_NAMES:
            return {"column": label, "reason": "name looks like a target (churn, label, target, y, ...)"}
    return None
