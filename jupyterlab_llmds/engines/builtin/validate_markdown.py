"""Write the markdown cell of the validate task: what is checked, on which column, and why."""

from __future__ import annotations

from .code_text import markdown_name
from .validate_plan import ValidationPlan


def write_validate_markdown(plan: ValidationPlan, instructions: str | None = None) -> str:
    """Return the markdown cell explaining the checks of the plan.

    Parameters
    ----------
    plan : ValidationPlan
        The checks built from the frame's data card.
    instructions : str, optional
        The user's free-text instructions (acknowledged, not followed).

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
    lines += [
        "",
        f"The cell never changes `{target}`. It runs all {len(plan.checks)} checks, prints a table with PASS/FAIL, "
        "how many rows fail and a few example values (and the cleaning step that fixes a failure), then raises "
        "`AssertionError` naming every failed check, so the cell shows red when the data breaks a check.",
    ]
    return "\n".join(lines)
