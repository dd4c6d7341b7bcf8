"""Fast, bounded building blocks of the data card.

The card must stay cheap on frames of ten million rows or two thousand
columns, inside the user's kernel. The rule (measured on 2-core machines,
see ``shared/TOOLCHAIN.md``) is:

* exact where it costs one vectorised pass: null counts (per dtype: integer
  and boolean numpy columns cannot hold a missing value, floats and
  datetimes are counted with ``isnan``/``isnat``), min/max/mean of numbers;
* on a bounded sample where it costs hashing or Python work per value:
  distinct counts, top values, quantiles, text pattern detectors (these
  run on at most :data:`TEXT_DETECTOR_VALUES` distinct strings per column).

Nothing here copies a whole frame; the largest temporary is one column's
boolean mask or float copy (for nullable extension columns).

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from collections.abc import Mapping
from typing import Any

#: Most cells (rows x columns) the costly per-value statistics look at; a wide
#: frame gets fewer sample rows so that 2,000 columns cost what 200 would.
SAMPLE_CELL_BUDGET = 2_000_000

#: Fewest sample rows, however wide the frame: below this, distinct counts
#: and pattern detectors stop saying anything useful.
MIN_SAMPLE_ROWS = 1_000

#: Most distinct strings of one column the text detectors (regexes, date
#: formats, personal data, spelling) look at: above it they get a uniform
#: random subset of the sampled rows (see :func:`bounded_text_counts`).
TEXT_DETECTOR_VALUES = 1_000

#: Most distinct strings the text detectors look at in one frame, all text
#: columns together: a frame of 300 text columns gives each 200.
TEXT_DETECTOR_VALUES_PER_FRAME = 60_000

#: Fewest distinct strings per column, however many text columns there are.
MIN_TEXT_DETECTOR_VALUES = 200

#: The per-column limit of the card being built (``describe()`` sets it from
#: the frame's dtypes with :func:`text_detector_limit`).
TEXT_DETECTOR_LIMIT: ContextVar = ContextVar("jupyterlab_llmds_text_detector_limit", default=TEXT_DETECTOR_VALUES)

#: Column groups compared at a time while looking for duplicate rows: rows
#: that are not repeated within one group cannot be repeated in the frame.
DUPLICATE_PREFILTER_COLUMNS = 8


class Stopwatch:
    """Wall time since creation, for the card's ``timing`` key."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds(self) -> float:
        """Seconds elapsed, rounded to milliseconds."""
        return round(time.perf_counter() - self.started, 3)


def effective_sample_rows(sample_rows: int, column_count: int) -> int:
    """The sample size for a frame of ``column_count`` columns.

    Parameters
    ----------
    sample_rows : int
        The caller's row budget (``describe(sample_rows=...)``).
    column_count : int
        Columns in the frame.

    Returns
    -------
    int
        ``sample_rows``, lowered for wide frames so that the sample holds at
        most :data:`SAMPLE_CELL_BUDGET` cells, but never below
        :data:`MIN_SAMPLE_ROWS` (nor above ``sample_rows``).
    """
    sample_rows = max(1, int(sample_rows))
    if column_count <= 0:
        return sample_rows
    by_cells = max(MIN_SAMPLE_ROWS, SAMPLE_CELL_BUDGET // column_count)
    return min(sample_rows, by_cells)


def null_count(series) -> int:
    """Exact number of missing values in ``series``, in one vectorised pass or none.

    Integer and boolean numpy columns cannot hold a missing value (nothing to
    scan); float/complex and datetime/timedelta numpy columns are counted with
    ``isnan``/``isnat`` (no pandas Series built); everything else (object,
    ``str``, categorical, nullable, Arrow, sparse) asks pandas, whose Arrow and
    masked arrays already know their missing values.
    """
    import numpy as np

    dtype = series.dtype
    if isinstance(dtype, np.dtype):
        kind = dtype.kind
        if kind in "biu":
            return 0
        if kind in "fc":
            return int(np.count_nonzero(np.isnan(series.to_numpy())))
        if kind in "mM":
            return int(np.count_nonzero(np.isnat(series.to_numpy())))
    return int(series.isna().sum())


#: numpy dtype kinds whose many distinct sampled values are counted lazily (numbers, dates, durations).
LAZY_COUNT_KINDS = frozenset("biufcmM")
#: Distinct values above which those counts stay numpy arrays until asked for.
LAZY_COUNTS_FROM = 256


class ArrayCounts(Mapping):
    """Distinct values and their counts kept as arrays; Python values are made only when read.

    A float column sampled at 10,000 rows often has 10,000 distinct values:
    building a dict of them (a Python float or Timestamp per value) cost more
    than the rest of the column's card. Length, ``values()`` and the first
    keys are cheap; looking a value up builds the dict once.

    Parameters
    ----------
    uniques : array-like
        The distinct values in first-seen order (``pandas.factorize``'s).
    counts : numpy.ndarray
        How often each occurs, aligned with ``uniques``.
    """

    #: Keys converted per step when iterating (the first few are often all a caller reads).
    CHUNK = 64

    def __init__(self, uniques, counts) -> None:
        self._uniques = uniques
        self._counts = counts
        self._dict: dict | None = None

    def _as_dict(self) -> dict:
        if self._dict is None:
            self._dict = dict(zip(self._uniques.tolist(), self._counts.tolist()))
        return self._dict

    def __len__(self) -> int:
        return len(self._counts)

    def __iter__(self):
        if self._dict is not None:
            yield from self._dict
            return
        for start in range(0, len(self._counts), self.CHUNK):
            yield from self._uniques[start : start + self.CHUNK].tolist()

    def __getitem__(self, key):
        return self._as_dict()[key]

    def values(self):
        """The counts, in the order of the keys."""
        return self._counts.tolist()

    def items(self):
        """(value, count) pairs, in first-seen order."""
        return zip(iter(self), self._counts.tolist())


def sample_counts(non_null) -> dict | None:
    """Counts of the distinct values of a (sampled, non-null) Series, in first-seen order.

    Vectorised: ``pandas.factorize`` hashes the values in C, and the keys are
    the Series' own ``tolist()`` values (Python scalars, as the detectors
    expect). Values that compare equal in Python are merged, as a ``dict``
    would merge them.

    Parameters
    ----------
    non_null : pandas.Series
        The column's sampled values without missing ones.

    Returns
    -------
    dict or None
        value -> count, or ``None`` when the values cannot be hashed or
        compared (lists, dicts, objects whose ``__hash__``/``__eq__`` raise);
        the caller then counts in Python with a fallback key.
    """
    import numpy as np
    import pandas as pd

    if len(non_null) == 0:
        return {}
    try:
        codes, uniques = pd.factorize(non_null, sort=False, use_na_sentinel=True)
        codes = np.asarray(codes)
        valid = codes >= 0
        if not valid.all():
            codes = codes[valid]
            non_null = non_null[valid]
        # factorize numbers the values in order of first appearance
        if non_null.dtype != object:
            counts = np.bincount(codes, minlength=len(uniques))
            if getattr(non_null.dtype, "kind", "O") in LAZY_COUNT_KINDS and len(uniques) > LAZY_COUNTS_FROM:
                # thousands of distinct numbers or dates: most callers only
                # need how many there are and the first few
                return ArrayCounts(uniques, counts)
            # typed values that pandas tells apart are distinct Python values too
            return dict(zip(uniques.tolist(), counts.tolist()))
        counts = np.bincount(codes, minlength=len(uniques)).tolist()
        # object cells: the first row of each value gives the key exactly as
        # Series.tolist() gives it, and values equal in Python are merged
        _, first = np.unique(codes, return_index=True)
        keys = non_null.iloc[first].tolist()
        result: dict = {}
        for key, count in zip(keys, counts):
            result[key] = result.get(key, 0) + count
        return result
    except Exception:  # unhashable or hostile cells: the caller falls back to Python counting
        return None


def text_detector_limit(dtypes) -> int:
    """Distinct strings per column for the text detectors, given the frame's column dtypes.

    Parameters
    ----------
    dtypes : iterable
        The frame's column dtypes; object, string and categorical columns
        count as text columns.

    Returns
    -------
    int
        :data:`TEXT_DETECTOR_VALUES`, shared out so that all text columns
        together get at most :data:`TEXT_DETECTOR_VALUES_PER_FRAME`, and at
        least :data:`MIN_TEXT_DETECTOR_VALUES` each.
    """
    text_columns = sum(1 for dtype in dtypes if str(dtype) in ("object", "str", "category") or "string" in str(dtype))
    share = TEXT_DETECTOR_VALUES_PER_FRAME // max(1, text_columns)
    return max(MIN_TEXT_DETECTOR_VALUES, min(TEXT_DETECTOR_VALUES, share))


def bounded_text_counts(counts: Mapping[str, int], limit: int | None = None, seed: int = 0) -> tuple[dict, bool]:
    """The counts of a uniform random subset of the sampled rows, with at most ``limit`` distinct strings.

    The text detectors cost Python work (regexes, date parsing, edit
    distances) per distinct value. A column of ten thousand distinct texts
    does not need all of them looked at: the detectors get the values of a
    random subset of the rows (a prefix of a random permutation of the
    sampled rows), the largest holding at most ``limit`` distinct strings. A uniform subset keeps
    the relative frequencies (a rare typo stays rare, a frequent category
    stays frequent), so every detector sees what it would see on a smaller
    sample; their counts then refer to that subset, and the card says so
    (``evidence.sampled``, ``timing.sampled_parts``).

    Parameters
    ----------
    counts : Mapping[str, int]
        Distinct sampled strings and their counts.
    limit : int, optional
        Most distinct strings returned; by default the card's
        :data:`TEXT_DETECTOR_LIMIT`.
    seed : int
        Seed of the random subset (cards are reproducible).

    Returns
    -------
    tuple
        ``(counts, reduced)``: the (possibly reduced) counts in their original
        order, and whether rows were left out.
    """
    if limit is None:
        limit = TEXT_DETECTOR_LIMIT.get()
    if len(counts) <= limit:
        return dict(counts), False
    import numpy as np

    keys = list(counts)
    weights = np.fromiter(counts.values(), dtype=np.int64, count=len(keys))
    generator = np.random.default_rng(seed)
    # The sampled rows in a random order: any prefix of it is a uniform
    # random subset of the rows. The longest prefix holding at most `limit`
    # distinct values ends just before the row where the (limit + 1)-th
    # value first appears.
    rows = generator.permutation(np.repeat(np.arange(len(keys)), weights))
    first_seen = np.empty(len(keys), dtype=np.int64)
    # reversed, so that the earliest position of each value is written last
    first_seen[rows[::-1]] = np.arange(len(rows) - 1, -1, -1)
    cut = int(np.partition(first_seen, limit)[limit])
    drawn = np.bincount(rows[:cut], minlength=len(keys))
    present = np.nonzero(drawn)[0]
    return {keys[index]: int(drawn[index]) for index in present.tolist()}, True


def quartiles_of(values) -> list[float]:
    """q1, median and q3 of a non-empty float array, as ``numpy.quantile`` gives them (linear method).

    One ``numpy.partition`` and the interpolation, without ``numpy.quantile``'s
    generic machinery: on a frame of thousands of columns that machinery
    cost as much as the partitions themselves.
    """
    import numpy as np

    positions = (values.size - 1) * np.array([0.25, 0.5, 0.75])
    below = np.floor(positions).astype(np.intp)
    above = np.minimum(below + 1, values.size - 1)
    ordered = np.partition(values, np.unique(np.concatenate([below, above])))
    low, high = ordered[below], ordered[above]
    weight, difference = positions - below, high - low
    # numpy's own interpolation, from the nearer end, so the values match it exactly
    return np.where(weight >= 0.5, high - difference * (1 - weight), low + difference * weight).tolist()


def numeric_summary(series, sample, sampled: bool, nulls: int | None = None) -> dict:
    """min/max/mean (exact, over every row) and quartiles (on the sample) of a numeric column.

    Parameters
    ----------
    series : pandas.Series
        The whole column (real numeric dtype, numpy or extension).
    sample : pandas.Series
        Its row sample (the same Series when ``sampled`` is false).
    sampled : bool
        Whether ``sample`` is a subset of the rows; quartiles then come from
        the sample (a full sort of a big column is what makes
        ``describe()`` slow) and the card lists ``"quantiles"`` as sampled.
    nulls : int, optional
        The column's exact null count when the caller has it: a column
        without missing values needs no NaN mask.

    Returns
    -------
    dict
        ``{"min", "max", "mean", "q25", "q50", "q75"}`` rounded to 6 digits,
        infinities and NaN as ``None``; ``{}`` for booleans, complex numbers
        or a column without values.
    """
    import numpy as np

    dtype = series.dtype
    kind = getattr(dtype, "kind", None) or "O"
    if kind in "bc" or str(dtype) in ("bool", "boolean", "bool[pyarrow]"):
        return {}
    values = as_float_values(series)
    if values is None:
        return {}
    if values.dtype.kind in "iu":
        # no missing values possible: plain reductions, no mask
        if not values.size:
            return {}
        low, high, mean = values.min(), values.max(), values.mean(dtype="float64")
    elif nulls == 0 and values.size:
        low, high, mean = values.min(), values.max(), values.mean()
    else:
        present = ~np.isnan(values)
        count = int(np.count_nonzero(present))
        if not count:
            return {}
        if count == values.size:
            low, high, mean = values.min(), values.max(), values.mean()
        else:
            low = np.fmin.reduce(values)  # fmin skips NaN without a copy
            high = np.fmax.reduce(values)
            mean = np.add.reduce(values, where=present) / count
    quartile_values = as_float_values(sample) if sampled else values
    quartiles = [None, None, None]
    if quartile_values is not None:
        present_values = quartile_values[~np.isnan(quartile_values)] if quartile_values.dtype.kind == "f" else quartile_values
        if present_values.size:
            quartiles = quartiles_of(present_values.astype("float64", copy=False))
    stats = {"min": low, "max": high, "mean": mean, "q25": quartiles[0], "q50": quartiles[1], "q75": quartiles[2]}
    return {key: rounded_number(value) for key, value in stats.items()}


def as_float_values(series):
    """A numpy array of the column's numbers (no copy for numpy int/float columns), or ``None``.

    Nullable, sparse and Arrow columns are converted to float64 with their
    missing values as NaN (one column-sized copy).
    """
    import numpy as np

    dtype = series.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
        return series.to_numpy()
    try:
        return series.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        return None


def rounded_number(value: Any) -> float | None:
    """A statistic as a JSON-safe float rounded to 6 digits (``None`` for NaN/infinity)."""
    import math

    if value is None:
        return None
    number = float(value)
    return round(number, 6) if math.isfinite(number) else None


def duplicated_rows(frame, keep="first"):
    """``frame.duplicated(keep=keep)`` as a numpy mask, without hashing every column of every row.

    A row that repeats another in every column also repeats it in any group
    of columns. So rows are first filtered group by group (keeping those
    repeated within the group), and only the survivors are compared on all
    columns. Groups grow (1, 2, 4, then :data:`DUPLICATE_PREFILTER_COLUMNS`
    columns): a unique column such as an ID settles it after one column.
    The answer is exact; in the usual case (few or no duplicates) the first
    groups leave almost nothing, and a 2,000-column frame costs about what
    an 8-column one does.
    """
    import numpy as np

    rows, column_count = frame.shape
    if column_count <= 1:
        return frame.duplicated(keep=keep).to_numpy()
    candidates = None  # None: every row is still a candidate (no copy of the frame)
    start, width = 0, 1
    while start < column_count:
        stop = min(column_count, start + width)
        group = frame.iloc[:, start:stop] if candidates is None else frame.iloc[candidates, start:stop]
        repeated = group.duplicated(keep=False).to_numpy()
        candidates = np.flatnonzero(repeated) if candidates is None else candidates[repeated]
        if candidates.size < 2:
            return np.zeros(rows, dtype=bool)
        if candidates.size * 4 < rows:
            break  # few survivors: comparing them on every column is cheap now
        start, width = stop, min(DUPLICATE_PREFILTER_COLUMNS, width * 2)
    mask = np.zeros(rows, dtype=bool)
    mask[candidates] = frame.iloc[candidates].duplicated(keep=keep).to_numpy()
    return mask


def holds_only_strings(values) -> bool:
    """Tell whether every value of a (non-null) Series is a ``str``, in one C-level pass.

    pandas ``str``/``string`` columns hold nothing else; an object column is
    asked with ``pandas.api.types.infer_dtype``, which stops at the first
    value of another type.
    """
    import pandas as pd

    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype):
        return True
    if dtype != object:
        return False
    try:
        return pd.api.types.infer_dtype(values, skipna=False) == "string"
    except Exception:  # exotic cells: let the caller look at each value
        return False


#: Issue kinds found by the text detectors (regexes, date formats, personal data).
TEXT_ISSUE_KINDS = frozenset(
    [
        "null_tokens", "whitespace", "case_variants", "spelling_variants", "numeric_string",
        "datetime_string", "boolean_string", "pii", "sentinel",
    ]
)


def sampled_parts(columns: list[dict], issues: list[dict], duplicate_summary: dict, sampled: bool) -> list[str]:
    """What the card computed on a sample rather than on every row, for ``timing.sampled_parts``.

    Parameters
    ----------
    columns : list of dict
        The card's column entries; the private ``"_text_sampled"`` marks
        (set when a column's text detectors saw a subset of its distinct
        strings) are taken off here.
    issues : list of dict
        The column issues.
    duplicate_summary : dict
        The card's ``duplicate_rows`` entry.
    sampled : bool
        Whether the card looked at a row sample.

    Returns
    -------
    list of str
        Some of ``"distinct counts"``, ``"top values"``, ``"quantiles"``,
        ``"text detectors"``, ``"skewness"``, ``"duplicate rows"``, in that order.
    """
    text_subset = any(column.pop("_text_sampled", False) for column in columns)
    parts = []
    if sampled and columns:
        parts += ["distinct counts", "top values"]
    if sampled and any(column.get("stats", {}).get("q50") is not None for column in columns):
        parts.append("quantiles")
    text_semantics = ("text", "category", "mixed", "other", "numeric_string", "datetime_string", "boolean_string")
    text_columns = any(column.get("semantic") in text_semantics and column.get("dtype") != "category" for column in columns)
    if text_subset or (sampled and text_columns):
        parts.append("text detectors")
    if sampled and any(issue.get("kind") == "skewed" for issue in issues):
        parts.append("skewness")
    if duplicate_summary.get("exact") is False:
        parts.append("duplicate rows")
    return parts
