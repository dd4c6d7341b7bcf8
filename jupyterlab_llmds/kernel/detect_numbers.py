"""Detectors for numbers that do not mean what they say: sentinel codes, impossible
zeros, sentinel dates, outliers and skewed distributions.

Every detector here must be *right* when it fires: an engine turns the issue
into code that replaces or drops values. So each rule asks for a clear
separation from the rest of the column (a gap, a repeated round code outside
the range of everything else), never just for "large".

Cheap vectorised reductions (masks, min/max, ``np.isin`` against a few
codes) run over the whole column, so that one wrong value among a million is
found and counts are exact; quartiles come from about ten thousand evenly
spread values (no sort of the whole column), and skewness from the card's
row sample. Nothing loops over values in Python.

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from .detectors import MAX_EVIDENCE_ITEMS, json_safe_value, make_issue, quoted_list, top_counts
from .scan import quartiles_of

#: Round numbers that data sources use as codes for "missing" or "unknown".
#: Only flagged when they sit outside the range of the other values.
SENTINEL_NUMBERS = (
    -9999999.0, -999999.0, -99999.0, -9999.0, -999.0, -99.0, -9.0, -1.0,
    99.0, 999.0, 9999.0, 99999.0, 999999.0, 9999999.0,
)

#: Dates that systems write when the real date is unknown: spreadsheets' day
#: zero, the Unix epoch, and "open-ended" far-future end dates.
SENTINEL_DATES = ((1899, 12, 30), (1900, 1, 1), (1970, 1, 1), (9999, 12, 31), (2999, 12, 31))

#: Words in a column name that say the quantity cannot be zero.
POSITIVE_QUANTITY_WORDS = frozenset(
    [
        "age", "price", "prices", "cost", "costs", "fare", "salary", "weight", "height",
        "length", "width", "depth", "mass", "bmi", "count", "year", "area", "volume",
    ]
)

#: Tukey's fence multiplier. 3 (not the textbook 1.5) keeps ordinary tails in.
OUTLIER_FENCE = 3.0

#: An outlier must be at least this many times farther from the median than
#: the nearest value on its side that is not an outlier: a *gap*, not a tail.
OUTLIER_GAP_RATIO = 2.0

#: The gap asked for on the log-like scale of :func:`isolated_mask`
#: (tuned on simulated Pareto, Cauchy and Student-t tails: quiet from a few
#: hundred values on, while a height of 17.2 cm among 135-205 still shows).
OUTLIER_LOG_GAP_RATIO = 1.75

#: Below this many values the gaps must be wider: in a few dozen values
#: even a smooth heavy tail leaves wide gaps.
OUTLIER_SMALL_COLUMN = 200
OUTLIER_SMALL_GAP_RATIO = 3.0
OUTLIER_SMALL_LOG_GAP_RATIO = 2.5

#: Most values (share of the column) that may be called outliers; a larger
#: group beyond the fence is a second mode of the data, not a few bad values.
OUTLIER_MAX_SHARE = 0.01

#: Values used for quartiles and distinct counts (see :func:`thinned`).
QUANTILE_VALUES = 10_000

#: Fewest values before a distribution-based rule says anything.
MIN_VALUES = 20

#: Skewness above which a strictly positive column is reported as skewed.
SKEW_THRESHOLD = 2.0

#: Fewest distinct values before skew is reported (fewer is a count or a code).
SKEW_MIN_DISTINCT = 20


# --------------------------------------------------------------------------
# Helpers


def finite_values(series):
    """The finite values of a real numeric Series as a float64 numpy array.

    Nullable integer/float columns give their ``pd.NA`` as NaN, which is
    dropped together with infinities. Complex or otherwise non-real columns
    give an empty array (no rule here applies to them).
    """
    import numpy as np

    if series.dtype.kind == "c":
        return np.empty(0)
    try:
        numbers = series.to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        return np.empty(0)
    finite = np.isfinite(numbers)
    # a column without NaN or infinity is used as it is (no copy of a big column);
    # nothing here writes to the array
    return numbers if finite.all() else numbers[finite]


def name_words(name: Any) -> list[str]:
    """Lower-case words of a column name: ``"BodyMass_kg"`` -> ``["body", "mass", "kg"]``."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return re.findall(r"[a-z]+", text.lower())


def plain_number(value: float) -> int | float:
    """``999.0`` -> ``999`` for evidence and messages; other floats rounded to 6 digits."""
    return int(value) if float(value).is_integer() else round(float(value), 6)


def thinned(values, size: int = QUANTILE_VALUES):
    """Every n-th value of ``values``, about ``size`` of them, for quantiles and distinct counts.

    Quartiles of ten thousand evenly spread values are as good as those of
    all of them for a fence, and cost no sort of the whole column.
    """
    return values[:: max(1, values.size // size)]


def fences(values, k: float = OUTLIER_FENCE) -> tuple[float, float, float, float] | None:
    """(low fence, median, high fence, IQR) of ``values`` (thinned), or ``None`` when the IQR is 0."""
    import numpy as np

    q1, median, q3 = quartiles_of(thinned(values))
    spread = q3 - q1
    if spread <= 0:
        return None
    return q1 - k * spread, median, q3 + k * spread, spread


# --------------------------------------------------------------------------
# Sentinel numbers and impossible zeros


def detect_sentinel_numbers(series, name: Any = None) -> dict | None:
    """Find round codes (-999, -1, 9999 ...) and impossible zeros in a numeric column.

    A code from :data:`SENTINEL_NUMBERS` is reported when it occurs at least
    twice and lies outside everything else in the column: a negative code in
    an otherwise non-negative column (or below the lower Tukey fence, k=3, of
    the other values), a positive code above both the other values' maximum
    and their upper fence. A 999 among values spread from 0 to 2000 is a
    value, not a code, and is left alone.

    Zero is reported when the column's name says the quantity cannot be zero
    (:data:`POSITIVE_QUANTITY_WORDS`: age, price, weight, count, year ...),
    every other value is positive, and zero is far from them: below the
    lower 1.5-IQR fence of the positive values, with the smallest positive
    value at least a fifth of their median (counts of 1, 2, 3 ... next to
    0 are not suspicious).

    Parameters
    ----------
    series : pandas.Series
        The whole column (numeric dtype); counts are exact.
    name : Any, optional
        The column label, for the impossible-zero rule.

    Returns
    -------
    dict or None
        A ``sentinel`` issue with evidence ``values`` (code as text -> count)
        and ``reason``, or ``None``.
    """
    return sentinel_issue(finite_values(series), name)


def sentinel_issue(values, name: Any = None, bounds: tuple[float, float] | None = None) -> dict | None:
    """:func:`detect_sentinel_numbers` on the column's finite values (a float array); ``bounds`` their (min, max)."""
    if values.size < MIN_VALUES:
        return None
    codes = found_sentinel_codes(values, bounds)
    reasons = []
    if codes:
        reasons.append("a round out-of-range number used as a code for missing")
    zeros = impossible_zero_count(values, name)
    if zeros:
        codes[0.0] = zeros
        words = "/".join(word for word in name_words(name) if word in POSITIVE_QUANTITY_WORDS)
        reasons.append(f"0 where a {words} cannot be zero")
    if not codes:
        return None
    total = int(sum(codes.values()))
    shown = {str(plain_number(code)): int(count) for code, count in sorted(codes.items(), key=lambda pair: -pair[1])}
    return make_issue(
        "sentinel",
        total,
        {"values": shown, "reason": "; ".join(reasons)},
        f"{total} values are codes for missing rather than measurements ({quoted_list(shown)}): {'; '.join(reasons)}",
    )


def found_sentinel_codes(values, bounds: tuple[float, float] | None = None) -> dict[float, int]:
    """Sentinel codes among ``values`` (finite float array) with their exact counts.

    ``bounds`` are the values' (min, max) when the caller knows them already.
    """
    import numpy as np

    if not values.size:
        return {}
    # only codes within the column's range can occur: usually none or one, so
    # the column is compared with a value or two instead of all fourteen
    low, high = bounds if bounds is not None else (float(values.min()), float(values.max()))
    in_range = [code for code in SENTINEL_NUMBERS if low <= code <= high]
    if not in_range:
        return {}
    # isin against the short candidate list compares element-wise; the other way
    # round it would sort the whole column
    is_code = np.isin(values, np.asarray(in_range))
    if not is_code.any():
        return {}
    present = np.unique(values[is_code])
    rest = values[~is_code]
    rest_distinct = np.unique(thinned(rest)).size
    if rest.size < MIN_VALUES // 2 or rest_distinct < 3:
        # with almost nothing else in the column there is no "rest" to stand out from
        return {}
    rest_fences = fences(rest)
    rest_min, rest_max = float(rest.min()), float(rest.max())
    codes = {}
    for code in present:
        count = int((values == code).sum())
        if count < 2:
            continue  # a single odd value is the outlier detector's business
        if code < 0:
            # -1 and -9 next to 0, 1, 2 may be a small signed scale; only call them
            # codes when the rest is a non-negative measure with many distinct values
            small_code = code > -10
            measure = rest_min >= 0 and (not small_code or rest_distinct >= 10)
            below_fence = not small_code and rest_fences is not None and code < rest_fences[0]
            outside = code < rest_min and (measure or below_fence)
        else:
            outside = code > rest_max and (rest_fences is None or code > rest_fences[2])
        if outside:
            codes[float(code)] = count
    return codes


def impossible_zero_count(values, name: Any) -> int:
    """How many zeros a column that cannot hold zero holds (0 when the rule does not apply)."""
    import numpy as np

    if name is None or not POSITIVE_QUANTITY_WORDS.intersection(name_words(name)):
        return 0
    zeros = int((values == 0).sum())
    positive = values[values != 0]
    if not zeros or positive.size < MIN_VALUES or (positive < 0).any():
        return 0
    q1, median, q3 = quartiles_of(thinned(positive))
    # zero must be an outsider: below the mild fence and well away from the smallest value
    stands_out = 0 < q1 - 1.5 * (q3 - q1) and float(positive.min()) >= 0.2 * median
    return zeros if stands_out else 0


# --------------------------------------------------------------------------
# Sentinel dates


#: What may follow a placeholder date in text: nothing, or midnight.
SENTINEL_TIME_TAIL = re.compile(r"(?:[ T](?:0{1,2}:00(?::00(?:\.0+)?)?|12:00(?::00)? ?[Aa]\.?[Mm]\.?))?")


def sentinel_date_texts() -> dict[str, tuple[int, int, int]]:
    """Common spellings of each sentinel date -> the date, for matching text values."""
    spellings = {}
    for year, month, day in SENTINEL_DATES:
        date = (year, month, day)
        for text in (
            f"{year}-{month:02d}-{day:02d}", f"{year}/{month:02d}/{day:02d}", f"{month:02d}/{day:02d}/{year}",
            f"{month}/{day}/{year}", f"{day:02d}/{month:02d}/{year}", f"{day:02d}.{month:02d}.{year}",
            f"{day:02d}-{month:02d}-{year}", f"{month:02d}-{day:02d}-{year}",
        ):
            spellings[text] = date
    return spellings


def date_sentinel_issue(found: Mapping[str, int], count_note: str = "") -> dict:
    """The ``sentinel`` issue for sentinel dates ``found`` (spelling -> count)."""
    total = int(sum(found.values()))
    shown = top_counts(found)
    reason = "a placeholder date (spreadsheet day zero, Unix epoch or far-future end date) used for unknown"
    return make_issue(
        "sentinel",
        total,
        {"values": shown, "reason": reason},
        f"{total} values{count_note} are placeholder dates ({quoted_list(shown)}), not real dates",
    )


def stands_out_as_date(count: int, when, others_min, others_max, typical_count: float) -> bool:
    """Tell whether a placeholder date stands apart from the column's other dates.

    Outside their range (repeated, or a year or more away from the nearest:
    one 1970-01-01 just before hire dates starting in 1970 may be real), or
    inside it as a spike: at least 3 times and ten times the median count.
    """
    import pandas as pd

    if when < others_min or when > others_max:
        gap = others_min - when if when < others_min else when - others_max
        return count >= 2 or gap >= pd.Timedelta(days=365)
    return count >= 3 and count >= 10 * typical_count


def detect_sentinel_dates(series) -> dict | None:
    """Find placeholder dates (1900-01-01, 1970-01-01, 9999-12-31 ...) in a datetime column.

    A placeholder date is reported when it lies outside the range of the
    column's other dates (see :func:`stands_out_as_date`), or when it is a spike (at least 3 times and ten
    times the median count of the other distinct dates): a 1970-01-01 among
    birth dates spread over the 20th century is a birthday.

    Parameters
    ----------
    series : pandas.Series
        The whole datetime column (time zones are compared by wall time);
        comparisons are vectorised, counts exact.

    Returns
    -------
    dict or None
        A ``sentinel`` issue with evidence ``values`` (ISO date -> count) and
        ``reason``, or ``None``.
    """
    import pandas as pd

    clean = series.dropna()
    if len(clean) < MIN_VALUES:
        return None
    if getattr(clean.dt, "tz", None) is not None:
        clean = clean.dt.tz_localize(None)
    found = {}
    masks = []
    # one exact min/max instead of a whole-column comparison per placeholder
    # date: most columns hold none of them, and a date outside the range
    # cannot be in it
    lowest, highest = clean.min(), clean.max()
    for year, month, day in SENTINEL_DATES:
        try:
            when = pd.Timestamp(year=year, month=month, day=day)
            if when < lowest or when > highest:
                continue
            mask = (clean == when).to_numpy()
        except (ValueError, TypeError, OverflowError):  # a date the column's unit cannot hold
            continue
        if mask.any():
            when = pd.Timestamp(year=year, month=month, day=day)
            found[f"{year:04d}-{month:02d}-{day:02d}"] = (int(mask.sum()), when)
            masks.append(mask)
    if not found:
        return None
    import numpy as np

    others = clean[~np.logical_or.reduce(masks)]
    if others.empty:
        return None
    typical = float(others.head(50_000).value_counts().median())
    keep = {
        text: count
        for text, (count, when) in found.items()
        if stands_out_as_date(count, when, others.min(), others.max(), typical)
    }
    if not keep:
        return None
    issue = date_sentinel_issue(keep)
    issue["evidence"]["sampled"] = False  # compared over every row
    return issue


def detect_sentinel_date_strings(counts: Mapping[str, int]) -> dict | None:
    """Find placeholder dates written as text ("1900-01-01", "01/01/1900", "12/31/9999 00:00").

    Same rule as :func:`detect_sentinel_dates`; the other dates' range is
    read from their four-digit years, so no format has to be guessed.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null strings of a column recognised as dates stored as text.

    Returns
    -------
    dict or None
        A ``sentinel`` issue with evidence ``values`` (the text as written ->
        count) and ``reason``, or ``None``.
    """
    years = "|".join(sorted({str(year) for year, _, _ in SENTINEL_DATES}))
    if not any(re.search(rf"(?<!\d)(?:{years})(?!\d)", text) for text in counts):
        return None  # the usual case, settled without splitting every text
    spellings = sentinel_date_texts()
    found: dict[str, int] = {}
    found_years: dict[str, int] = {}
    other_years: list[int] = []
    other_counts: list[int] = []
    for text, count in counts.items():
        stripped = text.strip()
        head = re.split(r"[ T]", stripped, maxsplit=1)[0]
        if head in spellings and SENTINEL_TIME_TAIL.fullmatch(stripped[len(head):]):
            found[text] = found.get(text, 0) + count
            found_years[text] = spellings[head][0]
            continue
        years = re.findall(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)", stripped)
        if years:
            other_years.append(int(years[0]))
            other_counts.append(count)
    if not found or len(other_years) < MIN_VALUES // 2:
        return None
    typical = sorted(other_counts)[len(other_counts) // 2]
    low, high = min(other_years), max(other_years)
    keep = {}
    for text, count in found.items():
        year = found_years[text]
        # a year outside the others' years is at least a few days away; ask
        # for a repeat unless it is a whole year away, as for datetimes
        outside = year < low or year > high
        if (outside and (count >= 2 or year < low - 1 or year > high + 1)) or (count >= 3 and count >= 10 * typical):
            keep[text] = count
    return date_sentinel_issue(keep, " in the sample") if keep else None


# --------------------------------------------------------------------------
# Outliers and skew


def isolated_mask(values):
    """Boolean mask of ``values`` beyond the 3-IQR fences *and* beyond a gap, with the fences.

    On each side, walking outwards from the median through the values beyond
    the fence, the first value at least :data:`OUTLIER_GAP_RATIO` times
    farther from the median than the value before it (the nearest value
    inside the fence, at first) starts the isolated values. The gap must
    show twice: in plain distances, and in ``asinh(distance / IQR)``, a
    log-like scale on which the top of a heavy tail (incomes, returns, where
    the largest value is often twice the next) has no gap while gross errors
    still do.

    Returns
    -------
    tuple or None
        ``(mask, low fence, high fence, median)``, or ``None`` when the IQR is 0.
    """
    import numpy as np

    bounds = fences(values)
    if bounds is None:
        return None
    low, median, high, spread = bounds
    mask = np.zeros(values.size, dtype=bool)
    for side, beyond in ((1.0, values > high), (-1.0, values < low)):
        if not beyond.any():
            continue
        # the nearest value inside the fence, without copying the column
        if side > 0:
            nearest_inside = np.max(values, where=~beyond, initial=-np.inf)
        else:
            nearest_inside = np.min(values, where=~beyond, initial=np.inf)
        distances = np.sort(np.abs(np.concatenate([[nearest_inside], values[beyond]]) - median))
        small = values.size < OUTLIER_SMALL_COLUMN
        ratio = OUTLIER_SMALL_GAP_RATIO if small else OUTLIER_GAP_RATIO
        log_ratio = OUTLIER_SMALL_LOG_GAP_RATIO if small else OUTLIER_LOG_GAP_RATIO
        start = None
        for scaled, needed in ((distances, ratio), (np.arcsinh(distances / spread), log_ratio)):
            jumps = np.nonzero(scaled[1:] >= needed * scaled[:-1])[0]
            if not jumps.size:
                start = None
                break
            # both scales must agree: the later (outer) of the two starts wins
            start = max(start or 0.0, float(distances[jumps[0] + 1]))
        if start is not None:
            mask |= beyond & (np.abs(values - median) >= start)
    return mask, low, high, median


def outlier_values(values, exclude: Iterable[float] = ()) -> dict | None:
    """The isolated extreme values of ``values`` (finite float array), with the fences.

    A value is an outlier when it lies beyond Tukey's fence with k=3
    (``q3 + 3*IQR`` or ``q1 - 3*IQR``) *and* beyond a gap (see
    :func:`isolated_mask`): a long continuous tail (flight delays) has no
    such gap; a 1048 mph wind speed after 42 mph has one. At most
    :data:`OUTLIER_MAX_SHARE` of the values may be outliers; more is a
    second mode, not a few bad values.

    Returns
    -------
    dict or None
        ``{"low", "high", "values", "count"}`` (fences, outlier values ->
        exact counts, most extreme first, and their total) or ``None``.
    """
    import numpy as np

    excluded = np.asarray(list(exclude), dtype="float64")
    if excluded.size:
        values = values[~np.isin(values, excluded)]
    if values.size < MIN_VALUES:
        return None
    found = isolated_mask(values)
    if found is None:
        return None
    mask, low, high, median = found
    outliers = values[mask]
    if not outliers.size or outliers.size > max(2, OUTLIER_MAX_SHARE * values.size):
        return None
    distinct, counts = np.unique(outliers, return_counts=True)
    order = np.argsort(-np.abs(distinct - median), kind="stable")
    return {
        "low": low,
        "high": high,
        "values": {float(distinct[index]): int(counts[index]) for index in order},
        "count": int(outliers.size),
    }


def detect_outliers(series, exclude: Iterable[float] = ()) -> dict | None:
    """Find isolated extreme values in a numeric column (see :func:`outlier_values`).

    Parameters
    ----------
    series : pandas.Series
        The whole numeric column: quantiles and masks are vectorised, so a
        single wrong value among millions is found and the count is exact.
    exclude : iterable of float
        Values already reported as sentinel codes (not measurements, so
        they neither count as outliers nor shift the fences).

    Returns
    -------
    dict or None
        An ``outliers`` issue with evidence ``method`` (``"iqr"``: Tukey
        fences with k=3), ``low`` and ``high`` (the fences), and ``values`` (up to 10 distinct
        outliers, most extreme first), or ``None``.
    """
    found = outlier_values(finite_values(series), exclude)
    return outlier_issue(found) if found else None


def outlier_issue(found: dict) -> dict:
    """The ``outliers`` issue for the result of :func:`outlier_values`."""
    shown = [plain_number(value) for value in list(found["values"])[:MAX_EVIDENCE_ITEMS]]
    count = found["count"]
    return make_issue(
        "outliers",
        count,
        {
            "method": "iqr",
            "low": json_safe_value(round(found["low"], 6)),
            "high": json_safe_value(round(found["high"], 6)),
            "values": shown,
            "sampled": False,
        },
        f"{count} value{'s are' if count > 1 else ' is'} far outside the rest, beyond the 3-IQR fences "
        f"[{plain_number(found['low'])}, {plain_number(found['high'])}] and a gap ({quoted_list(shown)}): "
        "likely errors or a different unit",
    )


def sample_skewness(values) -> float | None:
    """Adjusted Fisher-Pearson skewness (what ``pandas.Series.skew`` gives), ``None`` if undefined."""
    import numpy as np

    size = values.size
    if size < 3:
        return None
    centred = values - values.mean()
    second = float(np.mean(centred**2))
    if second <= 0:
        return None
    third = float(np.mean(centred**3))
    return third / second**1.5 * (size * (size - 1)) ** 0.5 / (size - 2)


def detect_skewed(sample, exclude: Iterable[float] = ()) -> dict | None:
    """Find a strictly positive column with a long right tail (a candidate for ``log1p``).

    Parameters
    ----------
    sample : pandas.Series
        The column's row sample (numeric dtype).
    exclude : iterable of float
        Sentinel codes and outliers already reported: one wrong value must
        not make a column look skewed.

    Returns
    -------
    dict or None
        A ``skewed`` issue with evidence ``skewness`` and ``suggestion``
        (``"log1p"``) when every value is positive, at least 50 values and
        :data:`SKEW_MIN_DISTINCT` distinct ones are present, and the sample
        skewness exceeds :data:`SKEW_THRESHOLD`; ``None`` otherwise.
    """
    import numpy as np

    values = finite_values(sample)
    excluded = np.asarray(list(exclude), dtype="float64")
    if excluded.size:
        values = values[~np.isin(values, excluded)]
    if values.size < 50 or (values <= 0).any() or np.unique(values).size < SKEW_MIN_DISTINCT:
        return None
    skewness = sample_skewness(values)
    if skewness is None or skewness <= SKEW_THRESHOLD:
        return None
    skewness = round(skewness, 2)
    return make_issue(
        "skewed",
        int(values.size),
        {"skewness": skewness, "suggestion": "log1p"},
        f"positive values with a long right tail (skewness {skewness}); np.log1p makes them closer to symmetric",
    )


def inspect_numbers(series, sample, name: Any = None, stats: Mapping[str, Any] | None = None) -> list[dict]:
    """Run the number detectors on one numeric column, in order, without double counting.

    Sentinel codes are found first and excluded from the outlier fences;
    sentinels and outliers are both excluded from the skewness.

    Parameters
    ----------
    series : pandas.Series
        The whole numeric column.
    sample : pandas.Series
        Its row sample.
    name : Any, optional
        The column label (for the impossible-zero rule).
    stats : Mapping, optional
        The column's exact ``min`` and ``max`` (:func:`scan.numeric_summary`),
        reused (widened for their rounding) when both are finite, instead of another pass.

    Returns
    -------
    list of dict
        ``sentinel``, ``outliers`` and ``skewed`` issues that fired.
    """
    import math

    issues = []
    values = finite_values(series)
    bounds = None
    if stats and all(isinstance(stats.get(key), (int, float)) for key in ("min", "max")):
        if math.isfinite(stats["min"]) and math.isfinite(stats["max"]):
            # the card's stats are rounded: widen a little, the codes are then
            # matched exactly anyway
            low, high = float(stats["min"]), float(stats["max"])
            bounds = (low - abs(low) * 1e-5 - 1e-6, high + abs(high) * 1e-5 + 1e-6)
    sentinel = sentinel_issue(values, name, bounds)
    codes = [float(text) for text in sentinel["evidence"]["values"]] if sentinel else []
    if sentinel:
        sentinel["evidence"]["sampled"] = False
        issues.append(sentinel)
    outliers = outlier_values(values, codes)
    if outliers:
        issues.append(outlier_issue(outliers))
    skewed = detect_skewed(sample, codes + (list(outliers["values"]) if outliers else []))
    if skewed:
        issues.append(skewed)
    return issues

