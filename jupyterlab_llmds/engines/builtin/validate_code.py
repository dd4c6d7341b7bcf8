"""Write the code cell of the validate task from a :class:`ValidationPlan`.

The cell defines a function that runs every check on the target frame
(never modifying it) and collects ``(check, column, failing rows, examples)``
per check, prints a PASS/FAIL table, and at the end raises
``AssertionError`` naming the failed checks, so a bad frame turns the cell
red without stopping at the first failure.
"""

from __future__ import annotations

from .clean_plan import ColumnPlan
from .code_text import MAJORITY_HELPERS, python_literal
from .validate_plan import Check, ValidationPlan

RECORD = '''    def record(check, column, failing, values, fix=""):
        """Add one check: `failing` marks the rows that break it, `values` what to show of them."""
        failing = failing.to_numpy(dtype=bool, na_value=False)
        examples = []
        for value in values[failing].head(50):
            text = repr(value)[:40]
            if text not in examples:
                examples.append(text)
        results.append((check, column, int(failing.sum()), examples[:3]))
        if fix and failing.any():
            fixes[(check, column)] = fix'''

REPORT = '''def report_checks(results, fixes, target):
    """Print a PASS/FAIL table; raise AssertionError naming every failed check."""
    check_width = max([len("check")] + [len(check) for check, _, _, _ in results])
    column_width = max([len("column")] + [len(column) for _, column, _, _ in results])
    print(f"{'check':<{check_width}}  {'column':<{column_width}}  result  failing  examples")
    for check, column, failing, examples in results:
        status = "FAIL" if failing else "PASS"
        print(f"{check:<{check_width}}  {column:<{column_width}}  {status:<6}  {failing:>7}  {', '.join(examples)}")
        if (check, column) in fixes:
            print(f"{'':<{check_width}}  {'':<{column_width}}  fix: {fixes[(check, column)]}")
    failed = [f"{check} [{column}]: {failing} failing" for check, column, failing, _ in results if failing]
    print(f"{len(results) - len(failed)} of {len(results)} checks pass on {target}")
    if failed:
        raise AssertionError(f"{len(failed)} of {len(results)} checks failed on {target}:\\n" + "\\n".join(failed))'''


def write_validate_code(plan: ValidationPlan) -> str:
    """Return the source of the code cell that validates the plan's target frame.

    Parameters
    ----------
    plan : ValidationPlan
        The checks built from the frame's data card.

    Returns
    -------
    str
        Python source: imports, the checks function, the report function
        and the two calls.
    """
    writer = CheckWriter(plan)
    body = [
        "def validation_checks(frame):",
        f'    """Check `frame` against what the data card of {plan.name} found; returns (results, fixes).',
        "",
        "    results holds one (check, column, failing rows, example values) per check; the frame is only read.",
        '    """',
        "    if isinstance(frame, pd.Series):",
        "        frame = frame.to_frame()",
        "    results, fixes = [], {}",
        "",
        RECORD,
    ]
    if writer.mapped:
        body += ["", *writer.position_map_lines()]
    for check in plan.checks:
        body += ["", *("    " + line if line else "" for line in writer.lines(check))]
    body += ["", "    return results, fixes"]
    imports = ["import pandas as pd"]
    if any(check.kind == "time" for check in plan.checks):
        imports.insert(0, "import datetime")
    blocks = ["\n".join(imports)]
    if any(check.kind == "key_agreement" for check in plan.checks):
        blocks.append(MAJORITY_HELPERS)
    blocks += [
        "\n".join(body),
        REPORT,
        "\n".join([
            f"validation_results, validation_fixes = validation_checks({plan.target})",
            f"report_checks(validation_results, validation_fixes, {plan.target_name!r})",
        ]),
    ]
    return "\n\n\n".join(blocks) + "\n"


class CheckWriter:
    """Writes the statements of each check, reaching columns by label or position."""

    def __init__(self, plan: ValidationPlan):
        self.plan = plan
        # the cleaned copy may have lost its empty/constant columns: positions shift
        self.mapped = plan.cleaned and plan.clean.by_position and bool(plan.drop_positions)
        self.last = None  # position of the column `values` holds

    def position_map_lines(self) -> list[str]:
        """``at[p]``: where the card's column p is now (None once dropped)."""
        total = len(self.plan.clean.columns)
        dropped = set(self.plan.drop_positions)
        after, shifted = 0, []
        for position in range(total):
            if position in dropped:
                shifted.append(None)
            else:
                shifted.append(after)
                after += 1
        return [
            "    # columns are reached by position; the cleaning dropped the empty/constant ones",
            f"    at = {shifted!r} if frame.shape[1] == {after} else list(range({total}))",
        ]

    def position(self, column_plan: ColumnPlan) -> str:
        return f"at[{column_plan.ref.position}]" if self.mapped else str(column_plan.ref.position)

    def read(self, column_plan: ColumnPlan) -> str:
        """Expression for the column in the checked frame."""
        if column_plan.ref.by_position:
            return f"frame.iloc[:, {self.position(column_plan)}]"
        return f"frame[{python_literal(column_plan.column['name'])}]"

    def lines(self, check: Check) -> list[str]:
        """Statements for one check (without the function's indentation)."""
        column_plan = check.column
        title = repr(check.title)
        fix = repr(check.fix)
        if column_plan is None:
            self.last = None
            return self.frame_lines(check, title, fix)
        label = repr(column_plan.ref.label)
        header = [f"# {column_plan.ref.label}: {strip_markdown(check.why)}"]
        if check.kind in ("all_null", "constant"):
            self.last = None
            return header + self.drop_lines(check, column_plan, title, label, fix)
        # `values` still holds the column when the previous check read it
        read = [] if self.last == column_plan.ref.position else [f"values = {self.read(column_plan)}"]
        self.last = column_plan.ref.position
        body = read + [self.failing(check)]
        return header + body + [f"record({title}, {label}, failing, values, {fix})"]

    def frame_lines(self, check: Check, title: str, fix: str) -> list[str]:
        if check.kind == "duplicate_rows":
            return [
                f"# {strip_markdown(check.why)}",
                f"record({title}, 'rows', frame.duplicated(), frame.index.to_series(), {fix})",
            ]
        if check.kind == "key_agreement":
            key, column = (python_literal(check.detail[part].column["name"]) for part in ("key", "column"))
            return [
                f"# {strip_markdown(check.why)}",
                f"_, differs = disagreeing_rows(frame, {key}, {column})",
                f"record({title}, {check.detail['column'].ref.label!r}, differs, frame[{column}], {fix})",
            ]
        # the card's columns are all present
        columns = check.detail["columns"]
        if self.plan.clean.by_position:
            expected = len(columns)
            return [
                f"# {expected} columns expected (some names repeat or are not literal: counted, not named)",
                f"missing = pd.Series([f'column {{position}}' for position in range(frame.shape[1], {expected})], dtype=object)",
                f"record({title}, 'columns', missing.notna(), missing)",
            ]
        labels = ", ".join(python_literal(plan.column["name"]) for plan in columns)
        return [
            "# the columns the card described" + (" (less those the cleaning drops)" if self.plan.cleaned else ""),
            f"missing = pd.Series([label for label in [{labels}] if label not in frame.columns], dtype=object)",
            f"record({title}, 'columns', missing.notna(), missing)",
        ]

    def drop_lines(self, check: Check, column_plan: ColumnPlan, title: str, label: str, fix: str) -> list[str]:
        """Empty/constant columns fail while present and empty/constant; passing once dropped."""
        if check.kind == "all_null":
            tokens = check.detail.get("tokens") or []
            if tokens:
                condition = f"(values.isna() | values.astype(str).str.strip().isin({tokens!r})).all()"
            else:
                condition = "values.isna().all()"
        else:
            condition = "len(values) > 1 and values.nunique(dropna=False) == 1"
        check_lines = [
            f"values = {self.read(column_plan)}",
            f"useless = {condition}",
            # every row fails while the column is droppable
            f"record({title}, {label}, pd.Series(bool(useless), index=values.index), values, {fix})",
        ]
        if column_plan.ref.by_position:
            if not self.mapped:
                return check_lines
            guard = f"if at[{column_plan.ref.position}] is not None:"
        else:
            guard = f"if {python_literal(column_plan.column['name'])} in frame.columns:"
        return [
            guard,
            *("    " + line for line in check_lines),
            "else:  # dropped",
            f"    results.append(({title}, {label}, 0, []))",
        ]

    def failing(self, check: Check) -> str:
        """``failing = ...``: boolean Series of the rows that break the check."""
        kind = check.kind
        detail = check.detail
        if kind == "numeric":
            return ("failing = values.notna() & (not pd.api.types.is_numeric_dtype(values) "
                    "or pd.api.types.is_bool_dtype(values))")
        if kind == "datetime":
            return "failing = values.notna() & (not pd.api.types.is_datetime64_any_dtype(values))"
        if kind == "boolean":
            return "failing = values.notna() & (not pd.api.types.is_bool_dtype(values))"
        if kind == "time":
            return "failing = values.notna() & ~values.map(lambda value: isinstance(value, datetime.time)).astype(bool)"
        if kind == "null_tokens":
            return f"failing = values.notna() & values.astype(str).str.strip().isin({detail['tokens']!r})"
        if kind == "whitespace":
            return "failing = values.notna() & values.astype(str).ne(values.astype(str).str.strip())"
        if kind in ("case_variants", "spelling_variants"):
            text = "values.astype(str).str.strip()" if detail["strip"] else "values.astype(str)"
            return f"failing = values.notna() & {text}.isin({detail['variants']!r})"
        if kind == "unique_key":
            return "failing = values.notna() & values.duplicated(keep=False)"
        if kind == "sentinel":
            if detail["as"] == "number":
                return f"failing = values.isin({detail['values']!r})"
            if detail["as"] == "datetime":
                return f"failing = values.isin(pd.to_datetime({detail['values']!r}))"
            return f"failing = values.notna() & values.astype(str).str.strip().isin({detail['values']!r})"
        if kind == "outliers":
            return f"failing = values.notna() & ~values.between({detail['low']!r}, {detail['high']!r})"
        raise ValueError(f"unknown check kind {kind!r}")


def strip_markdown(text: str) -> str:
    """A markdown reason as a one-line code comment."""
    return " ".join(text.replace("`", "").split())
