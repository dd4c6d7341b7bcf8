"""Rare spellings of a category that are a typing slip away from a frequent one.

"birminghxm" beside 500 rows of "birmingham" is almost surely the same city;
"Bolton" beside "Boston" may be a real town. The detector only proposes a
mapping when the evidence is lopsided: the rare spelling is much rarer than
its neighbour, both are long enough for one slip not to make another valid
word likely, and they differ in letters rather than in digits (codes such as
"scip-inf-1" and "scip-inf-2" differ in a digit on purpose). The engine writes
the mapping into the cell for the user to review; nothing is applied blindly.

Top-level imports are the standard library only (kernel-side module).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Mapping

from .detectors import MAX_TEXT, json_safe_value, make_issue, non_token_counts, quoted_list, top_counts

#: A canonical spelling needs at least this many rows to attract variants.
MIN_CANONICAL_COUNT = 5

#: ... and this many times the rows of each variant it absorbs.
MIN_FREQUENCY_RATIO = 8

#: Shorter values are left alone: "al" and "ak" are both states.
MIN_LENGTH = 4

#: Above this many distinct spellings the column is free text, not a category.
MAX_DISTINCT = 1_000

#: Most groups kept in the evidence.
MAX_GROUPS = 20

#: Words shorter than this are codes ("al"/"ak", "st"/"sx" in an address):
#: a difference there is as likely a different value as a typo.
MIN_WORD_LENGTH = 4

#: Spellings whose words split differently ("acutexcare" for "acute care")
#: must be at least this long to be taken as the same value.
MIN_LENGTH_WHEN_WORDS_DIFFER = 10

WORD_SEPARATOR = re.compile(r"[^0-9a-z]+")


def allowed_edits(length: int) -> int:
    """Edits tolerated between two spellings of ``length`` characters.

    One slip for words up to nine characters, then about one per eight
    characters, so a long hospital name may carry several typos.
    """
    if length <= 9:
        return 1
    return max(1, int(length * 0.12 + 0.5))


def bounded_edit_distance(first: str, second: str, limit: int) -> int | None:
    """Levenshtein distance of two strings, or ``None`` when it exceeds ``limit``.

    Parameters
    ----------
    first, second : str
        The strings to compare.
    limit : int
        Largest distance of interest; rows of the dynamic programme whose
        minimum exceeds it end the computation early.

    Returns
    -------
    int or None
    """
    if abs(len(first) - len(second)) > limit:
        return None
    previous = list(range(len(second) + 1))
    for row, first_char in enumerate(first, start=1):
        current = [row] + [0] * len(second)
        for column, second_char in enumerate(second, start=1):
            current[column] = min(
                previous[column] + 1,
                current[column - 1] + 1,
                previous[column - 1] + (first_char != second_char),
            )
        if min(current) > limit:
            return None
        previous = current
    distance = previous[-1]
    return distance if distance <= limit else None


def without_digits(text: str) -> str:
    """``text`` with its digits removed: equal results mean "differs only in digits"."""
    return "".join(char for char in text if not char.isdigit())


def plausible_typo(rare: str, frequent: str) -> bool:
    """Whether two case-folded spellings differ the way a typing slip does.

    Codes are protected: spellings that differ only in digits ("scip-inf-1"
    and "scip-inf-2") or in a short word ("al_ami-1" and "ak_ami-1") are
    kept apart, and a different split into words is accepted only for long
    values.
    """
    if without_digits(rare) == without_digits(frequent):
        return False
    rare_words = [word for word in WORD_SEPARATOR.split(rare) if word]
    frequent_words = [word for word in WORD_SEPARATOR.split(frequent) if word]
    if len(rare_words) != len(frequent_words):
        return min(len(rare), len(frequent)) >= MIN_LENGTH_WHEN_WORDS_DIFFER
    return all(
        min(len(rare_word), len(frequent_word)) >= MIN_WORD_LENGTH
        for rare_word, frequent_word in zip(rare_words, frequent_words)
        if rare_word != frequent_word
    )


def closest_frequent_spelling(rare: str, frequent_by_length: Mapping[int, list[tuple[str, int]]]) -> tuple[str, int] | None:
    """The most frequent spelling within the allowed edits of ``rare``, with the distance.

    ``frequent_by_length`` maps a length to ``(spelling, count)`` pairs, most
    frequent first; only lengths within the edit budget are looked at.
    """
    folded = rare.casefold()
    limit = allowed_edits(len(rare))
    best = None
    for length in range(len(rare) - limit, len(rare) + limit + 1):
        for spelling, count in frequent_by_length.get(length, ()):
            other = spelling.casefold()
            if other == folded or not plausible_typo(folded, other):
                continue
            distance = bounded_edit_distance(folded, other, limit)
            if distance is None:
                continue
            # the nearest spelling wins; among equally near ones, the commonest
            if best is None or (distance, -count) < (best[2], -best[1]):
                best = (spelling, count, distance)
    return None if best is None else (best[0], best[2])


def detect_spelling_variants(counts: Mapping[str, int]) -> dict | None:
    """Find rare spellings that look like typos of a frequent spelling in the same column.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values with their counts (null tokens are
        ignored; values are compared stripped and case-folded, so case
        variants are left to :func:`detectors.detect_case_variants`).

    Returns
    -------
    dict or None
        A ``spelling_variants`` issue whose evidence ``groups`` lists, per
        frequent spelling (``canonical``), the rare ``variants`` with their
        counts and the ``edits`` apart; ``count`` is the number of values in
        a variant spelling.
    """
    stripped = Counter()
    for text, count in non_token_counts(counts).items():
        # evidence values are cut to MAX_TEXT characters; a cut value could
        # never match the data in the generated mapping, so leave long ones out
        if len(text.strip()) <= MAX_TEXT:
            stripped[text.strip()] += count
    if len(stripped) < 2 or len(stripped) > MAX_DISTINCT:
        return None
    # Case variants are one spelling here; the most frequent exact spelling
    # of each folded group speaks for it.
    folded_totals: Counter = Counter()
    representative: dict[str, tuple[str, int]] = {}
    for text, count in stripped.items():
        key = text.casefold()
        folded_totals[key] += count
        if key not in representative or count > representative[key][1]:
            representative[key] = (text, count)
    if not any(char.isalpha() for key in folded_totals for char in key):
        return None
    frequent_by_length: dict[int, list[tuple[str, int]]] = {}
    for key, total in folded_totals.most_common():
        if total < MIN_CANONICAL_COUNT:
            break
        spelling = representative[key][0]
        if len(spelling) >= MIN_LENGTH:
            frequent_by_length.setdefault(len(spelling), []).append((spelling, total))
    if not frequent_by_length:
        return None
    groups: dict[str, dict] = {}
    for key, total in folded_totals.items():
        spelling = representative[key][0]
        if len(spelling) < MIN_LENGTH or not any(char.isalpha() for char in spelling):
            continue
        match = closest_frequent_spelling(spelling, frequent_by_length)
        if match is None:
            continue
        canonical, edits = match
        if folded_totals[canonical.casefold()] < MIN_FREQUENCY_RATIO * total:
            continue
        group = groups.setdefault(canonical, {"canonical": canonical, "variants": Counter(), "edits": 0})
        # every exact spelling of the rare folded group is mapped, so the
        # code needs no case-insensitive matching
        for text, count in stripped.items():
            if text.casefold() == key:
                group["variants"][text] += count
        group["edits"] = max(group["edits"], edits)
    if not groups:
        return None
    ordered = sorted(groups.values(), key=lambda group: -sum(group["variants"].values()))[:MAX_GROUPS]
    total = sum(sum(group["variants"].values()) for group in ordered)
    safe_groups = [
        {
            "canonical": json_safe_value(group["canonical"]),
            "variants": top_counts(group["variants"]),
            "edits": group["edits"],
        }
        for group in ordered
    ]
    first = safe_groups[0]
    return make_issue(
        "spelling_variants",
        total,
        {"groups": safe_groups},
        f"{total} values look like misspellings of a much more frequent value "
        f"(e.g. {quoted_list(first['variants'], 3)} for {first['canonical']!r})",
    )
