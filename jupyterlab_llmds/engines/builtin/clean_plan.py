"""Turn a data card into a cleaning plan: what to do to which column, and why.

The plan is plain data read from the card's issues; the code and markdown
writers both render it, so what the markdown says is what the code does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...kernel.pii import contains_placeholder
from .code_text import ColumnRef, clean_variable, column_refs, frame_expression

CONVERSION_KINDS = ("numeric_string", "datetime_string", "boolean_string")


@dataclass
class ColumnPlan:
    """Everything the clean task does to one column.

    Attributes
    ----------
    ref : ColumnRef
        How code reaches the column.
    column : dict
        The card's column entry.
    whitespace : dict or None
        The ``whitespace`` issue, when values need stripping.
    null_tokens : dict
        Raw token spelling -> count, to turn into missing values.
    case_groups : list of dict
        ``case_variants`` groups (canonical spelling and its variants).
    spelling_groups : list of dict
        ``spelling_variants`` groups (a frequent spelling and the rare,
        likely mistyped spellings that map to it).
    conversion : dict or None
        The ``numeric_string``/``datetime_string``/``boolean_string`` issue.
    drop : dict or None
        The ``all_null`` or ``constant`` issue when the column is dropped.
    """

    ref: ColumnRef
    column: dict
    whitespace: dict | None = None
    null_tokens: dict = field(default_factory=dict)
    case_groups: list = field(default_factory=list)
    spelling_groups: list = field(default_factory=list)
    conversion: dict | None = None
    drop: dict | None = None

    @property
    def stripped_tokens(self) -> list[str]:
        """Distinct token spellings after strip (code compares stripped values)."""
        return sorted({token.strip() for token in self.null_tokens})

    @property
    def needs_strip(self) -> bool:
        """Strip when values are padded, so tokens and variants match their stripped form."""
        return self.whitespace is not None

    @property
    def case_map(self) -> dict[str, str]:
        """Variant spelling (stripped) -> canonical spelling."""
        mapping = {}
        for group in self.case_groups:
            for variant in group["variants"]:
                if variant.strip() != group["canonical"]:
                    mapping[variant.strip()] = group["canonical"]
        return mapping

    @property
    def spelling_map(self) -> dict[str, str]:
        """Likely misspelling (stripped) -> the frequent spelling it stands for."""
        mapping = {}
        for group in self.spelling_groups:
            for variant in group["variants"]:
                if variant.strip() != group["canonical"]:
                    mapping[variant.strip()] = group["canonical"]
        return mapping

    @property
    def has_work(self) -> bool:
        """Whether the plan changes this column at all."""
        return bool(
            self.whitespace or self.null_tokens or self.case_groups or self.spelling_groups
            or self.conversion or self.drop
        )


@dataclass
class CleanPlan:
    """The cleaning plan of one frame.

    Attributes
    ----------
    card : dict
        The data card the plan comes from.
    source : str
        Expression reading the user's frame.
    target : str
        Variable the cleaned copy is bound to.
    columns : list of ColumnPlan
        One plan per column, in column order (columns without work included).
    duplicates : dict or None
        The ``duplicate_rows`` issue, when rows are dropped.
    conflicts : list of dict
        The ``key_conflicts`` issues: rows sharing a key that disagree (one
        issue per key).
    """

    card: dict
    source: str
    target: str
    columns: list[ColumnPlan]
    duplicates: dict | None = None
    conflicts: list = field(default_factory=list)

    @property
    def name(self) -> str:
        """Name of the user's frame."""
        return self.card["name"]

    @property
    def is_series(self) -> bool:
        """Whether the user's object is a Series (cleaned as a one-column frame)."""
        return self.card.get("kind") == "Series"

    @property
    def sampled(self) -> bool:
        """Whether the card's counts come from a sample of the rows."""
        return (self.card.get("sample") or {}).get("method", "all") != "all"

    @property
    def by_position(self) -> bool:
        """Whether some column must be reached by position (then drops are positional too)."""
        return any(plan.ref.by_position for plan in self.columns)

    def working(self) -> list[ColumnPlan]:
        """Column plans that change something."""
        return [plan for plan in self.columns if plan.has_work]

    def with_step(self, predicate) -> list[ColumnPlan]:
        """Column plans for which ``predicate(plan)`` holds, in column order."""
        return [plan for plan in self.columns if predicate(plan)]

    def key_resolutions(self) -> list[tuple[dict, ColumnPlan, list[ColumnPlan], list[ColumnPlan]]]:
        """Per ``key_conflicts`` issue: the issue, the key, the columns set to their key's majority, the weaker ones.

        An issue is left out when its key or every dependent must be reached
        by position or is dropped (the step names columns by label).
        """
        by_position = {plan.ref.position: plan for plan in self.columns}

        def usable(entries) -> list[ColumnPlan]:
            plans = [by_position.get(entry.get("position")) for entry in entries or []]
            return [plan for plan in plans if plan is not None and not plan.ref.by_position and not plan.drop]

        resolutions = []
        for issue in self.conflicts:
            evidence = issue.get("evidence") or {}
            key = by_position.get(evidence.get("key_position"))
            if key is None or key.ref.by_position or key.drop:
                continue
            dependents = usable(evidence.get("dependents"))
            if dependents:
                resolutions.append((issue, key, dependents, usable(evidence.get("weak_dependents"))))
        return resolutions


def plan_clean(card: dict) -> CleanPlan:
    """Build the :class:`CleanPlan` of a card dict.

    Parameters
    ----------
    card : dict
        A data card (``DataCard.to_dict()``).

    Returns
    -------
    CleanPlan
        The plan; columns without issues are kept but have no work.
    """
    name = str(card.get("name", "df"))
    target = clean_variable(name)
    refs = column_refs(card, target)
    by_position: dict[int, ColumnPlan] = {}
    by_name: dict[str, list[ColumnPlan]] = {}
    plans = []
    for column in card.get("columns", []):
        plan = ColumnPlan(ref=refs[column["position"]], column=column)
        plans.append(plan)
        by_position[column["position"]] = plan
        by_name.setdefault(repr(column["name"]), []).append(plan)
    duplicates = None
    conflicts = []
    for issue in card.get("issues", []):
        if issue["kind"] == "duplicate_rows":
            duplicates = issue
            continue
        if issue["kind"] == "key_conflicts":
            conflicts.append(issue)
            continue
        # the position tells same-named columns apart; the name is the fallback
        if issue.get("position") in by_position:
            targets = [by_position[issue["position"]]]
        else:
            targets = by_name.get(repr(issue["column"]), [])
        for plan in targets:
            attach_issue(plan, issue)
    return CleanPlan(card=card, source=frame_expression(name), target=target, columns=plans, duplicates=duplicates,
                     conflicts=conflicts)


def attach_issue(plan: ColumnPlan, issue: dict) -> None:
    """Record one column issue on the column's plan."""
    kind = issue["kind"]
    evidence = issue.get("evidence") or {}
    if kind == "whitespace":
        plan.whitespace = issue
    elif kind == "null_tokens":
        # a redacted card may show a placeholder where the value was: code must
        # never compare cells with "<email_1>", which is not in the data
        tokens = evidence.get("tokens", {})
        plan.null_tokens.update({token: count for token, count in tokens.items() if not contains_placeholder([token])})
    elif kind in ("case_variants", "spelling_variants"):
        groups = plan.case_groups if kind == "case_variants" else plan.spelling_groups
        groups.extend(
            group for group in evidence.get("groups", [])
            if not contains_placeholder([group.get("canonical"), *group.get("variants", {})])
        )
    elif kind in CONVERSION_KINDS:
        plan.conversion = issue
    elif kind in ("all_null", "constant"):
        plan.drop = issue
