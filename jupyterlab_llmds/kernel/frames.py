"""List the pandas DataFrames that live in a namespace, cheaply and read-only.

With ``with_issues=True`` each entry also carries the number of issues on the
frame's data card, computed within a total time budget (the sidebar polls
this listing after every cell, so it must stay about a second however many
frames the user holds).
"""

from __future__ import annotations

import sys
import time
from typing import Any, Mapping

#: Seconds the issue counts may take for all frames of one listing together.
ISSUES_TIME_BUDGET = 1.0


def pandas_if_imported():
    """Return the pandas module if the user has imported it, else ``None``.

    Looking in ``sys.modules`` instead of importing keeps inspection free of
    side effects: a kernel that never imported pandas holds no DataFrame.
    """
    return sys.modules.get("pandas")


def shallow_memory_bytes(frame: Any) -> int | None:
    """Memory of a frame without ``deep=True``, which walks every string and is slow."""
    try:
        return int(frame.memory_usage(index=True, deep=False).sum())
    except Exception:  # a broken or exotic frame must not break the listing
        return None


def list_frames(
    namespace: Mapping[str, Any], with_issues: bool = False, issues_budget: float = ISSUES_TIME_BUDGET
) -> list[dict]:
    """List the DataFrames bound to public names in ``namespace``.

    Parameters
    ----------
    namespace : Mapping[str, Any]
        Usually the kernel's ``user_ns``. It is only read.
    with_issues : bool
        Also count the issues on each frame's data card (see
        :func:`add_issue_counts`); off by default, which keeps the listing
        as cheap as reading shapes.
    issues_budget : float
        Seconds the issue counts may take for all frames together.

    Returns
    -------
    list of dict
        One entry per name, sorted by name, with keys ``name``, ``kind``
        (``"DataFrame"``), ``rows``, ``columns`` and ``memory_bytes``, and
        ``issues`` (int, or ``None`` when the budget ran out first) with
        ``with_issues``. Names starting with ``_`` (IPython's output history
        such as ``_`` and ``_5``) are skipped; a frame bound to two names is
        listed twice.
    """
    pandas = pandas_if_imported()
    if pandas is None:
        return []
    data_frame_type = pandas.DataFrame
    frames = []
    values = {}
    # list() first: the namespace may change size while we iterate if another
    # thread (a widget comm, say) assigns a variable.
    for name, value in list(namespace.items()):
        if not isinstance(name, str) or name.startswith("_"):
            continue
        if not isinstance(value, data_frame_type):
            continue
        rows, columns = value.shape
        values[name] = value
        frames.append(
            {
                "name": name,
                "kind": "DataFrame",
                "rows": int(rows),
                "columns": int(columns),
                "memory_bytes": shallow_memory_bytes(value),
            }
        )
    frames.sort(key=lambda entry: entry["name"])
    if with_issues:
        add_issue_counts(frames, values, issues_budget)
    return frames


def add_issue_counts(frames: list[dict], values: Mapping[str, Any], budget: float = ISSUES_TIME_BUDGET) -> None:
    """Set ``entry["issues"]`` on every listing entry: the issue count of its frame's card, or ``None``.

    Cards are built smallest frame first (rows x columns), so that within
    the budget as many frames as possible get a count; a frame bound to two
    names is described once. Before each card the time left is checked, and
    a frame whose card would, at the rate measured on the frames before it
    (:data:`PRIOR_SECONDS_PER_WORK` at first), take longer than the time
    left is skipped (``None``), so one big frame does not stall the
    listing. A card that fails also gives ``None``.

    Parameters
    ----------
    frames : list of dict
        Entries of :func:`list_frames` (modified in place).
    values : Mapping[str, Any]
        Name -> the DataFrame bound to it.
    budget : float
        Seconds for all frames together.
    """
    from .card import describe

    started = time.perf_counter()
    seconds_per_work = PRIOR_SECONDS_PER_WORK  # replaced by what the cards built so far measure
    counts: dict[int, int | None] = {}
    remembered: dict[int, tuple] = {}
    for entry in frames:
        entry["issues"] = None
    for entry in sorted(frames, key=lambda item: (item["rows"] * item["columns"], item["name"])):
        value = values[entry["name"]]
        if id(value) in counts:
            entry["issues"] = counts[id(value)]
            continue
        fingerprint = frame_fingerprint(value)
        known = ISSUE_COUNT_CACHE.get(id(value))
        if fingerprint is not None and known is not None and known[0] == fingerprint:
            # the listing runs after every cell: an unchanged frame costs
            # the fingerprint, not a new card
            counts[id(value)] = entry["issues"] = known[1]
            remembered[id(value)] = known
            continue
        left = budget - (time.perf_counter() - started)
        work = card_work(entry["rows"], entry["columns"])
        if left <= 0 or seconds_per_work * work > left:
            continue
        card_started = time.perf_counter()
        try:
            counts[id(value)] = len(describe(value, name=entry["name"]).to_dict()["issues"])
        except Exception:  # a frame whose card fails has no count; the listing must not fail
            counts[id(value)] = None
        if work >= MIN_WORK_FOR_RATE:
            # small cards are mostly fixed cost: only bigger ones tell the rate
            seconds_per_work = (time.perf_counter() - card_started) / work
        entry["issues"] = counts[id(value)]
        if fingerprint is not None and counts[id(value)] is not None:
            remembered[id(value)] = (fingerprint, counts[id(value)])
    # only the frames of this listing are kept: the cache cannot grow, and a
    # reused id of a deleted frame finds nothing stale
    ISSUE_COUNT_CACHE.clear()
    ISSUE_COUNT_CACHE.update(remembered)


#: id(frame) -> (fingerprint, issue count) from the last listing.
ISSUE_COUNT_CACHE: dict[int, tuple] = {}

#: Rows hashed for a fingerprint, spread evenly over the frame.
FINGERPRINT_ROWS = 32


def frame_fingerprint(frame: Any) -> tuple | None:
    """A cheap summary that changes when a frame is reshaped, retyped or (usually) edited.

    Column labels, dtypes, shape and a hash of :data:`FINGERPRINT_ROWS`
    rows spread over the frame. An in-place edit of a row between those
    goes unseen until something else changes; the badge may then lag, while
    the card itself is always built afresh when the user opens it.
    ``None`` when the frame cannot be hashed (e.g. lists in cells): its
    count is then recomputed each time.
    """
    try:
        import numpy as np
        import pandas as pd

        rows = len(frame)
        positions = np.unique(np.linspace(0, max(rows - 1, 0), num=min(rows, FINGERPRINT_ROWS)).astype(int))
        digest = int(pd.util.hash_pandas_object(frame.iloc[positions], index=True).sum()) if rows else 0
        labels = tuple((repr(label), str(dtype)) for label, dtype in zip(frame.columns, frame.dtypes))
        return (frame.shape, labels, digest)
    except Exception:  # unhashable cells or exotic frames: no cache, just a fresh count
        return None


#: Seconds per :func:`card_work` unit before any card was measured (a 10M x 20
#: mixed frame, 4.2M units, took about 2 s on a 2-core machine): a single
#: huge frame is not described on every refresh of the listing.
PRIOR_SECONDS_PER_WORK = 0.5e-6

#: Cards smaller than this (in :func:`card_work` units) do not set the rate
#: used to predict the next card's time: their cost is mostly fixed.
MIN_WORK_FOR_RATE = 20_000


def card_work(rows: int, columns: int) -> float:
    """A rough measure of what a frame's card costs, to predict its time from earlier cards.

    The sampled cells (Python and hashing work per value) plus a fiftieth of
    all cells (the exact vectorised passes: null counts, min/max).
    """
    from .scan import effective_sample_rows

    columns = max(1, columns)
    sampled_rows = min(rows, effective_sample_rows(10_000, columns))
    return sampled_rows * columns + rows * columns / 50
