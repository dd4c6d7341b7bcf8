"""Turn a data card into a list of validation checks: what to check, on which column, and why.

The checks come from the card's facts and issues and are plain data; the
code writer (:mod:`.validate_code`) and the markdown writer
(:mod:`.validate_markdown`) both render the same list. The clean plan
(:mod:`.clean_plan`) is reused, so the checks look for exactly the tokens,
spellings and conversions the clean task handles.

Two targets: the frame as it is (``validate`` task: every check) and the
cleaned copy ``<name>_clean`` (:func:`plan_validation` with
``promised_only=True``: only what the clean task promises to fix, so it
passes after the clean cell ran).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean_plan import CleanPlan, ColumnPlan, plan_clean
from .code_text import clean_variable, frame_expression, markdown_name

NUMERIC_DTYPE = re.compile(r"^(u?int|float|Int|UInt|Float|double|halffloat|decimal)\d*(\[pyarrow\])?$")


@dataclass
class Check:
    """One check of the validation cell.

    Attributes
    ----------
    kind : str
        What is checked: ``columns``, ``numeric``, ``datetime``, ``time``,
        ``boolean``, ``null_tokens``, ``whitespace``, ``case_variants``,
        ``spelling_variants``, ``duplicate_rows``, ``key_agreement``,
        ``unique_key``, ``sentinel``, ``outliers``, ``all_null``,
        ``constant``.
    title : str
        The check as printed in the table (short, names the values).
    column : ColumnPlan or None
        The column checked; ``None`` for frame-level checks.
    detail : dict
        Kind-specific values the code needs (tokens, variants, fences...).
    why : str
        Markdown: why the check is there (from the card's evidence).
    fix : str
        Which cleaning step fixes a failure ("" when cleaning does not).
    promised : bool
        Whether the clean task's code makes this check pass.
    """

    kind: str
    title: str
    column: ColumnPlan | None
    detail: dict = field(default_factory=dict)
    why: str = ""
    fix: str = ""
    promised: bool = False


@dataclass
class ValidationPlan:
    """The checks for one frame.

    Attributes
    ----------
    clean : CleanPlan
        The clean plan of the same card (columns, refs, issues).
    target : str
        Expression reading the frame the checks run on.
    target_name : str
        That frame's name, for messages.
    cleaned : bool
        Whether the target is the cleaned copy (dropped columns may be gone).
    checks : list of Check
    """

    clean: CleanPlan
    target: str
    target_name: str
    cleaned: bool
    checks: list[Check]

    @property
    def name(self) -> str:
        """Name of the user's frame (whose card this is)."""
        return self.clean.name

    @property
    def drop_positions(self) -> list[int]:
        """Positions of the columns the clean task drops when they are still empty/constant."""
        return [plan.ref.position for plan in self.clean.columns if plan.drop]


def short_list(values, limit: int = 4) -> str:
    """``'a', 'b' and 3 more`` for check titles."""
    values = list(values)
    shown = ", ".join(repr(value) for value in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


def number_text(value) -> str:
    """A fence or sentinel number as people write it: 26.875, -999."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def may_hold_nulls(column_plan: ColumnPlan) -> bool:
    """Whether the column may hold missing values after the cleaning.

    The card's null counts are exact (sampled or not); only null tokens and
    conversions (values that do not parse) make new missing values.
    """
    nulls = column_plan.column.get("nulls")
    return not (nulls == 0 and not column_plan.null_tokens and not column_plan.conversion)


def column_dtype_kind(column: dict) -> str | None:
    """``numeric``/``datetime``/``boolean`` when the card's dtype already is one (else ``None``)."""
    dtype = str(column.get("dtype", ""))
    semantic = column.get("semantic")
    if semantic == "numeric" and NUMERIC_DTYPE.match(dtype):
        return "numeric"
    if semantic == "boolean" and dtype in ("bool", "boolean", "bool[pyarrow]"):
        return "boolean"
    if semantic == "datetime" and (dtype.startswith("datetime64") or dtype.startswith("timestamp[")):
        return "datetime"
    return None


def plan_validation(card: dict, target: str | None = None, *, cleaned: bool = False,
                    promised_only: bool = False) -> ValidationPlan:
    """Build the :class:`ValidationPlan` of a card dict.

    Parameters
    ----------
    card : dict
        A data card (``DataCard.to_dict()``) of the frame as the user has it.
    target : str, optional
        Name of the frame the checks run on; default the card's frame, or
        ``<name>_clean`` when ``cleaned``.
    cleaned : bool
        Whether ``target`` is the output of the clean task's code (columns
        the card found empty or constant may have been dropped).
    promised_only : bool
        Keep only the checks the clean task's code makes pass.

    Returns
    -------
    ValidationPlan
    """
    clean = plan_clean(card)
    name = clean.name
    if target is None:
        target = clean_variable(name) if cleaned else name
    checks = [columns_check(clean, cleaned)]
    if clean.duplicates and clean.duplicates.get("count"):
        checks.append(duplicates_check(clean))
    checks.extend(key_agreement_checks(clean))
    id_columns = {repr(column) for column in card.get("likely_id_columns") or []}
    key_issues = {issue.get("position"): issue for issue in card.get("issues", []) if issue["kind"] == "duplicate_keys"}
    extra = {}
    for issue in card.get("issues", []):
        if issue["kind"] in ("sentinel", "outliers") and issue.get("position") is not None:
            extra.setdefault(issue["position"], []).append(issue)
    for column_plan in clean.columns:
        if column_plan.drop:
            # an empty or constant column: the one thing to say is that it can go
            checks.append(drop_check(column_plan))
            continue
        checks.extend(column_checks(column_plan))
        position = column_plan.ref.position
        if position in key_issues or repr(column_plan.column["name"]) in id_columns:
            checks.append(key_check(column_plan, key_issues.get(position)))
        for issue in extra.get(position, []):
            check = sentinel_check(column_plan, issue) if issue["kind"] == "sentinel" else outlier_check(column_plan, issue)
            if check:
                checks.append(check)
    if promised_only:
        checks = [check for check in checks if check.promised]
    return ValidationPlan(clean=clean, target=frame_expression(target), target_name=target, cleaned=cleaned,
                          checks=checks)


def columns_check(clean: CleanPlan, cleaned: bool) -> Check:
    """The card's columns are all there (those the cleaning drops excepted)."""
    kept = [plan for plan in clean.columns if not (cleaned and plan.drop)]
    return Check(
        "columns", f"the card's {len(kept)} columns are present", None,
        {"columns": kept},
        why="the checks below read these columns",
        fix="", promised=True,
    )


def key_agreement_checks(clean: CleanPlan) -> list[Check]:
    """Rows of one key hold its majority value of each column the cleaning resolves."""
    checks = []
    for issue, key, dependents, _ in clean.key_resolutions():
        checks.extend(key_checks(issue, key, dependents))
    return checks


def key_checks(issue: dict, key: ColumnPlan, dependents: list[ColumnPlan]) -> list[Check]:
    """One ``key_agreement`` check per column the cleaning sets to its key's majority."""
    entries = {entry.get("position"): entry for entry in (issue.get("evidence") or {}).get("dependents", [])}
    checks = []
    for column_plan in dependents:
        entry = entries.get(column_plan.ref.position, {})
        checks.append(Check(
            "key_agreement", f"rows of one {key.ref.label} agree on {column_plan.ref.label}", None,
            {"key": key, "column": column_plan},
            why=(f"rows sharing a {markdown_name(key.column['name'])} describe one thing; the card found "
                 f"{entry.get('rows', 0)} values of {markdown_name(column_plan.column['name'])} differing from their "
                 f"key's most frequent value and {entry.get('fills', 0)} missing beside it"),
            fix=f"the clean step 'set to the most frequent value of its key' (key {key.ref.label})", promised=True,
        ))
    return checks


def duplicates_check(clean: CleanPlan) -> Check:
    """No row repeats an earlier row exactly."""
    count = clean.duplicates["count"]
    return Check(
        "duplicate_rows", "no exact duplicate rows", None,
        why=f"the card found {count} row{'s' if count != 1 else ''} repeating an earlier row exactly",
        fix="the clean step 'drop exact duplicate rows' (drop_duplicates)", promised=True,
    )


def column_checks(column_plan: ColumnPlan) -> list[Check]:
    """Dtype, null token, whitespace and variant checks of one column."""
    checks = []
    column = column_plan.column
    if column_plan.conversion:
        checks.append(conversion_check(column_plan))
    else:
        kind = column_dtype_kind(column)
        if kind:
            checks.append(Check(
                kind, f"{kind} dtype", column_plan,
                why=f"the card saw a {kind} column (`{column.get('dtype')}`): it should stay one",
                promised=True,
            ))
    if column_plan.null_tokens:
        tokens = column_plan.stripped_tokens
        checks.append(Check(
            "null_tokens", f"no null tokens ({short_list(tokens)})", column_plan, {"tokens": tokens},
            why="the card found values that mean missing: "
                + ", ".join(f"`{token!r}` ×{count}" for token, count in column_plan.null_tokens.items()),
            fix="the clean step 'null tokens set to missing'", promised=True,
        ))
    if column_plan.whitespace:
        examples = column_plan.whitespace["evidence"].get("examples", [])[:3]
        checks.append(Check(
            "whitespace", "no leading/trailing whitespace", column_plan,
            why=f"the card found {column_plan.whitespace['count']} padded values"
                + (" (e.g. " + ", ".join(f"`{value!r}`" for value in examples) + ")" if examples else ""),
            fix="the clean step 'stripped surrounding spaces' (.str.strip())", promised=True,
        ))
    for kind, mapping, what in (
        ("case_variants", column_plan.case_map, "case variants"),
        ("spelling_variants", column_plan.spelling_map, "spelling variants"),
    ):
        if not mapping:
            continue
        checks.append(Check(
            kind, f"no {what} ({short_list(mapping, 2)})", column_plan,
            {"variants": sorted(mapping), "strip": column_plan.needs_strip},
            why=f"the card found {what}: "
                + ", ".join(f"`{variant!r}` → `{canonical!r}`" for variant, canonical in list(mapping.items())[:4])
                + (f" and {len(mapping) - 4} more" if len(mapping) > 4 else ""),
            fix=f"the clean step '{what} unified'" if kind == "case_variants" else "the clean step 'likely misspellings corrected'",
            promised=True,
        ))
    return checks


def conversion_check(column_plan: ColumnPlan) -> Check:
    """Values that are numbers/dates/booleans written as text must have that dtype."""
    issue = column_plan.conversion
    evidence = issue.get("evidence") or {}
    count = issue.get("count")
    if issue["kind"] == "numeric_string":
        return Check("numeric", "numeric dtype", column_plan,
                     why=f"the card found {count} numbers stored as text",
                     fix="the clean step 'text -> numbers' (pd.to_numeric)", promised=True)
    if issue["kind"] == "boolean_string":
        return Check("boolean", "boolean dtype", column_plan,
                     why=f"the card found {count} booleans written as text",
                     fix="the clean step 'text -> booleans' (map to True/False, boolean dtype)", promised=True)
    formats = ", ".join(f"`{fmt}`" for fmt in evidence.get("formats") or {})
    if evidence.get("value_kind") == "time":
        return Check("time", "times of day (datetime.time values)", column_plan,
                     why=f"the card found {count} times of day written as text" + (f" ({formats})" if formats else ""),
                     fix="the clean step 'text -> times of day' (pd.to_datetime(...).dt.time)", promised=True)
    return Check("datetime", "datetime dtype", column_plan,
                 why=f"the card found {count} dates written as text" + (f" ({formats})" if formats else ""),
                 fix="the clean step 'text -> datetimes' (pd.to_datetime with the formats found)", promised=True)


def drop_check(column_plan: ColumnPlan) -> Check:
    """An empty or constant column: flagged as droppable; passes once dropped."""
    issue = column_plan.drop
    if issue["kind"] == "all_null":
        tokens = (issue.get("evidence") or {}).get("null_tokens") or []
        note = f" (only the null token{'s' if len(tokens) != 1 else ''} {short_list(tokens)})" if tokens else ""
        return Check("all_null", "has values (all-null: droppable)", column_plan, {"tokens": column_plan.stripped_tokens},
                     why=f"the card found no values{note}: the column can be dropped",
                     fix="the clean step 'dropped: no values'", promised=True)
    value = (issue.get("evidence") or {}).get("value")
    shown = f" {value!r}" if "value" in (issue.get("evidence") or {}) else ""
    return Check("constant", f"more than one value (constant{shown}: droppable)", column_plan,
                 why=f"the card found the same value{shown} in every row: the column tells nothing and can be dropped",
                 fix="the clean step 'dropped: the same value in every row'", promised=True)


def key_check(column_plan: ColumnPlan, issue: dict | None) -> Check:
    """No duplicate keys in an ID-like column (not promised: cleaning does not dedupe keys)."""
    if issue:
        duplicated = (issue.get("evidence") or {}).get("duplicated") or {}
        why = f"an ID-like column where the card found repeated keys ({short_list(duplicated)})"
    else:
        why = "an ID-like column (the card found every key unique): it should stay unique"
    return Check("unique_key", "no duplicate keys", column_plan, why=why,
                 fix="not done by the clean task: decide which row of each key to keep")


def sentinel_check(column_plan: ColumnPlan, issue: dict) -> Check | None:
    """No placeholder values such as -999 (not promised: cleaning keeps them)."""
    evidence = issue.get("evidence") or {}
    values = list(evidence.get("values") or {})
    if not values:
        return None  # withheld by the privacy mode
    semantic = column_plan.column.get("semantic")
    dtype = str(column_plan.column.get("dtype", ""))
    if semantic == "numeric":
        try:
            numbers = [float(value) for value in values]
        except ValueError:
            return None
        detail = {"as": "number", "values": numbers}
    elif semantic == "datetime":
        if "," in dtype or "tz" in dtype.lower():
            return None  # time-zone aware: the card's keys are naive dates
        detail = {"as": "datetime", "values": values}
    else:
        detail = {"as": "text", "values": values}
    return Check("sentinel", f"no sentinel values ({short_list(values)})", column_plan, detail,
                 why=f"the card found {issue.get('count')} placeholder values: {evidence.get('reason', 'codes for missing')}",
                 fix="not done by the clean task: replace them with missing values")


def outlier_check(column_plan: ColumnPlan, issue: dict) -> Check | None:
    """Values within the robust (Tukey, k=3) fences (not promised: cleaning keeps outliers)."""
    evidence = issue.get("evidence") or {}
    low, high = evidence.get("low"), evidence.get("high")
    if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (low, high)):
        return None  # fences withheld by the privacy mode
    if column_plan.column.get("semantic") != "numeric":
        return None
    shown = short_list(evidence.get("values") or [], 3)
    return Check("outliers", f"no values beyond the outlier fences [{number_text(low)}, {number_text(high)}]",
                 column_plan, {"low": low, "high": high},
                 why=f"the card found {issue.get('count')} extreme values" + (f" ({shown})" if shown else "")
                     + " beyond the interquartile fences (k=3)",
                 fix="not done by the clean task: check whether they are errors or real")
