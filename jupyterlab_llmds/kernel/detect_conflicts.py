"""Rows that describe one thing but disagree: the ``key_conflicts`` issue.

Many real tables repeat an entity on several rows: a flight reported by
many sources, a hospital listed once per quality measure. Columns that are
properties of the entity (its scheduled time, its address) then hold one
value per key, apart from typos and wrong reports, and missing cells that
the entity's other rows know. This module finds such a key and its
dependent columns in the card's row sample, with a conservative test:

* the key is a text, integer or categorical column (not floats, dates,
  booleans or dates stored as text) whose values repeat (at least 3
  distinct, on average 2 rows or more each);
* a column depends on the key *strongly* when, over the keys with two or
  more values of it, one value holds a strict majority in at least
  :data:`STRONG_MAJORITY` of the keys, the majority values cover at least
  :data:`STRONG_AGREEMENT` of the cells, and the cells that disagree are at
  most :data:`STRONG_NOISE` of those that would disagree if the column's
  values were shuffled across rows (its *noise*). The shuffle is the
  baseline that matters: a column where one value dominates (no rain on
  most days) agrees within any grouping, and small groups agree by luck;
* a key counts only with :data:`MIN_STRONG_DEPENDENTS` strong dependents,
  one of them an anchor (noise at most :data:`ANCHOR_NOISE`), so columns
  that lean one way (a customer's favourite product, the carrier of a
  reused flight number) do not make an entity; among the keys that
  qualify, the one with the most strong dependents wins.

Columns that agree less (a strict majority in half the keys, noise at most
:data:`WEAK_NOISE`) are reported as *weak* dependents: the cleaning code
leaves them alone and shows how to include them. Ties are never resolved.

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from .detect_keys import looks_like_id_name
from .detectors import (
    DATETIME_NORMALIZATIONS,
    MAX_EVIDENCE_ITEMS,
    STANDARD_NULL_TOKENS,
    json_safe_value,
    make_issue,
    normalize_datetime_text,
    top_counts,
)

#: Share of the keys (with 2+ values of a column) where one value holds a strict majority.
STRONG_MAJORITY = 0.85
#: Share of those cells that hold their key's majority value.
STRONG_AGREEMENT = 0.75
#: The same two numbers for a weak dependent (reported, not resolved by default).
WEAK_MAJORITY = 0.5
WEAK_AGREEMENT = 0.5
#: The most a strong dependent may disagree within its keys, as a share of what chance gives.
STRONG_NOISE = 0.15
#: At least one strong dependent must be nearly a function of the key (an anchor).
ANCHOR_NOISE = 0.1
#: Beyond this share of chance, a column is no property of the key at all (not even weak).
WEAK_NOISE = 0.5
#: Strong dependents a key needs before its rows count as one entity.
MIN_STRONG_DEPENDENTS = 2
#: Keys with two or more values a column needs before its agreement means anything.
MIN_GROUPS = 3
#: At most this many key candidates and columns are compared (the card stays fast on wide frames).
MAX_KEY_CANDIDATES = 8
MAX_COLUMNS = 60
#: At most this many keys (entities) per frame: a hospital and a quality measure, say.
MAX_KEYS = 3
#: Semantic kinds (the card's column ``semantic``) that are never keys.
NOT_KEY_SEMANTICS = frozenset(
    ["empty", "boolean", "datetime", "timedelta", "mixed", "datetime_string", "boolean_string"]
)
#: Dtype name prefixes that are never keys (measurements and moments, not identifiers).
NOT_KEY_DTYPES = ("float", "Float", "double", "datetime", "timedelta", "bool", "period", "interval", "complex")


def datetime_canonical(evidence: Mapping) -> Callable[[Any], Any]:
    """A function giving one form to every spelling of a date/time the card parsed.

    ``"7:10 a.m."`` and ``"7:10 a.m. (Estimated)"`` are one time: the
    card's own normalisations and formats (``datetime_string`` evidence)
    turn both into ``07:10``; text that does not parse stays as it is.
    """
    from datetime import datetime

    names = [name for name in evidence.get("normalize") or [] if name in DATETIME_NORMALIZATIONS]
    formats = list(evidence.get("formats") or {})
    time_only = evidence.get("value_kind") == "time"

    def canonical(value):
        if not isinstance(value, str):
            return value
        text = normalize_datetime_text(value, names)
        for text_format in formats:
            try:
                parsed = datetime.strptime(text, text_format)
            except ValueError:
                continue
            return parsed.time() if time_only else parsed
        return text

    return canonical


def comparable_codes(series, null_tokens: Iterable[str] = (), canonical: Callable[[Any], Any] | None = None):
    """Integer codes of a column's values as the cleaning will see them, ``-1`` for missing.

    Text is compared stripped, and the column's null tokens (plus the
    standard ones) count as missing, so that ``" 7:10"`` and ``"7:10"`` are
    one value and ``"empty"`` is no value; ``canonical`` then maps each
    distinct value to one form (dates and times stored as text).

    Returns
    -------
    tuple of (numpy.ndarray, array-like) or None
        The codes and the distinct values they stand for (indexable, not a
        list: turning ten thousand values into Python objects costs more
        than the rest); ``None`` when the values cannot be compared
        (unhashable cells).
    """
    import numpy as np
    import pandas as pd

    values = series
    try:
        if values.dtype == object or str(values.dtype) in ("str", "string"):
            missing_words = list(STANDARD_NULL_TOKENS.union(token.strip() for token in null_tokens))
            if values.dtype == object:
                # other Python objects in the column stay as they are
                text = values.map(lambda value: value.strip() if isinstance(value, str) else value)
            else:
                text = values.str.strip()
            values = text.mask(text.isin(missing_words))
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if canonical is None or not len(uniques):
            return codes, uniques
        # per distinct value, not per row: a few hundred parses at most
        merged, forms = pd.factorize(pd.Series([canonical(value) for value in uniques], dtype=object))
    except TypeError:
        return None
    return np.where(codes >= 0, merged[np.maximum(codes, 0)], -1), forms


def dependency(key_codes, key_count: int, codes, count: int) -> dict | None:
    """How strongly one column depends on a key, from their integer codes.

    Parameters
    ----------
    key_codes, codes : numpy.ndarray
        Codes of the key and of the column (``-1`` for missing), row by row.
    key_count, count : int
        How many distinct values each has.

    Returns
    -------
    dict or None
        ``{"groups", "conflicting_groups", "majority", "agreement", "noise",
        "rows", "fills", "example_key"}``: the keys with 2+ values of the
        column, those with more than one distinct value, the share of those
        keys where one value holds a strict majority, the share of their
        cells holding the most frequent value, the disagreement as a share
        of a shuffled column's (1.0 when majority or agreement is already
        too low to matter), the cells that differ from a key's most
        frequent value (ties excluded), the missing cells of keys that have
        such a value, and the key code with the most distinct values.
        ``None`` when fewer than :data:`MIN_GROUPS` keys have 2+ values.
    """
    import numpy as np

    both = (key_codes >= 0) & (codes >= 0)
    if not both.any() or count == 0:
        return None
    pairs = key_codes[both].astype(np.int64) * count + codes[both]
    unique_pairs, pair_counts = np.unique(pairs, return_counts=True)
    pair_keys = unique_pairs // count
    totals = np.bincount(pair_keys, weights=pair_counts, minlength=key_count)
    several = totals >= 2
    groups = int(several.sum())
    if groups < MIN_GROUPS:
        return None
    distinct = np.bincount(pair_keys, minlength=key_count)
    # per key: the largest count, and the second largest (a tie has no winner)
    order = np.lexsort((-pair_counts, pair_keys))
    sorted_keys, sorted_counts = pair_keys[order], pair_counts[order]
    first = np.ones(len(sorted_keys), dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    runner_up = np.zeros(len(sorted_keys), dtype=bool)
    runner_up[1:] = ~first[1:] & first[:-1]
    top = np.zeros(key_count)
    top[sorted_keys[first]] = sorted_counts[first]
    second = np.zeros(key_count)
    second[sorted_keys[runner_up]] = sorted_counts[runner_up]
    clear = (totals >= 1) & (top > second)
    missing_rows = (key_codes >= 0) & (codes < 0)
    agreement = float(top[several].sum() / totals[several].sum())
    majority = float((several & (top * 2 > totals)).sum() / groups)
    noise = 1.0
    if majority >= WEAK_MAJORITY and agreement >= WEAK_AGREEMENT:  # else no dependent either way
        chance = chance_agreement(key_codes[both], codes[both], key_count, count, several)
        # disagreement as a share of what chance gives with the same group sizes
        noise = (1 - agreement) / (1 - chance) if chance < 1 else 1.0
    return {
        "groups": groups,
        "conflicting_groups": int((several & (distinct > 1)).sum()),
        "majority": majority,
        "agreement": agreement,
        "noise": noise,
        "rows": int((totals - top)[clear & (distinct > 1)].sum()),
        "fills": int(clear[key_codes[missing_rows]].sum()) if missing_rows.any() else 0,
        "example_key": int(np.argmax(distinct)),
    }


def chance_agreement(key_codes, codes, key_count: int, count: int, several) -> float:
    """The agreement :func:`dependency` would find if the column's values were dealt to rows at random.

    A column where one value dominates (``precip`` is 0 on most days)
    agrees within any grouping; only agreement well beyond this counts.
    The shuffle is seeded, so a card is reproducible.
    """
    import numpy as np

    shuffled = np.random.default_rng(0).permutation(codes)
    pairs = key_codes.astype(np.int64) * count + shuffled
    unique_pairs, pair_counts = np.unique(pairs, return_counts=True)
    pair_keys = unique_pairs // count
    top = np.zeros(key_count)
    np.maximum.at(top, pair_keys, pair_counts)
    totals = np.bincount(pair_keys, weights=pair_counts, minlength=key_count)
    return float(top[several].sum() / totals[several].sum())


def nearly_unique(column: dict, rows: int, sample_rows: int) -> bool:
    """Whether the card's counts say the column holds a different value on (nearly) every sampled row.

    Such a column cannot agree within any key; skipping it before encoding
    keeps the card fast on frames of measurements.
    """
    distinct = column.get("distinct") or {}
    count = int(distinct.get("count") or 0)
    nulls = int(column.get("nulls") or 0)
    non_null = rows - nulls if distinct.get("exact", True) else sample_rows * (1 - nulls / max(rows, 1))
    return count * 2 > non_null


def key_candidates(columns: list[dict], rows: int, sample_rows: int) -> list[int]:
    """Positions of the columns that may be entity keys, likeliest first.

    A key repeats (3+ distinct values, 2+ rows each on average) and holds
    identifiers or labels, not measurements or dates (whole numbers count
    only when the name says ID: ``provider_number``, not ``distance``);
    names that say ID come first, then the columns with the most distinct values (finer
    entities). A distinct count estimated from the sample is weighed
    against the sample's rows: the key must repeat there.
    """
    found = []
    for column in columns[:MAX_COLUMNS]:
        if column.get("semantic") in NOT_KEY_SEMANTICS or "error" in column:
            continue
        if str(column.get("dtype", "")).startswith(NOT_KEY_DTYPES):
            continue
        count = int((column.get("distinct") or {}).get("count") or 0)
        if count < 3 or nearly_unique(column, rows, sample_rows):
            continue
        id_name = looks_like_id_name(column.get("name"))
        if column.get("semantic") == "numeric" and not id_name:
            continue  # whole numbers that are not named as IDs are measurements (a distance, an hour)
        found.append((not id_name, -count, column["position"]))
    found.sort()
    return [position for *_, position in found[:MAX_KEY_CANDIDATES]]


def detect_key_conflicts(sample_frame, columns: list[dict], issues: Iterable[Mapping], rows: int,
                         sampled: bool) -> list[dict]:
    """The ``key_conflicts`` issues of a frame: one per entity key found, best first.

    A frame may hold several entities (a hospital listed once per quality
    measure holds hospitals and measures): keys are taken best first (most
    strong dependents), skipping a key that is itself a property of a key
    already taken, or has one as a property (a hospital's name beside its
    provider number: the same entity), and leaving each column to the first
    key that claims it.

    Parameters
    ----------
    sample_frame : pandas.DataFrame
        The card's row sample (the whole frame when small).
    columns : list of dict
        The card's column entries (name, position, dtype, semantic, nulls,
        distinct), in column order.
    issues : iterable of dict
        The card's column issues; their null tokens count as missing.
    rows : int
        Rows of the whole frame (the columns' counts are of the whole frame).
    sampled : bool
        Whether ``sample_frame`` is a sample (the counts are then estimates).

    Returns
    -------
    list of dict
        Up to :data:`MAX_KEYS` issues (frame level: ``column`` is ``None``;
        ``positions`` lists the key and its dependents) with evidence ``key``, ``key_position``,
        ``dependents`` and ``weak_dependents`` (each ``{"column",
        "position", "groups", "conflicting_groups", "rows", "fills",
        "majority", "agreement"}``), ``sampled`` and an ``example``
        (``{"key_value", "column", "values"}``).
    """
    if sample_frame.shape[1] < 3 or len(sample_frame) < 6:
        return []
    candidates = key_candidates(columns, rows, len(sample_frame))
    if not candidates:
        return []
    tokens: dict[int, list[str]] = {}
    canonical: dict[int, Callable[[Any], Any]] = {}
    for issue in issues:
        if "position" not in issue:
            continue
        evidence = issue.get("evidence") or {}
        if issue.get("kind") == "null_tokens":
            tokens.setdefault(issue["position"], []).extend(evidence.get("tokens", {}))
        elif issue.get("kind") == "datetime_string":
            tokens.setdefault(issue["position"], []).extend(evidence.get("null_words", {}))
            canonical[issue["position"]] = datetime_canonical(evidence)
    encoded: dict[int, Any] = {}

    def codes_of(position: int):
        if position not in encoded:
            encoded[position] = comparable_codes(
                sample_frame.iloc[:, position], tokens.get(position, ()), canonical.get(position)
            )
        return encoded[position]

    import numpy as np

    qualified = []
    for order, key_position in enumerate(candidates):
        key = codes_of(key_position)
        if key is None or int((np.bincount(key[0][key[0] >= 0]) >= 2).sum()) < MIN_GROUPS:
            continue  # in the sample, too few values repeat to tell anything
        strong, weak = [], []
        for column in columns[:MAX_COLUMNS]:
            position = column["position"]
            if position == key_position or "error" in column or nearly_unique(column, rows, len(sample_frame)):
                continue
            values = codes_of(position)
            if values is None or len(values[1]) * 2 > int((values[0] >= 0).sum()):
                continue  # (nearly) a different value on every row: no property of any key
            found = dependency(key[0], len(key[1]), values[0], len(values[1]))
            if not found:
                continue
            if found["noise"] > WEAK_NOISE:
                continue  # no more agreement than chance gives: not a property of the key
            if (found["majority"] >= STRONG_MAJORITY and found["agreement"] >= STRONG_AGREEMENT
                    and found["noise"] <= STRONG_NOISE):
                strong.append((column, found))
            elif found["majority"] >= WEAK_MAJORITY and found["agreement"] >= WEAK_AGREEMENT and found["rows"]:
                weak.append((column, found))
        anchored = any(found["noise"] <= ANCHOR_NOISE for _, found in strong)
        if len(strong) >= MIN_STRONG_DEPENDENTS and anchored:
            qualified.append((-len(strong), order, key_position, strong, weak))
    found_issues = []
    claimed: set[int] = set()  # the keys taken and their properties
    taken: set[int] = set()  # the keys taken (with or without anything to fix)
    for _, _, key_position, strong, weak in sorted(qualified, key=lambda entry: entry[:2]):
        properties = {column["position"] for column, _ in strong}
        if key_position in claimed or properties & taken:
            continue  # the same entity as a key already taken
        work = [entry for entry in strong if (entry[1]["rows"] or entry[1]["fills"])
                and entry[0]["position"] not in claimed]
        weak = [entry for entry in weak if entry[0]["position"] not in claimed]
        claimed |= properties | {key_position}
        taken.add(key_position)
        if work:
            found_issues.append(conflict_issue(columns[key_position]["name"], key_position, codes_of(key_position),
                                               work, weak, codes_of, sampled))
        if len(found_issues) == MAX_KEYS:
            break
    return found_issues


def dependent_entry(column: dict, found: dict) -> dict:
    """The evidence entry of one dependent column (names and counts only)."""
    return {
        "column": column["name"],
        "position": column["position"],
        "groups": found["groups"],
        "conflicting_groups": found["conflicting_groups"],
        "rows": found["rows"],
        "fills": found["fills"],
        "majority": round(found["majority"], 3),
        "agreement": round(found["agreement"], 3),
        "noise": round(found["noise"], 3),
    }


def conflict_issue(key_name, key_position: int, key, work: list, weak: list, codes_of, sampled: bool) -> dict:
    """Assemble the ``key_conflicts`` issue (see :func:`detect_key_conflicts`)."""
    from collections import Counter

    key_codes, key_values = key
    dependents = [dependent_entry(column, found) for column, found in work[:MAX_EVIDENCE_ITEMS]]
    weak_dependents = [dependent_entry(column, found) for column, found in weak[:MAX_EVIDENCE_ITEMS]]
    changed = sum(entry["rows"] + entry["fills"] for entry in dependents)
    # the example: the key with the most distinct values of the most disputed column
    column, found = max(work, key=lambda entry: entry[1]["rows"])
    value_codes, values = codes_of(column["position"])
    chosen = found["example_key"]
    picked = value_codes[(key_codes == chosen) & (value_codes >= 0)]
    example = {
        "key_value": json_safe_value(key_values[chosen]),
        "column": column["name"],
        "values": top_counts(Counter(values[code] for code in picked.tolist()), limit=5),
    }
    names = ", ".join(repr(entry["column"]) for entry in dependents)
    groups = max(entry["groups"] for entry in dependents)
    shown = ", ".join(f"{value!r} ×{count}" for value, count in example["values"].items())
    message = (
        f"rows with the same {key_name!r} disagree on {names}: {changed} values differ from the most frequent "
        f"value of their {key_name!r} or are missing beside it ({groups} repeated {key_name!r} values; "
        f"e.g. {example['key_value']!r} has {example['column']!r} {shown})"
    )
    issue = make_issue(
        "key_conflicts",
        changed,
        {
            "key": key_name,
            "key_position": key_position,
            "dependents": dependents,
            "weak_dependents": weak_dependents,
            "sampled": bool(sampled),
            "example": example,
        },
        message,
    )
    issue["column"] = None
    issue["positions"] = [key_position] + [entry["position"] for entry in dependents + weak_dependents]
    return issue
