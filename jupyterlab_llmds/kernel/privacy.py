"""Privacy modes of the data card: what of the frame's values may leave the kernel.

:func:`apply_privacy` runs inside :func:`~jupyterlab_llmds.kernel.card.describe`,
on the finished card dict, before the card is returned to anyone: the
server, the sidebar and the prompt only ever see its result.

``full``
    Values as the card found them.
``redacted`` (the default)
    Personal data (see :mod:`.pii`) in every value (samples, top values,
    statistics, issue evidence including its keys, issue messages, error
    notes, unknown keys) replaced by placeholders such as ``<email_1>``; the
    same value gets the same placeholder throughout the card.
``schema``
    Names, dtypes and counts; no value of the frame at all. Columns keep
    ``name``, ``position``, ``dtype``, ``semantic``, ``nulls``,
    ``null_share``, ``distinct`` and ``name_exact``; ``samples``, ``top``
    and ``stats`` are emptied (numeric min/max/mean/quantiles are values
    too). Issue evidence keeps only the keys in
    :data:`STRUCTURAL_EVIDENCE_KEYS` (formats, separators, units, shares,
    counts, type names...), drops every other key (example values, null
    tokens, case spellings, sentinel and outlier values, constant values)
    and lists the dropped keys under ``evidence.withheld``; issue messages,
    which quote values, are replaced by sentences built from the kind, the
    count and the structural evidence. Error notes keep the exception type
    only. Top-level keys not in :data:`SCHEMA_TOP_LEVEL_KEYS` are dropped
    (fail closed: a key added to the card later leaks nothing in schema
    mode until it is listed here).

``exclude`` names columns treated as in ``schema`` mode whatever the mode:
their values never leave the kernel.

Top-level imports are stdlib only: this module is imported in users' kernels.
"""

from __future__ import annotations

from typing import Any, Iterable

from .pii import Redactor, contains_pii

#: The privacy modes, strictest first.
PRIVACY_MODES = ("schema", "redacted", "full")

#: Evidence keys that hold structural facts, not values of the frame; the
#: only evidence kept in ``schema`` mode and for excluded columns. Null
#: tokens (``"N/A"``), boolean spellings, case variants and examples are
#: values of the frame and are NOT listed.
STRUCTURAL_EVIDENCE_KEYS = frozenset(
    [
        # numeric_string
        "currency", "thousands", "decimal", "percent", "unit", "unit_variants", "parsed_share",
        # datetime_string
        "formats", "value_kind", "normalize",
        # duplicate_rows (row positions, not values)
        "exact", "example_positions", "sampled",
        # duplicate_keys, sentinel, outliers, mixed_types, near_constant, id_like,
        # high_cardinality, skewed, pii
        "rows", "reason", "method", "types", "share", "unique_share", "distinct",
        "skewness", "suggestion", "kinds",
        # key_conflicts (column names and counts; its "example" holds values)
        "key", "key_position", "dependents", "weak_dependents",
        # written by apply_privacy itself
        "withheld",
    ]
)

#: Column keys kept in ``schema`` mode and for excluded columns.
SCHEMA_COLUMN_KEYS = ("name", "position", "dtype", "semantic", "nulls", "null_share", "distinct", "name_exact")

#: Top-level card keys kept in ``schema`` mode (they hold names, shapes and counts).
SCHEMA_TOP_LEVEL_KEYS = frozenset(
    [
        "schema_version", "name", "kind", "shape", "index", "memory_bytes", "sample",
        "duplicate_rows", "columns", "issues", "likely_id_columns", "likely_target",
        "privacy", "timing",
    ]
)

#: Column keys that hold values of the frame (redacted in ``redacted`` mode).
VALUE_COLUMN_KEYS = ("samples", "top", "stats", "error")

#: Sentences for issue messages in ``schema`` mode: what the issue is, without values.
SCHEMA_MESSAGES = {
    "null_tokens": "{count} values are text that means missing",
    "whitespace": "{count} values have leading/trailing spaces",
    "case_variants": "{count} values are case variants of another spelling",
    "numeric_string": "{count} values are numbers stored as text",
    "datetime_string": "{count} values are dates or times stored as text",
    "boolean_string": "{count} values are booleans written as text",
    "duplicate_rows": "{count} rows are exact duplicates of an earlier row",
    "all_null": "the column is empty in effect",
    "constant": "every row holds the same value",
    "sentinel": "{count} values look like a code used for missing",
    "duplicate_keys": "{count} values of an ID-like column repeat",
    "outliers": "{count} values are far outside the rest",
    "mixed_types": "{count} values mix Python types",
    "near_constant": "nearly every row holds the same value",
    "id_like": "the column looks like an identifier",
    "high_cardinality": "the text column has very many distinct values",
    "skewed": "the numbers are strongly skewed",
    "pii": "{count} values hold personal data",
    "key_conflicts": "{count} values differ between rows that share a key",
}


def check_privacy_mode(mode: Any) -> str:
    """Return ``mode`` when it is a privacy mode, else raise.

    Parameters
    ----------
    mode : Any
        What the caller passed.

    Returns
    -------
    str
        The mode.

    Raises
    ------
    ValueError
        Naming the valid modes.
    """
    if mode not in PRIVACY_MODES:
        raise ValueError(f"Unknown privacy mode {mode!r}; the modes are: {', '.join(PRIVACY_MODES)}.")
    return mode


def apply_privacy(card: dict, mode: str, exclude: Iterable[Any] = (), locked: bool = False) -> dict:
    """Return a copy of ``card`` holding only what ``mode`` allows; ``card`` is not modified.

    Parameters
    ----------
    card : dict
        A data card dict as :func:`~jupyterlab_llmds.kernel.card.describe`
        builds it.
    mode : {"schema", "redacted", "full"}
        See the module docstring.
    exclude : iterable
        Column names whose values never leave the kernel (matched against
        the card's JSON-safe names; names absent from the frame are
        ignored, so one list can serve every frame).
    locked : bool
        Whether an administrator imposed ``mode``; recorded in the card.

    Returns
    -------
    dict
        The card with a ``privacy`` key ``{"mode", "excluded", "masked",
        "locked"}``: ``excluded`` lists the names of the columns excluded,
        ``masked`` the number of distinct values replaced, per kind.

    Raises
    ------
    ValueError
        For an unknown mode.
    """
    check_privacy_mode(mode)
    # Shallow copies of what this function changes, not a deepcopy (a tenth
    # of a wide frame's card time): nested values are replaced, never
    # changed in place, since the redactor builds new containers.
    result = dict(card)
    excluded_keys = {name_key(name) for name in exclude}
    excluded_positions = set()
    excluded_names = []
    for column in result.get("columns", []):
        if name_key(column.get("name")) in excluded_keys:
            excluded_positions.add(column.get("position"))
            if column.get("name") not in excluded_names:
                excluded_names.append(column.get("name"))
    redactor = Redactor()
    if mode == "schema":
        result = {key: value for key, value in result.items() if key in SCHEMA_TOP_LEVEL_KEYS}
    result["columns"] = [
        private_column(dict(column), mode, column.get("position") in excluded_positions, redactor)
        for column in result.get("columns", [])
    ]
    result["issues"] = [
        private_issue(dict(issue), mode, is_excluded_issue(issue, excluded_positions, excluded_keys), redactor)
        for issue in result.get("issues", [])
    ]
    if isinstance(result.get("duplicate_rows"), dict) and "error" in result["duplicate_rows"]:
        duplicates = result["duplicate_rows"]
        result["duplicate_rows"] = {**duplicates, "error": private_error(duplicates["error"], mode, redactor)}
    if mode == "redacted":
        for key in list(result):
            if key not in SCHEMA_TOP_LEVEL_KEYS:
                # keys added to the card later are redacted like values until listed
                result[key] = redactor.redact_value(result[key])
    result["privacy"] = {"mode": mode, "excluded": excluded_names, "masked": redactor.masked, "locked": bool(locked)}
    return result


def name_key(name: Any) -> str:
    """A comparable form of a column name (lists and tuples alike, ``1`` apart from ``"1"``)."""
    if isinstance(name, (list, tuple)):
        return "tuple:" + "|".join(name_key(part) for part in name)
    return f"{type(name).__name__}:{name}"


def is_excluded_issue(issue: dict, excluded_positions: set, excluded_keys: set) -> bool:
    """Whether an issue belongs to an excluded column (by position, else by name).

    An issue about several columns (``positions``) is excluded when any of
    them is: its evidence may quote values of each.
    """
    if excluded_positions.intersection(issue.get("positions") or ()):
        return True
    if issue.get("column") is None and "position" not in issue:
        return False
    if "position" in issue:
        return issue["position"] in excluded_positions
    return name_key(issue.get("column")) in excluded_keys


def private_column(column: dict, mode: str, excluded: bool, redactor: Redactor) -> dict:
    """One column entry under ``mode`` (an excluded column as in ``schema`` mode)."""
    if mode == "schema" or excluded:
        kept = {key: column[key] for key in SCHEMA_COLUMN_KEYS if key in column}
        kept.update({"stats": {}, "top": [], "samples": []})
        if "error" in column:
            kept["error"] = private_error(column["error"], "schema", redactor)
        if excluded:
            kept["excluded"] = True
        return kept
    if mode == "redacted":
        for key in list(column):
            if key not in SCHEMA_COLUMN_KEYS:
                column[key] = redactor.redact_value(column[key])
    return column


def private_issue(issue: dict, mode: str, excluded: bool, redactor: Redactor) -> dict:
    """One issue under ``mode`` (an excluded column's issue as in ``schema`` mode)."""
    if mode == "schema" or excluded:
        evidence = issue.get("evidence") or {}
        kept = {}
        withheld = []
        for key, value in evidence.items():
            # a structural key can still carry a value in odd data (a "unit"
            # that is really an address): drop it then
            if key in STRUCTURAL_EVIDENCE_KEYS and not contains_pii(value):
                kept[key] = value
            else:
                withheld.append(key)
        if withheld:
            kept["withheld"] = sorted(withheld)
        result = {key: value for key, value in issue.items() if key not in ("evidence", "message")}
        result["evidence"] = kept
        result["message"] = schema_message(issue, kept)
        return result
    if mode == "redacted":
        for key in list(issue):
            if key not in ("column", "position", "kind", "count"):
                issue[key] = redactor.redact_value(issue[key])
    return issue


def schema_message(issue: dict, evidence: dict) -> str:
    """The issue's message rebuilt from its kind, count and structural evidence only."""
    kind = issue.get("kind")
    template = SCHEMA_MESSAGES.get(kind, "{kind}: {count} values")
    message = template.format(kind=kind, count=issue.get("count"))
    formats = evidence.get("formats")
    if kind == "datetime_string" and isinstance(formats, dict) and formats:
        message += f" ({', '.join(str(fmt) for fmt in formats)})"
    kinds = evidence.get("kinds")
    if kind == "pii" and isinstance(kinds, dict) and kinds:
        message += " (" + ", ".join(f"{name} {count}" for name, count in kinds.items()) + ")"
    if evidence.get("withheld"):
        message += "; values withheld by the privacy setting"
    return message


def private_error(error: Any, mode: str, redactor: Redactor) -> Any:
    """An error note: the exception type only in ``schema`` mode (messages may quote values)."""
    if not isinstance(error, str):
        return error
    if mode == "schema":
        return error.split(":", 1)[0]
    if mode == "redacted":
        return redactor.redact_text(error)
    return error
