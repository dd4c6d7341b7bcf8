"""Personal data in cell values: recognisers, the ``pii`` detector and a consistent redactor.

What is recognised (each kind is a placeholder prefix, ``<email_1>``):

``email``
    ``local@domain.tld`` (a dot-separated domain ending in a 2+ letter TLD).
``phone``
    Numbers written as phone numbers: with a leading ``+`` and 8 to 15
    digits (``+44 20 7946 0958``, ``+1-555-123-4567``), or the North
    American ``(555) 123-4567`` / ``555-123-4567`` / ``555.123.4567`` /
    ``555 123 4567`` shapes (3-3-4 digits with separators or a parenthesised
    area code). A bare run of digits (``5551234567``) is NOT a phone: it is
    indistinguishable from an ordinary number or ID.
``card``
    Payment card numbers: 13 to 19 digits, optionally grouped by single
    spaces or hyphens, that start with a card network prefix (Visa 4,
    Mastercard 51-55 / 2221-2720, Amex 34/37, Discover 6011/644-649/65,
    JCB 3528-3589, Diners 300-305/36/38) and pass the Luhn check. The prefix
    and the Luhn check together keep ordinary long numbers out (about 2 % of
    random 16-digit numbers would still pass). Integers stored as numbers
    are checked the same way.
``national_id``
    US social security numbers written ``ddd-dd-dddd`` (with the SSA's
    rules: no area 000, 666 or 9xx, no group 00, no serial 0000) and UK
    National Insurance numbers (``QQ 12 34 56 C``). Nine bare digits are not
    an SSN (too many ordinary numbers have nine digits).
``ip``
    IPv4 dotted quads (each part 0-255, no leading zeros) and IPv6 addresses
    (validated with :mod:`ipaddress`).

Not personal data, by construction of the patterns (the tests check both
ways): dates (``2024-01-15``, ``01/02/2024``, ``15.01.2024``), times
(``12:30:45``), prices (``$1,234.50``), zip codes (``02134``,
``12345-6789``), plain numbers and IDs, MAC addresses and 3-part versions
(``1.2.3``).

A dotted quad such as ``1.2.3.4`` is ambiguous: it is a valid IPv4 address
and a plausible four-part version string. We mask it, because a false
positive costs one placeholder in a prompt while a false negative sends an
address off-site, unless a version marker stands right before it (``v1.2.3.4``,
``version 1.2.3.4``, ``ver. 1.2.3.4``). Version columns made of bare dotted
quads therefore read as ``<ip_n>`` in redacted cards; use ``privacy="full"``
for such frames if that matters.

Names, postal addresses and free-text personal details are NOT recognised:
put such columns in ``exclude``.

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

#: Kinds in the order overlapping matches are preferred (an email wins over
#: the phone-looking digits inside its local part, a card over a phone).
PII_KINDS = ("email", "card", "national_id", "phone", "ip")

#: Most example values a ``pii`` issue keeps (placeholders after redaction).
MAX_PII_EXAMPLES = 5

#: A placeholder the redactor writes, e.g. ``<email_12>``.
PLACEHOLDER = re.compile(r"<(?:" + "|".join(PII_KINDS) + r")_\d+>")

#: What a value cut to 80 characters by the card ends with.
TRUNCATION_MARK = "…"

EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)

# digits in groups separated by one space or hyphen; validated in code
CARD = re.compile(r"(?<![\w.,-])\d(?:[ -]?\d){12,18}(?![\w-]|[.,]\d)")
CARD_PREFIX = re.compile(
    r"^(?:4|5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720|3[47]|6011|64[4-9]|65|35(?:2[89]|[3-8]\d)|30[0-5]|3[68])"
)

SSN = re.compile(r"(?<![\w-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\w-])")
UK_NINO = re.compile(
    r"(?<![\w])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\w])"
)

PHONE_INTERNATIONAL = re.compile(r"(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,5}\)?){2,6}(?![\w]|[.,]\d)")
PHONE_NORTH_AMERICAN = re.compile(
    r"(?<![\w.,/:-])(?:1[ .-])?(?:\(\d{3}\) ?|\d{3}(?P<separator>[ .-]))\d{3}"
    r"(?(separator)(?P=separator)|[ .-])\d{4}(?![\w]|[.,:/-]\d)"
)

IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)"
)
VERSION_MARKER = re.compile(r"(?i)(?:\bv|\bversion|\bver\.?|\brelease|\bbuild)\s*$")
IPV6_CANDIDATE = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?![\w:])")

# Cheap pre-check: a value without '@', ':' and with fewer than 7 digits and
# no dotted quad cannot hold any of the kinds above, except a UK NINO.
DIGITS = re.compile(r"\d")
NINO_HINT = re.compile(r"[A-Z]{2} ?\d{2}")


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data found in a text.

    Attributes
    ----------
    kind : str
        One of :data:`PII_KINDS`.
    start, end : int
        Span in the text.
    value : str
        The matched text.
    """

    kind: str
    start: int
    end: int
    value: str


def luhn_valid(digits: str) -> bool:
    """Tell whether a string of digits passes the Luhn checksum (payment cards).

    Parameters
    ----------
    digits : str
        Only digits, no separators.

    Returns
    -------
    bool
    """
    total = 0
    for index, character in enumerate(reversed(digits)):
        value = int(character)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """Tell whether bare digits are a plausible payment card number (length, prefix, Luhn)."""
    return 13 <= len(digits) <= 19 and bool(CARD_PREFIX.match(digits)) and luhn_valid(digits)


def card_matches(text: str) -> list[PiiMatch]:
    """Payment card numbers in ``text`` (grouping separators must be consistent)."""
    found = []
    for match in CARD.finditer(text):
        raw = match.group(0)
        separators = set(re.findall(r"[ -]", raw))
        if len(separators) > 1:
            continue
        groups = re.split(r"[ -]", raw)
        # grouped numbers come in groups of 4 (Amex 4-6-5, some 19-digit cards 4-4-4-4-3)
        if len(groups) > 1 and (min(len(group) for group in groups) < 3 or max(len(group) for group in groups) > 6):
            continue
        digits = "".join(groups)
        if is_card_number(digits):
            found.append(PiiMatch("card", match.start(), match.end(), raw))
    return found


def phone_matches(text: str) -> list[PiiMatch]:
    """Phone numbers in ``text`` (international with ``+``, or North American 3-3-4)."""
    found = []
    for match in PHONE_INTERNATIONAL.finditer(text):
        digit_count = len(DIGITS.findall(match.group(0)))
        if 8 <= digit_count <= 15:
            found.append(PiiMatch("phone", match.start(), match.end(), match.group(0)))
    for match in PHONE_NORTH_AMERICAN.finditer(text):
        found.append(PiiMatch("phone", match.start(), match.end(), match.group(0)))
    return found


def ip_matches(text: str) -> list[PiiMatch]:
    """IPv4 and IPv6 addresses in ``text`` (dotted quads after a version marker are versions)."""
    found = []
    for match in IPV4.finditer(text):
        if VERSION_MARKER.search(text[: match.start()]):
            continue
        found.append(PiiMatch("ip", match.start(), match.end(), match.group(0)))
    for match in IPV6_CANDIDATE.finditer(text):
        candidate = match.group(0)
        if not DIGITS.search(candidate) or candidate.count(":") < 2:
            continue
        try:
            ipaddress.IPv6Address(candidate)
        except ValueError:
            continue
        found.append(PiiMatch("ip", match.start(), match.end(), candidate))
    return found


def might_hold_pii(text: str) -> bool:
    """Cheap test that rules out most ordinary values before the regexes run."""
    if "@" in text or ":" in text:
        return True
    digit_count = len(DIGITS.findall(text))
    # fewer than 7 digits can only be an IPv4 address (four dotted numbers)
    # or a UK National Insurance number; "$512.37" is neither
    return digit_count >= 7 or (digit_count >= 4 and text.count(".") >= 3) or bool(NINO_HINT.search(text))


def find_pii(text: str) -> list[PiiMatch]:
    """Every piece of personal data in ``text``, without overlaps, in text order.

    Parameters
    ----------
    text : str
        Any text (a cell value, an evidence key, a message).

    Returns
    -------
    list of PiiMatch
        Where two matches overlap, the one of the kind earlier in
        :data:`PII_KINDS` wins, then the longer one.
    """
    if not isinstance(text, str) or not might_hold_pii(text):
        return []
    candidates = [PiiMatch("email", match.start(), match.end(), match.group(0)) for match in EMAIL.finditer(text)]
    candidates += card_matches(text)
    candidates += [PiiMatch("national_id", match.start(), match.end(), match.group(0)) for match in SSN.finditer(text)]
    candidates += [
        PiiMatch("national_id", match.start(), match.end(), match.group(0)) for match in UK_NINO.finditer(text)
    ]
    candidates += phone_matches(text)
    candidates += ip_matches(text)
    candidates.sort(key=lambda match: (PII_KINDS.index(match.kind), -(match.end - match.start), match.start))
    chosen: list[PiiMatch] = []
    for candidate in candidates:
        if all(candidate.end <= other.start or candidate.start >= other.end for other in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda match: match.start)


def truncated_tail(text: str) -> PiiMatch | None:
    """The start of personal data cut off by the card's 80-character truncation.

    A value cut to 80 characters may end in the middle of an address
    (``"... write to jane.doe@exam…"``) that no full pattern matches any
    more. The last word before the cut is masked when it holds an ``@``
    (the start of an email) or at least six digits (the start of a phone,
    card or ID number).
    """
    if not isinstance(text, str) or not text.endswith(TRUNCATION_MARK):
        return None
    match = re.search(r"(\S+)" + re.escape(TRUNCATION_MARK) + r"$", text)
    if not match:
        return None
    word = match.group(1)
    if PLACEHOLDER.fullmatch(word):
        return None
    if "@" in word:
        kind = "email"
    elif len(DIGITS.findall(word)) >= 6:
        kind = "phone"
    else:
        return None
    return PiiMatch(kind, match.start(1), match.end(1), word)


# --------------------------------------------------------------------------
# The detector


def detect_pii(counts: Mapping[str, int]) -> dict | None:
    """Find personal data in the text values of a column.

    Parameters
    ----------
    counts : Mapping[str, int]
        Sampled non-null string values of the column with their counts.

    Returns
    -------
    dict or None
        A ``pii`` issue: ``count`` is the number of values holding personal
        data, evidence ``kinds`` maps each kind to the number of values
        holding it and ``examples`` lists up to 5 matched pieces (raw here;
        :func:`jupyterlab_llmds.kernel.privacy.apply_privacy` turns them
        into placeholders, or drops them, unless privacy is ``full``).
        ``None`` when nothing was found.
    """
    kinds: dict[str, int] = {}
    examples: list[str] = []
    touched = 0
    for text, count in counts.items():
        matches = find_pii(text)
        if not matches:
            continue
        touched += count
        for kind in sorted({match.kind for match in matches}, key=PII_KINDS.index):
            kinds[kind] = kinds.get(kind, 0) + count
        for match in matches:
            if len(examples) < MAX_PII_EXAMPLES and match.value not in examples:
                examples.append(match.value[:80])
    if not touched:
        return None
    ordered = {kind: kinds[kind] for kind in sorted(kinds, key=lambda kind: (-kinds[kind], PII_KINDS.index(kind)))}
    listed = ", ".join(f"{kind} {count}" for kind, count in ordered.items())
    return {
        "kind": "pii",
        "count": int(touched),
        "evidence": {"kinds": ordered, "examples": examples},
        "message": f"{touched} values hold personal data ({listed})",
    }


# --------------------------------------------------------------------------
# The redactor


@dataclass
class Redactor:
    """Replace personal data with placeholders, consistently within one card.

    The same matched text always gets the same placeholder (``<email_1>``
    wherever that address appears: samples, top values, evidence keys,
    messages), and two different texts never share one. Numbering is per
    kind, in the order values are first met.

    Attributes
    ----------
    placeholders : dict
        ``(kind, matched text) -> placeholder``.
    """

    placeholders: dict = field(default_factory=dict)

    @property
    def masked(self) -> dict[str, int]:
        """Distinct values masked so far, per kind (the card's ``privacy.masked``)."""
        counts: dict[str, int] = {}
        for kind, _ in self.placeholders:
            counts[kind] = counts.get(kind, 0) + 1
        return {kind: counts[kind] for kind in PII_KINDS if kind in counts}

    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder of ``value`` (a new one the first time it is seen)."""
        key = (kind, value)
        if key not in self.placeholders:
            number = sum(1 for known_kind, _ in self.placeholders if known_kind == kind) + 1
            self.placeholders[key] = f"<{kind}_{number}>"
        return self.placeholders[key]

    def redact_text(self, text: str) -> str:
        """``text`` with every piece of personal data replaced by its placeholder."""
        if not isinstance(text, str):
            return text
        matches = find_pii(text)
        tail = truncated_tail(text)
        if tail and all(tail.start >= match.end or tail.end <= match.start for match in matches):
            matches.append(tail)
        if not matches:
            return text
        pieces = []
        position = 0
        for match in sorted(matches, key=lambda match: match.start):
            pieces.append(text[position : match.start])
            pieces.append(self.placeholder(match.kind, match.value))
            position = match.end
        pieces.append(text[position:])
        return "".join(pieces)

    def redact_number(self, value: Any) -> Any:
        """An integer (or integral float) that is a payment card number becomes its placeholder."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value
        if isinstance(value, float) and not (value.is_integer() and 1e12 <= abs(value) < 1e19):
            return value
        digits = str(int(value))
        if is_card_number(digits):
            return self.placeholder("card", digits)
        return value

    def redact_value(self, value: Any) -> Any:
        """Redact a JSON-safe value recursively: strings, numbers, dict keys and values, lists."""
        if isinstance(value, str):
            return self.redact_text(value)
        if isinstance(value, dict):
            redacted: dict = {}
            for key, item in value.items():
                new_key = self.redact_text(key) if isinstance(key, str) else key
                new_item = self.redact_value(item)
                # two raw keys cannot share a placeholder, but stay safe with counts
                if new_key in redacted and isinstance(redacted[new_key], int) and isinstance(new_item, int):
                    redacted[new_key] += new_item
                else:
                    redacted[new_key] = new_item
            return redacted
        if isinstance(value, (list, tuple)):
            return [self.redact_value(item) for item in value]
        return self.redact_number(value)


def contains_pii(value: Any) -> bool:
    """Tell whether a JSON-safe value holds personal data anywhere (keys included)."""
    if isinstance(value, str):
        return bool(find_pii(value)) or truncated_tail(value) is not None
    if isinstance(value, dict):
        return any(contains_pii(key) or contains_pii(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(contains_pii(item) for item in value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Redactor().redact_number(value) is not value
    return False


def contains_placeholder(values: Iterable[Any]) -> bool:
    """Tell whether any of ``values`` (strings) holds a redaction placeholder."""
    return any(isinstance(value, str) and PLACEHOLDER.search(value) for value in values)
