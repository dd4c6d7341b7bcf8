"""Write the markdown cell of the validate task: what is checked, on which column, and why."""

from __future__ import annotations

from .code_text import markdown_name
from .validate_plan import ValidationPlan, may_hold_nulls


def write_validate_markdown(plan: ValidationPlan, instructions: str | None = None, *, library: str = "pandas",
                            note: str | None = None) -> str:
    """Return the markdown cell explaining the checks of the plan.

    Parameters
    ----------
    plan : ValidationPlan
        The checks built from the frame's data card.
    instructions : str, optional
        The user's free-text instructions (acknowledged, not followed).
    library : {"pandas", "pandera"}
        What the code cell is written in: plain pandas (a PASS/FAIL table,
        then ``AssertionError``) or a pandera ``DataFrameSchema``.
    note : str, optional
        A sentence shown in italics under the lead (e.g. why the checks are
        plain pandas although pandera was asked for).

    Returns
    -------
    str
        Markdown: a heading, what the cell does, one bullet per frame-level
        check and per column with checks, and what "red" means.
    """
    card = plan.clean.card
    rows, columns = card.get("shape", [0, 0])
    target = plan.target_name
    if plan.cleaned:
        lead = (f"These checks hold `{target}` (the output of the cleaning code) to what the cleaning promises, "
                f"using what the data card of `{plan.name}` ({rows:,} rows × {columns:,} columns) found.")
    else:
        lead = (f"These checks come from the data card of `{plan.name}` ({rows:,} rows × {columns:,} columns) "
                f"and run on `{target}` as it is.")
    lines = [f"### Validating `{target}`", "", lead]
    if plan.clean.sampled:
        sample = card["sample"]
        lines.append(f"The card looked at a sample of {sample['rows']:,} of {sample['of']:,} rows; the checks read every row.")
    if note:
        lines += ["", f"*{note}*"]
    if instructions:
        lines += ["", f"*The built-in engine cannot follow free-form instructions (\u201c{instructions.strip()}\u201d); "
                      "these checks come from the data card only.*"]
    lines.append("")
    for check in plan.checks:
        if check.column is None:
            lines.append(f"- **{check.title}**: {check.why}.")
    by_column: dict[int, list] = {}
    for check in plan.checks:
        if check.column is not None:
            by_column.setdefault(check.column.ref.position, []).append(check)
    for checks in by_column.values():
        column_plan = checks[0].column
        parts = []
        for check in checks:
            fix = f" (fixed by {check.fix})" if check.fix and not check.fix.startswith("not done") else (
                f" ({check.fix})" if check.fix else "")
            parts.append(f"*{check.title}*: {check.why}{fix}")
        lines.append(f"- {markdown_name(column_plan.column['name'])}: " + "; ".join(parts) + ".")
    if library == "pandera":
        lines += ["", pandera_closing(plan)]
        return "\n".join(lines)
    lines += [
        "",
        f"The cell never changes `{target}`. It runs all {len(plan.checks)} checks, prints a table with PASS/FAIL, "
        "how many rows fail and a few example values (and the cleaning step that fixes a failure), then raises "
        "`AssertionError` naming every failed check, so the cell shows red when the data breaks a check.",
    ]
    return "\n".join(lines)


def pandera_closing(plan: ValidationPlan) -> str:
    """What the pandera cell does and how it reports, for the end of the markdown."""
    target = plan.target_name
    strict = [markdown_name(column_plan.column["name"]) for column_plan in plan.clean.columns
              if not may_hold_nulls(column_plan)]
    nulls = (f" The columns where the card counted no missing value ({', '.join(strict[:8])}"
             + (f" and {len(strict) - 8} more" if len(strict) > 8 else "") + ") are declared `nullable=False`."
             if strict else "")
    return (
        f"The cell never changes `{target}`. It writes the {len(plan.checks)} checks as a pandera `DataFrameSchema` "
        "(one `pa.Column` per column with its dtype, `nullable` and `unique`, and the other checks as named "
        f"`pa.Check`s) and validates `{target}` with `lazy=True`, so every failure is collected: it prints each "
        "failed check with its column and the number of failing rows, then raises pandera's `SchemaErrors`, so "
        f"the cell shows red when the data breaks a check.{nulls}"
    )
