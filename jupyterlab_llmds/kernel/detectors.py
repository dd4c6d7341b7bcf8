"""Issue detectors: one small function per issue kind of the data card.

Each detector looks at the sampled values of one column (or at a frame, for
duplicate rows) and returns an issue dict ``{"kind", "count", "evidence",
"message"}`` or ``None`` when the column is clean. The card adds the
``column`` key. The evidence keys are the contract in
``docs/architecture.md``: the engines build code from them.

Text detectors take a mapping ``{value: count}`` of the sampled non-null
*strings* of a column. Working on plain Python strings (not on a pandas
dtype) makes them behave the same on pandas 2.2 object columns and on
pandas 3 ``str`` columns.

Top-level imports are stdlib only: this module is imported in users' kernels.
pandas and numpy are imported inside the functions that need them.
"""

from __future__ import annotations

import itertools
import math
import re
import time
import warnings
from collections import Counter
from contextvars import ContextVar
from datetime import datetime
from difflib import SequenceMatcher
from functools import lru_cache
from typing import Any, Iterable, Mapping

#: Longest string kept in evidence, samples and top values.
MAX_TEXT = 80

#: How many entries evidence lists and dicts keep.
MAX_EVIDENCE_ITEMS = 10

#: A numeric/date column must parse at least this share of its values
#: (not counting null tokens) before we call it numbers/dates stored as text.
MIN_PARSED_SHARE = 0.8

#: Spellings that mean "missing" wherever they appear (compared after strip).
STANDARD_NULL_TOKENS = frozenset(
    [
        "N/A", "NA", "n/a", "#N/A", "null", "NULL", "None", "none", "-", "--",
        "?", ".", "empty", "nan", "NaN", "NaT", "",
    ]
)

#: Boolean spellings, compared case-insensitively after strip.
TRUE_WORDS = frozenset(["yes", "y", "true", "t", "1"])
FALSE_WORDS = frozenset(["no", "n", "false", "f", "0"])

CURRENCY_SYMBOLS = "$€£¥"

# sign, currency, digits with separators, percent, currency after, unit word.
NUMBER_TEXT = re.compile(
    r"^(?P<sign>[-+]?)\s*(?P<currency>[$€£¥]?)\s*(?P<sign_after>[-+]?)"
    r"(?P<digits>\d[\d,.]*|[.,]\d+)"
    r"\s*(?P<percent>%?)\s*(?P<currency_after>[$€£¥]?)"
    r"\s*(?P<unit>[^\W\d_][^\d]{0,24}?)?\s*$"
)
US_DIGITS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^\.\d+$")
EUROPEAN_DIGITS = re.compile(r"^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$|^,\d+$")
# "02134" is a code (zip, id), not a number: converting would drop the zero.
LEADING_ZERO = re.compile(r"^0\d")

#: Normalisations applied to date/time text before ``strptime``, in order.
#: name -> (list of (regex, replacement), what it does). The built-in engine
#: copies the very same regexes into the generated code.
DATETIME_NORMALIZATIONS: dict[str, tuple[list[tuple[str, str]], str]] = {
    "html_entities": (
        [(r"&nbsp;?|&#160;", " ")],
        "turn HTML non-breaking spaces (&nbsp) into spaces",
    ),
    "strip_parenthetical": (
        [(r"\s*\([^)]*\)", "")],
        "drop notes in parentheses such as '(Estimated)' or '(-00:00)'",
    ),
    "strip_footnote_marks": (
        [(r"[*†‡]+", "")],
        "drop footnote marks such as '*'",
    ),
    "noon_midnight": (
        [(r"(?i)(\d{1,2}:\d{2})\s*noon\b", r"\1 PM"), (r"(?i)(\d{1,2}:\d{2})\s*midnight\b", r"\1 AM")],
        "read '12:00noon' as 12:00 PM and '12:00midnight' as 12:00 AM",
    ),
    "ampm_dots": (
        [
            (r"(?<=:\d\d)\s*[Aa]\.?(?:\s*[Mm]\.?)?(?![a-z])", " AM"),
            (r"(?<=:\d\d)\s*[Pp]\.?(?:\s*[Mm]\.?)?(?![a-z])", " PM"),
        ],
        "write 'a.m.', 'am', 'a' and 'A' after a time as ' AM' (and the same for PM)",
    ),
    "collapse_whitespace": (
        [(r"\s+", " "), (r"^ | $", "")],
        "collapse runs of spaces and trim",
    ),
    "time_of_day_only": (
        [(r"^.*?(\d{1,2}:\d{2}(?::\d{2})?(?: [AP]M)?).*$", r"\1")],
        "keep only the time of day, dropping date fragments and trailing words such as 'Dec 1' or 'Delayed'",
    ),
}
GENERAL_NORMALIZATIONS = [
    "html_entities", "strip_parenthetical", "strip_footnote_marks",
    "noon_midnight", "ampm_dots", "collapse_whitespace",
]

DATE_FORMATS = [
    "%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%d/%m/%y",
    "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%m-%d-%y", "%d %b %Y", "%d %B %Y",
    "%b %d %Y", "%b %d, %Y", "%B %d, %Y", "%B %d %Y", "%d-%b-%Y", "%a %d-%b-%Y",
]
PARTIAL_DATE_FORMATS = ["%m/%d", "%b %d"]
TIME_FORMATS = ["%I:%M %p", "%H:%M", "%I:%M:%S %p", "%H:%M:%S", "%H:%M:%S.%f"]
DATETIME_FORMATS = (
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]
    + [f"{date} {time}" for date in DATE_FORMATS + PARTIAL_DATE_FORMATS for time in TIME_FORMATS]
    + [f"{time} {date}" for date in DATE_FORMATS + PARTIAL_DATE_FORMATS for time in TIME_FORMATS[:2]]
)
ALL_DATETIME_CANDIDATES = DATE_FORMATS + TIME_FORMATS + DATETIME_FORMATS
TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p")
DATE_DIRECTIVES = ("%Y", "%y", "%m", "%d", "%b", "%B", "%a")


# --------------------------------------------------------------------------
# JSON-safe values


def json_safe_value(value: Any) -> Any:
    """Return ``value`` as a JSON-safe scalar, strings cut to 80 characters.

    Parameters
    ----------
    value : Any
        A cell value, a column label or a statistic.

    Returns
    -------
    str, int, float, bool or None
        NaN, infinities and missing markers become ``None``; numpy scalars
        become Python numbers; timestamps become ISO strings; anything else
        becomes its (truncated) ``str``.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return truncate_text(value)
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        try:
            return json_safe_value(item())
        except (ValueError, TypeError):
            pass
    if is_missing_scalar(value):
        return None
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        try:
            return truncate_text(isoformat())
        except Exception:  # a user's isoformat() may raise anything, or not return text
            pass
    return truncate_text(safe_text(value))


def truncate_text(text: str) -> str:
    """Cut ``text`` to :data:`MAX_TEXT` characters, marking the cut with an ellipsis."""
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


#: Seconds that ``str()``/``repr()`` of users' objects may take, in total, while
#: one card is built. A cell type whose ``__repr__`` sleeps or walks a huge
#: structure must not freeze the kernel: once the budget is spent, objects are
#: shown as ``<TypeName>``.
RENDER_BUDGET_SECONDS = 1.0


class RenderBudget:
    """Seconds left for rendering users' objects as text (see :func:`safe_text`)."""

    def __init__(self, seconds: float = RENDER_BUDGET_SECONDS) -> None:
        self.left = seconds


#: The budget of the card being built; ``describe()`` sets a fresh one. Outside
#: ``describe()`` (detectors called directly) there is none, and only
#: exceptions are guarded against.
RENDER_BUDGET: ContextVar = ContextVar("jupyterlab_llmds_render_budget", default=None)


def safe_text(value: Any, render=str) -> str:
    """``render(value)`` (``str`` or ``repr``) that never raises and respects the render budget.

    Parameters
    ----------
    value : Any
        A user's object (a cell, a label).
    render : callable
        ``str`` or ``repr``.

    Returns
    -------
    str
        The text, or ``<TypeName>`` when rendering raised, returned a
        non-string, or the card's :data:`RENDER_BUDGET` is spent.
    """
    fallback = f"<{type(value).__name__}>"
    if isinstance(value, str):
        return value if render is str else repr(value)
    budget = RENDER_BUDGET.get()
    if budget is not None and budget.left <= 0:
        return fallback
    started = time.perf_counter()
    try:
        text = render(value)
        if not isinstance(text, str):
            text = fallback
    except Exception:  # a user's __str__/__repr__ may raise anything
        text = fallback
    if budget is not None:
        budget.left -= time.perf_counter() - started
    return text


def is_missing_scalar(value: Any) -> bool:
    """Tell whether ``value`` is NaN, NaT or ``pd.NA`` without importing pandas."""
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)
    except Exception:  # pd.NA raises on bool(); arrays are ambiguous; users' __ne__ may raise anything
        return False


def top_counts(counts: Mapping[Any, int], limit: int = MAX_EVIDENCE_ITEMS) -> dict:
    """The ``limit`` most frequent entries of ``counts`` as a JSON-safe dict."""
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], safe_text(pair[0])))
    return {json_safe_value(value): int(count) for value, count in ordered[:limit]}


def first_values(values: Iterable[Any], limit: int = 5) -> list:
    """Up to ``limit`` JSON-safe values, in order."""
    # islice, not list(): a column's counts may hold thousands of values
    return [json_safe_value(value) for value in itertools.islice(values, limit)]


# --------------------------------------------------------------------------
# Text helpers shared by the detectors


def string_counts(values: Iterable[Any]) -> Counter:
    """Count the ``str`` values among ``values`` (other types are ignored)."""
    return Counter(value for value in values if isinstance(value, str))


def is_standard_null_token(text: str) -> bool:
    """Tell whether ``text`` is a standard missing-value spelling (or only whitespace)."""
    return text.strip() in STANDARD_NULL_TOKENS


def stripped_counts(counts: Mapping[str, int]) -> Counter:
    """Merge ``counts`` by stripped spelling."""
    merged: Counter = Counter()
    for text, count in counts.items():
        merged[text.strip()] += count
    return merged


def non_token_counts(counts: Mapping[str, int]) -> Counter:
    """Stripped values of ``counts`` that are not standard null tokens."""
    return Counter(
        {text: count for text, count in stripped_counts(counts).items() if text not in STANDARD_NULL_TOKENS}
    )


def is_null_word(text: str, count: int) -> bool:
    """Tell whether an unparsed value in a number/date column looks like a missing marker.

    Recurring (seen at least twice), no digits, a few words of letters:
    "Not Available", "Contact Airline", "TBD". One-off junk such as "1xx%"
    is a typo, not a marker, and stays in ``unparsed``.
    """
    if count < 2 or any(character.isdigit() for character in text):
        return False
    words = text.split()
    return 0 < len(words) <= 4 and all(re.fullmatch(r"[^\W\d_][\w'./-]*", word) for word in words)


def split_null_words(unparsed: Mapping[str, int]) -> tuple[dict, dict]:
    """Split unparsed values into (null words, the rest)."""
    words = {text: count for text, count in unparsed.items() if is_null_word(text, count)}
    rest = {text: count for text, count in unparsed.items() if text not in words}
    return words, rest


def make_issue(kind: str, count: int, evidence: dict, message: str) -> dict:
    """Assemble an issue dict in the contract's key order (the card adds ``column``)."""
    return {"kind": kind, "count": int(count), "evidence": evidence, "message": message}


def quoted_list(values: Iterable[Any], limit: int = 4) -> str:
    """Render values as ``'a', 'b' and 2 more`` for messages."""
    values = list(values)
    shown = ", ".join(repr(value) for value in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


# --------------------------------------------------------------------------
# Column-level detectors


def detect_null_tokens(counts: Mapping[str, int], null_words: Mapping[str, int] | None = None) -> dict | None:
    """Find values that stand for a missing value.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values of the column with their counts.
    null_words : Mapping[str, int], optional
        Recurring non-parseable words found by :func:`detect_numeric_strings`
        or :func:`detect_datetime_strings` in a column that is otherwise
        numbers or dates (``"Not Available"``); they count as tokens too.

    Returns
    -------
    dict or None
        A ``null_tokens`` issue whose evidence ``tokens`` maps each raw
        spelling to its count, or ``None``.
    """
    tokens = {text: count for text, count in counts.items() if is_standard_null_token(text)}
    for word, count in (null_words or {}).items():
        tokens[word] = tokens.get(word, 0) + count
    if not tokens:
        return None
    total = sum(tokens.values())
    shown = top_counts(tokens, limit=20)
    return make_issue(
        "null_tokens",
        total,
        {"tokens": shown},
        f"{total} values are text that means missing ({quoted_list(shown)})",
    )


def detect_whitespace(counts: Mapping[str, int]) -> dict | None:
    """Find values with leading or trailing whitespace.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values with their counts. Whitespace-only
        values are left to :func:`detect_null_tokens`.

    Returns
    -------
    dict or None
        A ``whitespace`` issue with up to 10 ``examples``, or ``None``.
    """
    padded = {text: count for text, count in counts.items() if text != text.strip() and text.strip()}
    if not padded:
        return None
    total = sum(padded.values())
    examples = list(top_counts(padded))
    return make_issue(
        "whitespace",
        total,
        {"examples": examples},
        f"{total} values have leading/trailing spaces (e.g. {quoted_list(examples, 3)})",
    )


def detect_case_variants(counts: Mapping[str, int], max_groups: int = 20) -> dict | None:
    """Find spellings of one category that differ only in case or surrounding spaces.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values with their counts (null tokens are
        ignored).
    max_groups : int
        Most groups kept in the evidence (the largest first).

    Returns
    -------
    dict or None
        A ``case_variants`` issue: evidence ``groups`` lists, per group, the
        ``canonical`` spelling (the most frequent stripped spelling) and the
        other stripped ``variants`` with counts. ``count`` is the number of
        values not in the canonical spelling.
    """
    by_key: dict[str, Counter] = {}
    for text, count in non_token_counts(counts).items():
        if len(text) > MAX_TEXT:
            # evidence cuts values to MAX_TEXT; a cut spelling could never
            # match the data in the generated mapping
            continue
        by_key.setdefault(text.casefold(), Counter())[text] += count
    groups = []
    for spellings in by_key.values():
        if len(spellings) < 2:
            continue
        # most frequent first; on a tie prefer a written-out spelling ("New
        # York") to SHOUTING or lower case, then the one that sorts first so
        # the choice is stable between runs
        canonical = sorted(
            spellings.items(),
            key=lambda pair: (-pair[1], pair[0].isupper() or pair[0].islower(), pair[0]),
        )[0][0]
        variants = {text: count for text, count in spellings.items() if text != canonical}
        groups.append({"canonical": canonical, "variants": variants})
    if not groups:
        return None
    groups.sort(key=lambda group: -sum(group["variants"].values()))
    groups = groups[:max_groups]
    total = sum(sum(group["variants"].values()) for group in groups)
    safe_groups = [
        {"canonical": json_safe_value(group["canonical"]), "variants": top_counts(group["variants"])}
        for group in groups
    ]
    first = safe_groups[0]
    return make_issue(
        "case_variants",
        total,
        {"groups": safe_groups},
        f"{total} values are case variants of another spelling "
        f"(e.g. {quoted_list(first['variants'], 3)} for {first['canonical']!r})",
    )


def detect_boolean_strings(counts: Mapping[str, int]) -> dict | None:
    """Find a text column that holds yes/no, y/n, true/false, t/f or 1/0.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values with their counts. Only string
        columns reach this detector, so ``"1"``/``"0"`` are text here.

    Returns
    -------
    dict or None
        A ``boolean_string`` issue with evidence ``true`` and ``false`` (the
        spellings found) and ``unparsed`` (other values), when at least
        :data:`MIN_PARSED_SHARE` of the non-token values are boolean words
        and both a true and a false spelling occur.
    """
    values = non_token_counts(counts)
    total = sum(values.values())
    true_spellings = sorted(text for text in values if text.casefold() in TRUE_WORDS)
    false_spellings = sorted(text for text in values if text.casefold() in FALSE_WORDS)
    if not total or not true_spellings or not false_spellings:
        return None
    matched = sum(values[text] for text in true_spellings + false_spellings)
    if matched / total < MIN_PARSED_SHARE:
        return None
    unparsed = {text: count for text, count in values.items() if text not in true_spellings + false_spellings}
    return make_issue(
        "boolean_string",
        matched,
        {
            "true": [json_safe_value(text) for text in true_spellings],
            "false": [json_safe_value(text) for text in false_spellings],
            "unparsed": top_counts(unparsed),
        },
        f"{matched} values are booleans stored as text "
        f"(true: {quoted_list(true_spellings)}; false: {quoted_list(false_spellings)})",
    )


def parse_number_text(text: str) -> dict | None:
    """Split a number written as text into its parts, or ``None`` if it is not one.

    Returns a dict with ``digits`` (digits and separators), ``currency``,
    ``percent`` (bool) and ``unit`` (trailing word or ``None``).
    """
    match = NUMBER_TEXT.match(text)
    if match is None:
        return None
    return {
        "digits": match["digits"],
        "currency": match["currency"] or match["currency_after"] or None,
        "percent": bool(match["percent"]),
        "unit": (match["unit"] or "").strip() or None,
    }


def choose_separators(parts: Mapping[str, tuple[dict, int]]) -> tuple[str | None, str]:
    """Pick (thousands, decimal) separators: US ``,``/``.`` unless European reads more values."""
    us_weight = sum(count for part, count in parts.values() if US_DIGITS.match(part["digits"]))
    eu_weight = sum(count for part, count in parts.values() if EUROPEAN_DIGITS.match(part["digits"]))
    if eu_weight > us_weight:
        uses_dot = any("." in part["digits"] for part, _ in parts.values() if EUROPEAN_DIGITS.match(part["digits"]))
        return ("." if uses_dot else None), ","
    uses_comma = any("," in part["digits"] for part, _ in parts.values() if US_DIGITS.match(part["digits"]))
    return ("," if uses_comma else None), "."


def dominant_unit(parts: Mapping[str, tuple[dict, int]]) -> str | None:
    """The unit carried by at least half of the number-like values, else ``None``."""
    units: Counter = Counter()
    for part, count in parts.values():
        if part["unit"]:
            units[part["unit"]] += count
    if not units:
        return None
    unit, weight = units.most_common(1)[0]
    total = sum(count for _, count in parts.values())
    return unit if weight * 2 >= total else None


def is_unit_variant(candidate: str | None, unit: str | None) -> bool:
    """Tell whether ``candidate`` is another spelling of ``unit`` ("OZ", "patiexts" for "patients").

    A misspelt unit does not make the number wrong: "619 paxienxs" in a
    column of "12 patients" is still 619.
    """
    if not candidate or not unit or candidate == unit:
        return False
    first, second = candidate.casefold(), unit.casefold()
    if first == second:
        return True
    return abs(len(first) - len(second)) <= 2 and SequenceMatcher(None, first, second).ratio() >= 0.75


def detect_numeric_strings(counts: Mapping[str, int]) -> dict | None:
    """Find numbers stored as text: currency, thousands separators, percent, units.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values with their counts.

    Returns
    -------
    dict or None
        A ``numeric_string`` issue (evidence ``currency``, ``thousands``,
        ``decimal``, ``percent``, ``unit``, ``unit_variants`` (misspellings
        of the unit, e.g. ``"OZ"``), ``parsed_share``, ``unparsed``,
        ``examples`` and ``null_words``) when at least
        :data:`MIN_PARSED_SHARE` of the values that are not null tokens
        parse; ``None`` otherwise. A column whose numbers have leading zeros
        (``"02134"``) is a code, not a number, and is not flagged.
    """
    values = non_token_counts(counts)
    parts = {text: (part, count) for text, count in values.items() if (part := parse_number_text(text))}
    if not parts:
        return None
    if any(LEADING_ZERO.match(part["digits"]) for part, _ in parts.values()):
        return None
    thousands, decimal = choose_separators(parts)
    digits_pattern = EUROPEAN_DIGITS if decimal == "," else US_DIGITS
    unit = dominant_unit(parts)
    unit_variants = sorted({part["unit"] for part, _ in parts.values() if is_unit_variant(part["unit"], unit)})
    percent_weight = sum(count for part, count in parts.values() if part["percent"])
    percent = percent_weight * 2 >= sum(count for _, count in parts.values())
    parsed = {
        text: count
        for text, (part, count) in parts.items()
        if digits_pattern.match(part["digits"])
        and part["unit"] in (None, unit, *unit_variants)
        and (percent or not part["percent"])
    }
    unparsed_all = {text: count for text, count in values.items() if text not in parsed}
    null_words, unparsed = split_null_words(unparsed_all)
    if unit:
        # "x patients" in a column of "12 patients" is a damaged number, not a marker
        mentions_unit = {word: count for word, count in null_words.items() if unit.casefold() in word.casefold()}
        null_words = {word: count for word, count in null_words.items() if word not in mentions_unit}
        unparsed = {**unparsed, **mentions_unit}
    considered = sum(values.values()) - sum(null_words.values())
    parsed_count = sum(parsed.values())
    if not considered or parsed_count / considered < MIN_PARSED_SHARE:
        return None
    # plain integers already written plainly are still numbers stored as text
    currency = sorted({parts[text][0]["currency"] for text in parsed if parts[text][0]["currency"]})
    share = round(parsed_count / considered, 4)
    evidence = {
        "currency": currency,
        "thousands": thousands,
        "decimal": decimal,
        "percent": percent,
        "unit": json_safe_value(unit),
        "unit_variants": unit_variants[:MAX_EVIDENCE_ITEMS * 2],
        "parsed_share": share,
        "unparsed": top_counts(unparsed),
        "examples": list(top_counts(parsed, limit=5)),
        "null_words": top_counts(null_words, limit=20),
    }
    details = describe_number_format(currency, thousands, decimal, percent, unit)
    return make_issue(
        "numeric_string",
        parsed_count,
        evidence,
        f"{parsed_count} values are numbers stored as text{details}; {share:.0%} of the non-missing values parse",
    )


def describe_number_format(currency, thousands, decimal, percent, unit) -> str:
    """Short phrase naming the decorations of numbers stored as text."""
    marks = list(currency)
    if thousands:
        marks.append(f"{thousands!r} thousands separator")
    if decimal == ",":
        marks.append("',' decimal comma")
    if percent:
        marks.append("%")
    if unit:
        marks.append(f"unit {unit!r}")
    return f" ({', '.join(marks)})" if marks else ""


# --------------------------------------------------------------------------
# Date/time strings


#: :data:`DATETIME_NORMALIZATIONS` compiled once (``re.sub`` with a pattern
#: string looks the compiled form up in a cache on every call).
COMPILED_NORMALIZATIONS = {
    name: [(re.compile(pattern), replacement) for pattern, replacement in steps]
    for name, (steps, _) in DATETIME_NORMALIZATIONS.items()
}


def normalize_datetime_text(text: str, names: Iterable[str]) -> str:
    """Apply the named :data:`DATETIME_NORMALIZATIONS` to ``text``, in order."""
    for name in names:
        for pattern, replacement in COMPILED_NORMALIZATIONS[name]:
            text = pattern.sub(replacement, text)
    return text.strip()


def cannot_change_any(name: str, texts: Iterable[str]) -> bool:
    """Whether normalisation ``name`` surely changes none of ``texts``, from one search over them all.

    Only for unanchored patterns: a match inside one text is then also a
    match in the texts joined by NUL (lookarounds at a text's edge see NUL,
    neither a letter nor a word character), so no match in the joined text
    means no match in any. Most columns have no HTML entity, parenthesis,
    footnote mark, "noon" or "a.m." at all.
    """
    patterns = COMPILED_NORMALIZATIONS[name]
    if any("^" in pattern.pattern or "$" in pattern.pattern for pattern, _ in patterns):
        return False
    joined = "\x00".join(texts)
    return not any(pattern.search(joined) for pattern, _ in patterns)


def normalize_all(texts: Iterable[str], names: list[str]) -> tuple[dict[str, str], list[str]]:
    """Normalise every text; return (text -> normalised, names that changed something)."""
    current = {text: text.strip() for text in texts}
    used = []
    for name in names:
        if cannot_change_any(name, current.values()):
            continue
        changed = False
        for text, value in current.items():
            new_value = normalize_datetime_text(value, [name])
            if new_value != value:
                current[text] = new_value
                changed = True
        if changed:
            used.append(name)
    return current, used


def text_shape(text: str) -> str:
    """Digits as 9 and letters as a: texts of one shape usually parse with one format."""
    return re.sub(r"[^\W\d_]", "a", re.sub(r"\d", "9", text))


def probe_texts(weights: Mapping[str, int], per_shape: int = 3, limit: int = 300) -> list[str]:
    """A few texts of every shape, to find the candidate formats cheaply."""
    by_shape: dict[str, list[str]] = {}
    for text in sorted(weights, key=lambda value: -weights[value]):
        bucket = by_shape.setdefault(text_shape(text), [])
        if len(bucket) < per_shape:
            bucket.append(text)
    return [text for bucket in by_shape.values() for text in bucket][:limit]


def parse_mask(texts: list[str], fmt: str):
    """Boolean numpy array: which ``texts`` ``pd.to_datetime`` parses with ``fmt``."""
    import numpy as np
    import pandas as pd

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = pd.to_datetime(pd.Series(texts, dtype=object), format=fmt, errors="coerce")
        return parsed.notna().to_numpy()
    except (ValueError, TypeError, OverflowError):  # e.g. mixed UTC offsets under %z
        return np.zeros(len(texts), dtype=bool)


#: format -> the compiled regex ``strptime`` matches texts against (filled on first use).
FORMAT_REGEXES: dict[str, Any] = {}


@lru_cache(maxsize=1)
def time_regex_builder():
    """The standard library's format -> regex translator (``_strptime.TimeRE``), built once."""
    import _strptime

    return _strptime.TimeRE()


def format_matches(text: str, fmt: str) -> bool:
    """Whether ``text`` has the shape of ``fmt`` (the cheap plausibility test of a candidate format).

    ``strptime`` first matches the text against a regex built from the
    format, then checks the ranges of the fields; pandas reads formats with
    the same rules (they agreed on every candidate format with single-digit
    fields, lower-case AM/PM, ``Z``/``+00:00`` offsets and fractional
    seconds). Matching that regex, compiled once per format, costs well under
    a microsecond, where ``strptime`` recompiles (its cache holds 100 formats,
    there are about 170 candidates) and ``pd.to_datetime`` costs a fraction
    of a millisecond per call. A text of the right shape with an impossible
    date passes here; :func:`parse_mask` then rejects it.
    """
    regex = FORMAT_REGEXES.get(fmt)
    if regex is None:
        try:
            regex = re.compile(time_regex_builder().pattern(fmt), re.IGNORECASE)
        except Exception:  # an interpreter without it: ask strptime itself
            regex = False
        FORMAT_REGEXES[fmt] = regex
    if regex is False:
        try:
            datetime.strptime(text, fmt)
            return True
        except (ValueError, TypeError, OverflowError):
            return False
    return regex.fullmatch(text) is not None


def choose_datetime_formats(weights: Mapping[str, int], candidates: list[str], max_formats: int = 8) -> dict[str, int]:
    """Greedily pick the formats that together parse the most (weighted) texts.

    Parameters
    ----------
    weights : Mapping[str, int]
        Normalised texts and how many values each stands for.
    candidates : list of str
        ``strptime`` formats in order of preference (ties go to the first).
    max_formats : int
        Most formats returned.

    Returns
    -------
    dict
        format -> number of values it parses that no earlier format parsed.
    """
    import numpy as np

    probes = probe_texts(weights)
    plausible = [fmt for fmt in candidates if any(format_matches(probe, fmt) for probe in probes)]
    texts = list(weights)
    counts = np.array([weights[text] for text in texts], dtype=np.int64)
    masks = {fmt: parse_mask(texts, fmt) for fmt in plausible}
    remaining = np.ones(len(texts), dtype=bool)
    chosen: dict[str, int] = {}
    while masks and len(chosen) < max_formats:
        gains = {fmt: int(counts[mask & remaining].sum()) for fmt, mask in masks.items()}
        best = max(gains, key=gains.get)  # first of the best in candidate order
        if gains[best] == 0:
            break
        chosen[best] = gains[best]
        remaining &= ~masks.pop(best)
    return chosen


def format_kind(fmt: str) -> str:
    """``"time"``, ``"date"`` or ``"datetime"`` for a strptime format."""
    has_time = any(directive in fmt for directive in TIME_DIRECTIVES)
    has_date = any(directive in fmt for directive in DATE_DIRECTIVES)
    if has_time and not has_date:
        return "time"
    return "datetime" if has_time else "date"


def looks_date_like(values: Mapping[str, int]) -> bool:
    """Cheap pre-check: most values hold a digit next to a date/time separator."""
    total = sum(values.values())
    hinted = sum(count for text, count in values.items() if re.search(r"\d[:/\-.]|[:/\-.]\d|\d\s*[A-Za-z]{3}", text))
    return bool(total) and hinted / total >= 0.5


def detect_datetime_strings(counts: Mapping[str, int]) -> dict | None:
    """Find dates, datetimes or times of day stored as text, with their formats.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values with their counts.

    Returns
    -------
    dict or None
        A ``datetime_string`` issue with evidence ``formats`` (strptime
        format -> count), ``value_kind`` (``date``/``datetime``/``time``),
        ``normalize`` (names of :data:`DATETIME_NORMALIZATIONS` to apply
        first, in order), ``parsed_share``, ``unparsed``, ``examples`` and
        ``null_words``; ``None`` unless at least :data:`MIN_PARSED_SHARE`
        of the non-token values parse.
    """
    values = non_token_counts(counts)
    if not values or not looks_date_like(values):
        return None
    steps = list(GENERAL_NORMALIZATIONS)
    normalized, used = normalize_all(values, steps)
    formats = choose_datetime_formats(merge_weights(normalized, values), ALL_DATETIME_CANDIDATES)
    time_weight = sum(count for fmt, count in formats.items() if format_kind(fmt) == "time")
    if formats and time_weight * 2 >= sum(formats.values()):
        # mostly times of day: keep the time, drop the date fragments some
        # sources append ("Dec 1", "11/30") so one time format fits them all
        steps.append("time_of_day_only")
        normalized, used = normalize_all(values, steps)
        formats = choose_datetime_formats(merge_weights(normalized, values), TIME_FORMATS)
    if not formats:
        return None
    parsed_texts = parsed_originals(normalized, list(formats))
    unparsed_all = {text: count for text, count in values.items() if text not in parsed_texts}
    null_words, unparsed = split_null_words(unparsed_all)
    considered = sum(values.values()) - sum(null_words.values())
    parsed_count = sum(formats.values())
    if not considered or parsed_count / considered < MIN_PARSED_SHARE:
        return None
    kinds = {format_kind(fmt) for fmt in formats}
    value_kind = "time" if kinds == {"time"} else ("date" if kinds == {"date"} else "datetime")
    share = round(parsed_count / considered, 4)
    evidence = {
        "formats": formats,
        "value_kind": value_kind,
        "normalize": used,
        "parsed_share": share,
        "unparsed": top_counts(unparsed),
        "examples": list(top_counts({text: values[text] for text in parsed_texts}, limit=5)),
        "null_words": top_counts(null_words, limit=20),
    }
    return make_issue(
        "datetime_string",
        parsed_count,
        evidence,
        f"{parsed_count} values are {value_kind}s stored as text in {len(formats)} "
        f"format{'s' if len(formats) > 1 else ''} ({', '.join(formats)}); {share:.0%} parse",
    )


def merge_weights(normalized: Mapping[str, str], weights: Mapping[str, int]) -> dict[str, int]:
    """Counts per normalised text (several originals may normalise alike)."""
    merged: Counter = Counter()
    for original, text in normalized.items():
        merged[text] += weights[original]
    return dict(merged)


def parsed_originals(normalized: Mapping[str, str], formats: list[str]) -> set[str]:
    """The original texts whose normalised form parses with one of ``formats``."""
    import numpy as np

    originals = list(normalized)
    texts = [normalized[original] for original in originals]
    mask = np.zeros(len(texts), dtype=bool)
    for fmt in formats:
        mask |= parse_mask(texts, fmt)
    return {original for original, ok in zip(originals, mask) if ok}


# --------------------------------------------------------------------------
# Whole-column and frame-level detectors


def detect_all_null(non_null_count: int, token_values: Mapping[str, int] | None = None) -> dict | None:
    """Flag a column with no values, or whose only values are null tokens.

    Parameters
    ----------
    non_null_count : int
        Non-null values in the column (exact).
    token_values : Mapping[str, int], optional
        When the column's only non-null values are null tokens, those tokens
        with their counts; the column is then empty in effect.

    Returns
    -------
    dict or None
        An ``all_null`` issue (evidence ``{}``, or ``{"null_tokens": [...]}``
        when tokens are all there is) or ``None``.
    """
    if non_null_count == 0:
        return make_issue("all_null", 0, {}, "the column is entirely missing")
    if token_values and sum(token_values.values()) >= non_null_count:
        tokens = list(top_counts(token_values))
        return make_issue(
            "all_null",
            non_null_count,
            {"null_tokens": tokens},
            f"every value is a null token ({quoted_list(tokens)}): the column is empty in effect",
        )
    return None


def detect_constant(distinct_values: list, rows: int, nulls: int) -> dict | None:
    """Flag a column holding a single value in every row.

    Parameters
    ----------
    distinct_values : list
        The distinct non-null values of the column (of its sample).
    rows : int
        Rows in the frame; a frame of fewer than two rows is never flagged.
    nulls : int
        Missing values in the column; a column with missing values is not
        constant (missing vs present may be the information).

    Returns
    -------
    dict or None
        A ``constant`` issue with evidence ``value`` or ``None``.
    """
    if rows < 2 or nulls or len(distinct_values) != 1:
        return None
    value = json_safe_value(distinct_values[0])
    return make_issue("constant", rows, {"value": value}, f"every row holds the same value {value!r}")


def detect_duplicate_rows(frame, exact: bool, positions=None) -> dict | None:
    """Flag rows that repeat an earlier row exactly (every column equal).

    Parameters
    ----------
    frame : pandas.DataFrame
        The whole frame, or its sample when ``exact`` is false.
    exact : bool
        Whether ``frame`` is the whole frame.
    positions : sequence of int, optional
        Row positions of ``frame`` in the original frame (for a sample).

    Returns
    -------
    dict or None
        A ``duplicate_rows`` issue (evidence ``exact``, ``example_positions``
        of up to 6 rows involved, and ``sampled``) or ``None``.
    """
    if frame.shape[1] == 0 or len(frame) < 2:
        return None
    from .scan import duplicated_rows  # narrows rows column group by column group: wide frames stay cheap

    repeated = duplicated_rows(frame, keep="first")
    count = int(repeated.sum())
    if not count:
        return None
    involved = duplicated_rows(frame, keep=False).nonzero()[0][:6]
    example_positions = [int(positions[index]) if positions is not None else int(index) for index in involved]
    scope = "" if exact else " in the sample"
    return make_issue(
        "duplicate_rows",
        count,
        {"exact": exact, "example_positions": example_positions, "sampled": not exact},
        f"{count} rows{scope} are exact duplicates of an earlier row",
    )
