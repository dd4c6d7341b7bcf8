"""Write the validation checks as a pandera ``DataFrameSchema`` (the ``pandera`` schema library).

The same :class:`~.validate_plan.ValidationPlan` as the plain pandas cell of
:mod:`.validate_code`, rendered as one ``pa.Column`` per card column:

* ``dtype`` where it is known exactly: ``"boolean"`` for converted yes/no
  text (the clean code makes that dtype), ``pa.DateTime`` for converted dates
  (any resolution), the card's own dtype for columns that already had the
  right one; numbers converted from text may end up ``int64`` or ``float64``,
  so they get a dtype-kind check instead;
* ``nullable=False`` where the card counted no missing value and nothing the
  cleaning does can make one (no null tokens, no conversion);
* ``unique=True`` for ID-like columns, ``required=False`` for the columns the
  cleaning drops;
* every other check as a ``pa.Check`` named like the row of the pandas table
  (pandera's ``notin`` / ``in_range`` where they mean exactly the same).

The schema validates with ``lazy=True`` so every failure is reported at
once; the cell prints each failed check with its column and failing rows
before re-raising pandera's ``SchemaErrors``.

Columns are named in a pandera schema, so a frame whose columns must be
reached by position (repeated or non-literal names) cannot be checked this
way: :func:`pandera_unsupported` says why, and the engine falls back to the
pandas cell.
"""

from __future__ import annotations

import re

from .clean_plan import ColumnPlan
from .code_text import MAJORITY_HELPERS, python_literal
from .validate_code import strip_markdown
from .validate_plan import Check, ValidationPlan, may_hold_nulls

#: Card dtypes pandera reads as exactly that dtype (others get a dtype-kind check).
EXACT_DTYPE = re.compile(
    r"^(u?int(8|16|32|64)|float(16|32|64)|U?Int(8|16|32|64)|Float(32|64)|bool|boolean"
    r"|datetime64\[(s|ms|us|ns)(, [^\]]+)?\])$"
)

#: Dtype tests of the checks that are about the column's dtype.
DTYPE_TESTS = {
    "numeric": "lambda dtype: pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)",
    "datetime": "pd.api.types.is_datetime64_any_dtype",
    "boolean": "pd.api.types.is_bool_dtype",
}

HELPERS = '''def dtype_is(test):
    """A check function failing every value while the column's dtype does not pass `test`."""
    return lambda values: pd.Series(bool(test(values.dtype)), index=values.index)'''

REPORT = '''try:
    {schema}.validate({frame}, lazy=True)
except pa.errors.SchemaErrors as errors:
    # one line per failed check: which check, on which column, how many rows
    cases = errors.failure_cases
    missing = cases["check"].eq("column_in_dataframe")
    frame_level = cases["schema_context"].eq("DataFrameSchema") & ~missing
    where = cases["column"].astype(object).mask(frame_level, "rows").mask(missing, cases["failure_case"])
    # a frame-level check lists each failing row once per column: count each row once
    counted = cases.assign(where=where)[~(frame_level & cases.duplicated(["check", "index"]))]
    failed = counted.groupby(["where", "check"], sort=False)["index"].agg(lambda index: int(index.notna().sum()))
    print(f"{{len(failed)}} checks failed on {target}:")
    for (column, check), rows in failed.items():
        if check == "column_in_dataframe":
            outcome = "not in the frame"
        else:
            outcome = f"{{rows}} failing row{{'s' if rows != 1 else ''}}" if rows else "the column as a whole"
        print(f"  {{check}} [{{column}}]: {{outcome}}")
    raise
print("{target} passes every check of {schema}")'''


def pandera_unsupported(plan: ValidationPlan) -> str | None:
    """Why the plan cannot be written as a pandera schema (``None`` when it can)."""
    if plan.clean.by_position:
        return (
            f"a pandera schema names its columns, and some column names of `{plan.name}` repeat or cannot be "
            "written as Python literals"
        )
    return None


def schema_variable(plan: ValidationPlan) -> str:
    """``<target>_schema`` when that is a valid name, else ``frame_schema``."""
    candidate = f"{plan.target_name}_schema"
    return candidate if candidate.isidentifier() else "frame_schema"


def write_pandera_code(plan: ValidationPlan) -> str:
    """Return the source of the code cell that validates the plan's target with a pandera schema.

    Parameters
    ----------
    plan : ValidationPlan
        The checks built from the frame's data card; its columns must be
        reachable by name (see :func:`pandera_unsupported`).

    Returns
    -------
    str
        Python source: imports, a small helper, the ``DataFrameSchema`` and
        the lazy validation with its printed summary.
    """
    schema = schema_variable(plan)
    imports = ["import pandas as pd", "import pandera.pandas as pa"]
    if any(check.kind == "time" for check in plan.checks):
        imports.insert(0, "import datetime")
    by_column: dict[int, list[Check]] = {}
    frame_checks = []
    for check in plan.checks:
        if check.column is None:
            if check.kind != "columns":  # presence is what every required pa.Column checks
                frame_checks.append(check)
        else:
            by_column.setdefault(check.column.ref.position, []).append(check)
    lines = [f"{schema} = pa.DataFrameSchema(", "    {"]
    for column_plan in plan.clean.columns:
        lines += ["        " + line for line in column_lines(plan, column_plan, by_column.get(column_plan.ref.position, []))]
    lines.append("    },")
    if frame_checks:
        lines.append("    checks=[")
        lines += ["        " + frame_check(check) + "," for check in frame_checks]
        lines.append("    ],")
    lines += ["    strict=False,  # other columns may come and go", f"    name={plan.target_name!r},", ")"]
    frame = plan.target
    if plan.clean.is_series:
        frame = f"{plan.target}.to_frame() if isinstance({plan.target}, pd.Series) else {plan.target}"
    header = (
        f"# The checks of the data card of {plan.name} as a pandera schema; "
        + ("the columns the cleaning drops are optional." if plan.cleaned and plan.drop_positions else "each names what it checks.")
    )
    blocks = [
        "\n".join(imports),
        HELPERS + ("\n\n\n" + MAJORITY_HELPERS if any(check.kind == "key_agreement" for check in frame_checks) else ""),
        header + "\n" + "\n".join(lines),
        REPORT.format(schema=schema, frame=frame, target=plan.target_name),
    ]
    return "\n\n".join(blocks) + "\n"


def dtype_argument(check: Check) -> str | None:
    """The ``pa.Column`` dtype a dtype check becomes, or ``None`` when it stays a ``pa.Check``."""
    column_plan = check.column
    if column_plan.conversion:
        if check.kind == "boolean":
            return repr("boolean")  # what the clean code's .astype("boolean") makes
        if check.kind == "datetime":
            return "pa.DateTime"  # any resolution: pd.to_datetime picks it from the text
        return None  # numbers: int64 or float64 depending on the values
    dtype = str(column_plan.column.get("dtype", ""))
    return repr(dtype) if EXACT_DTYPE.match(dtype) else None


def column_lines(plan: ValidationPlan, column_plan: ColumnPlan, checks: list[Check]) -> list[str]:
    """``'name': pa.Column(...),`` for one column."""
    arguments = []
    pandera_checks = []
    unique = False
    for check in checks:
        if check.kind in DTYPE_TESTS:
            dtype = dtype_argument(check)
            if dtype is not None:
                arguments.insert(0, dtype)
                continue
        if check.kind == "unique_key":
            unique = True
            continue
        pandera_checks.append(check)
    arguments.append(f"nullable={may_hold_nulls(column_plan)}")
    if unique:
        arguments.append("unique=True")
    if plan.cleaned and column_plan.drop:
        arguments.append("required=False")  # the cleaning drops it when still empty/constant
    name = python_literal(column_plan.column["name"])
    if not pandera_checks:
        return [f"{name}: pa.Column({', '.join(arguments)}),"]
    lines = [f"{name}: pa.Column(", *(f"    {argument}," for argument in arguments), "    checks=["]
    lines += [f"        {column_check(check)}," for check in pandera_checks]
    lines += ["    ],", "),"]
    return lines


def named(check: Check, builtin: bool = False) -> str:
    """The arguments naming a check as the pandas table does, with why it is there as its description.

    pandera reports a check by its ``error`` when it has one, else by its
    ``name``; its own checks (``notin``, ``in_range``) set ``error`` to their
    call, so they get the title as ``error`` to be reported by it.
    """
    return f"{'error' if builtin else 'name'}={check.title!r}, description={strip_markdown(check.why)!r}"


def column_check(check: Check) -> str:
    """One ``pa.Check`` of a column."""
    kind, detail = check.kind, check.detail
    if kind in DTYPE_TESTS:
        return f"pa.Check(dtype_is({DTYPE_TESTS[kind]}), {named(check)})"
    if kind == "time":
        return f"pa.Check(lambda value: isinstance(value, datetime.time), element_wise=True, {named(check)})"
    if kind == "null_tokens":
        return f"pa.Check(lambda values: ~values.astype(str).str.strip().isin({detail['tokens']!r}), {named(check)})"
    if kind == "whitespace":
        return f"pa.Check(lambda values: values.astype(str).eq(values.astype(str).str.strip()), {named(check)})"
    if kind in ("case_variants", "spelling_variants"):
        if detail["strip"]:
            return f"pa.Check(lambda values: ~values.astype(str).str.strip().isin({detail['variants']!r}), {named(check)})"
        return f"pa.Check.notin({detail['variants']!r}, {named(check, builtin=True)})"
    if kind == "sentinel":
        if detail["as"] == "number":
            return f"pa.Check.notin({detail['values']!r}, {named(check, builtin=True)})"
        if detail["as"] == "datetime":
            return f"pa.Check(lambda values: ~values.isin(pd.to_datetime({detail['values']!r})), {named(check)})"
        return f"pa.Check(lambda values: ~values.astype(str).str.strip().isin({detail['values']!r}), {named(check)})"
    if kind == "outliers":
        return f"pa.Check.in_range({detail['low']!r}, {detail['high']!r}, {named(check, builtin=True)})"
    if kind == "all_null":
        tokens = detail.get("tokens") or []
        empty = f"(values.isna() | values.astype(str).str.strip().isin({tokens!r})).all()" if tokens else "values.isna().all()"
        # every row fails while the column is empty; missing values are the point here
        return f"pa.Check(lambda values: pd.Series(not {empty}, index=values.index), ignore_na=False, {named(check)})"
    if kind == "constant":
        constant = "len(values) > 1 and values.nunique(dropna=False) == 1"
        return f"pa.Check(lambda values: pd.Series(not ({constant}), index=values.index), ignore_na=False, {named(check)})"
    raise ValueError(f"unknown check kind {kind!r}")


def frame_check(check: Check) -> str:
    """One frame-level ``pa.Check`` (duplicate rows, rows of one key that disagree)."""
    if check.kind == "duplicate_rows":
        return f"pa.Check(lambda frame: ~frame.duplicated(), ignore_na=False, {named(check)})"
    if check.kind == "key_agreement":
        key, column = (python_literal(check.detail[part].column["name"]) for part in ("key", "column"))
        return f"pa.Check(lambda frame: ~disagreeing_rows(frame, {key}, {column})[1], ignore_na=False, {named(check)})"
    raise ValueError(f"unknown frame check kind {check.kind!r}")
