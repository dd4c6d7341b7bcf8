"""Write the code cell of the clean task from a :class:`CleanPlan`.

The code works on a copy (``<name>_clean = <name>.copy()``), names the
actual columns, tokens, separators and formats the card found, uses only
current pandas APIs (no ``inplace``, no chained assignment) and ends by
printing what changed. Every conversion records how many values it could
not parse, so nothing is lost silently.
"""

from __future__ import annotations

from ...kernel.detectors import DATETIME_NORMALIZATIONS, FALSE_WORDS, TRUE_WORDS
from .clean_plan import CleanPlan, ColumnPlan
from .code_text import MAJORITY_HELPERS, python_literal

HELPERS = '''def count_lost(before, after):
    """Values present before a conversion and missing after it (they did not parse)."""
    return int((before.notna() & after.isna()).sum())'''

REPORT = '''rows_after, columns_after = {target}.shape
print(f"{{shape_before[0]}} rows x {{shape_before[1]}} columns -> {{rows_after}} rows x {{columns_after}} columns")
for column, change, affected, lost in changes:
    note = f"; {{lost}} did not parse and are now missing" if lost else ""
    print(f"  {{column}}: {{change}} ({{affected}} values{{note}})")'''


def write_clean_code(plan: CleanPlan) -> str:
    """Return the source of the code cell that cleans the plan's frame.

    Parameters
    ----------
    plan : CleanPlan
        The plan built from the frame's data card.

    Returns
    -------
    str
        Python source: imports, a copy of the frame, one block per step and
        a printed summary of the changes.
    """
    resolutions = plan.key_resolutions()
    blocks = [imports(plan), HELPERS + ("\n\n\n" + MAJORITY_HELPERS if resolutions else ""), start_block(plan)]
    for column_plan in plan.columns:
        # columns about to be dropped still get their null tokens replaced: the
        # drop step re-checks emptiness on the real data
        steps = column_steps(column_plan)
        if steps:
            blocks.append("\n".join(steps))
    for _, key, dependents, weak in resolutions:
        # after the column fixes: "7:10 a.m." and "7:10 a.m. (Estimated)" are one value by now
        blocks.append(key_resolution_block(plan, key, dependents, weak))
    drops = drop_block(plan)
    if drops:
        blocks.append(drops)
    if plan.duplicates:
        # last: rows that differed only by a spelling, spaces or a null token
        # are the same record once the steps above fixed those
        blocks.append(duplicates_block(plan))
    blocks.append(REPORT.format(target=plan.target))
    if plan.is_series:
        blocks.append(f"{plan.target} = {plan.target}.iloc[:, 0] if {plan.target}.shape[1] == 1 else {plan.target}")
    return "\n\n".join(blocks) + "\n"


def imports(plan: CleanPlan) -> str:
    """``import`` lines for what the code uses."""
    lines = ["import pandas as pd"]
    if any(column_plan.null_tokens for column_plan in plan.columns):
        lines.insert(0, "import numpy as np")
    return "\n".join(lines)


def start_block(plan: CleanPlan) -> str:
    """Copy the user's frame; the original is never modified."""
    copy = f"{plan.source}.to_frame()" if plan.is_series else f"{plan.source}.copy()"
    return "\n".join(
        [
            f"# Work on a copy: {plan.name} itself stays as it is.",
            f"{plan.target} = {copy}",
            f"shape_before = {plan.target}.shape",
            "changes = []  # (column, what changed, values affected, values that did not parse)",
        ]
    )


def key_resolution_block(plan: CleanPlan, key: ColumnPlan, dependents: list, weak: list) -> str:
    """Set each dependent value to the most frequent value of its key's rows (ties left alone)."""
    key_label = python_literal(key.column["name"])
    names = [python_literal(column_plan.column["name"]) for column_plan in dependents]
    lines = [
        f"# Rows with the same {key.ref.label} describe one thing, yet disagree on {', '.join(names)}: a value",
        f"# that differs from the most frequent one among the rows of its {key.ref.label} (or is missing)",
        "# takes that value; a tie is left as it is. Review: this overwrites the values that differ.",
        f"for column in [{', '.join(names)}]:",
        f"    majority, differs = disagreeing_rows({plan.target}, {key_label}, column)",
        f"    {plan.target}.loc[differs, column] = majority[differs]",
        f"    changes.append((repr(column), {'set to the most frequent value of its ' + key.ref.label!r}, "
        "int(differs.sum()), 0))",
    ]
    if weak:
        weak_names = ", ".join(python_literal(column_plan.column["name"]) for column_plan in weak)
        lines += [
            f"# {weak_names} agree less among the rows of one {key.ref.label} (see the plan above) and are",
            "# left as they are; add them to the list above if they too belong to the key, not to the row.",
        ]
    return "\n".join(lines)


def duplicates_block(plan: CleanPlan) -> str:
    """Drop rows that repeat an earlier row exactly (first occurrence kept)."""
    target = plan.target
    return "\n".join(
        [
            f"# Exact duplicate rows (the card found {plan.duplicates['count']}; the fixes above may make more): "
            "keep the first of each.",
            f"rows_before = len({target})",
            f"{target} = {target}.drop_duplicates()",
            f'changes.append(("rows", "dropped exact duplicate rows", rows_before - len({target}), 0))',
        ]
    )


def column_steps(column_plan: ColumnPlan) -> list[str]:
    """The statements for one column: strip, null tokens, case variants, conversion."""
    steps = []
    if (
        column_plan.needs_strip or column_plan.null_tokens or column_plan.case_groups
        or column_plan.spelling_groups or column_plan.conversion
    ):
        steps.append(f"# {column_plan.ref.label}")
    if column_plan.needs_strip:
        steps.extend(strip_lines(column_plan))
    if column_plan.null_tokens:
        steps.extend(null_token_lines(column_plan))
    if column_plan.case_map:
        steps.extend(case_lines(column_plan))
    if column_plan.spelling_map:
        steps.extend(spelling_lines(column_plan))
    if column_plan.conversion:
        kind = column_plan.conversion["kind"]
        writer = {"numeric_string": numeric_lines, "datetime_string": datetime_lines, "boolean_string": boolean_lines}[kind]
        steps.extend(writer(column_plan))
    return steps if len(steps) > 1 else []


def label_literal(column_plan: ColumnPlan) -> str:
    """A string literal naming the column in the printed summary."""
    return repr(column_plan.ref.label)


def strip_lines(column_plan: ColumnPlan) -> list[str]:
    """Strip leading/trailing whitespace."""
    ref = column_plan.ref
    return [
        f"padded = {ref.read}.str.strip().ne({ref.read}) & {ref.read}.notna()",
        ref.write(f"{ref.read}.str.strip()"),
        f'changes.append(({label_literal(column_plan)}, "stripped surrounding spaces", int(padded.sum()), 0))',
    ]


def null_token_lines(column_plan: ColumnPlan) -> list[str]:
    """Turn the null tokens found into real missing values."""
    ref = column_plan.ref
    return [
        f"is_null_token = {ref.read}.str.strip().isin({column_plan.stripped_tokens!r})",
        ref.set_where("is_null_token", "np.nan"),
        f'changes.append(({label_literal(column_plan)}, "null tokens set to missing", int(is_null_token.sum()), 0))',
    ]


def case_lines(column_plan: ColumnPlan) -> list[str]:
    """Map case variants to the canonical spelling."""
    ref = column_plan.ref
    mapping = column_plan.case_map
    return [
        f"case_variants = {mapping!r}",
        f"is_variant = {ref.read}.isin(list(case_variants))",
        ref.write(f"{ref.read}.replace(case_variants)"),
        f'changes.append(({label_literal(column_plan)}, "case variants unified", int(is_variant.sum()), 0))',
    ]


def spelling_lines(column_plan: ColumnPlan) -> list[str]:
    """Map likely misspellings to the frequent spelling they stand for (reviewable)."""
    ref = column_plan.ref
    mapping = column_plan.spelling_map
    return [
        "# likely typos: rare spellings one or two letters away from a much more frequent one;",
        "# check this mapping before you run the cell",
        f"spelling_fixes = {mapping!r}",
        f"is_misspelled = {ref.read}.isin(list(spelling_fixes))",
        ref.write(f"{ref.read}.replace(spelling_fixes)"),
        f'changes.append(({label_literal(column_plan)}, "likely misspellings corrected", int(is_misspelled.sum()), 0))',
    ]


def numeric_lines(column_plan: ColumnPlan) -> list[str]:
    """Strip the exact decorations found and convert with ``pd.to_numeric``."""
    ref = column_plan.ref
    evidence = column_plan.conversion["evidence"]
    lines = [f"before = {ref.read}", "text = before.astype(str)"]
    for symbol in evidence.get("currency") or []:
        lines.append(f"text = text.str.replace({symbol!r}, '', regex=False)  # currency sign")
    if evidence.get("thousands"):
        lines.append(f"text = text.str.replace({evidence['thousands']!r}, '', regex=False)  # thousands separator")
    if evidence.get("decimal") == ",":
        lines.append("text = text.str.replace(',', '.', regex=False)  # decimal comma")
    if evidence.get("percent"):
        lines.append("text = text.str.replace('%', '', regex=False)")
    if evidence.get("unit"):
        spellings = sorted([evidence["unit"], *(evidence.get("unit_variants") or [])], key=len, reverse=True)
        alternatives = "|".join(escape_regex(spelling) for spelling in spellings)
        unit_pattern = r"\s*" + (f"(?:{alternatives})" if len(spellings) > 1 else alternatives) + r"$"
        lines.append(f"text = text.str.replace({regex_literal(unit_pattern)}, '', regex=True)  # unit")
    lines.append("numbers = pd.to_numeric(text.str.strip(), errors='coerce')")
    what = "text -> numbers"
    if evidence.get("percent"):
        lines.append("numbers = numbers / 100  # percent -> fraction: 45% becomes 0.45")
        what = "percent text -> fractions (divided by 100)"
    if evidence.get("unit"):
        what += f" in {evidence['unit']}"
    lines.append(ref.write("numbers"))
    lines.append(
        f"changes.append(({label_literal(column_plan)}, {what!r}, int(numbers.notna().sum()), count_lost(before, numbers)))"
    )
    return lines


def regex_literal(pattern: str) -> str:
    """A raw-string literal for a regex when one can be written (easier to read), else ``repr``."""
    raw_safe = "'" not in pattern and pattern.isprintable() and not pattern.endswith("\\")
    if raw_safe and "\\" in pattern:
        return f"r'{pattern}'"
    return repr(pattern)


def escape_regex(text: str) -> str:
    """``re.escape`` (kept here so the generated pattern is what the card found)."""
    import re

    return re.escape(text)


def datetime_lines(column_plan: ColumnPlan) -> list[str]:
    """Normalise the text, parse each format found, combine, keep times as times."""
    ref = column_plan.ref
    evidence = column_plan.conversion["evidence"]
    lines = [f"before = {ref.read}", "text = before.astype(str)"]
    for name in evidence.get("normalize") or []:
        rules, description = DATETIME_NORMALIZATIONS[name]
        lines.append(f"# {description}")
        for pattern, replacement in rules:
            lines.append(f"text = text.str.replace({regex_literal(pattern)}, {regex_literal(replacement)}, regex=True)")
    formats = list(evidence.get("formats") or {})
    lines.append(f"parsed = pd.to_datetime(text, format={formats[0]!r}, errors='coerce')")
    for fmt in formats[1:]:
        lines.append(f"parsed = parsed.fillna(pd.to_datetime(text, format={fmt!r}, errors='coerce'))")
    if evidence.get("value_kind") == "time":
        lines.append("converted = parsed.dt.time  # times of day without a date: datetime.time values")
        what = "text -> times of day (datetime.time)"
    else:
        lines.append("converted = parsed")
        what = f"text -> {evidence.get('value_kind', 'datetime')}s (datetime64)"
    lines.append(ref.write("converted"))
    lines.append(
        f"changes.append(({label_literal(column_plan)}, {what!r}, int(parsed.notna().sum()), count_lost(before, parsed)))"
    )
    return lines


def boolean_lines(column_plan: ColumnPlan) -> list[str]:
    """Map the boolean spellings found to True/False (nullable ``boolean`` dtype)."""
    ref = column_plan.ref
    evidence = column_plan.conversion["evidence"]
    mapping = {text: True for text in evidence.get("true", [])}
    mapping.update({text: False for text in evidence.get("false", [])})
    if not mapping:
        # a schema-only card withholds the spellings; the detector only flags
        # the words of its vocabulary, so map that vocabulary case-insensitively
        vocabulary = {word: True for word in sorted(TRUE_WORDS)}
        vocabulary.update({word: False for word in sorted(FALSE_WORDS)})
        return [
            f"before = {ref.read}",
            f"flags = before.str.strip().str.casefold().map({vocabulary!r}).astype('boolean')",
            ref.write("flags"),
            f"changes.append(({label_literal(column_plan)}, 'text -> booleans', int(flags.notna().sum()), count_lost(before, flags)))",
        ]
    return [
        f"before = {ref.read}",
        f"flags = before.str.strip().map({mapping!r}).astype('boolean')",
        ref.write("flags"),
        f"changes.append(({label_literal(column_plan)}, 'text -> booleans', int(flags.notna().sum()), count_lost(before, flags)))",
    ]


def drop_block(plan: CleanPlan) -> str:
    """Drop empty and constant columns, re-checked on the full data at run time."""
    empty = plan.with_step(lambda column_plan: bool(column_plan.drop) and column_plan.drop["kind"] == "all_null")
    constant = plan.with_step(lambda column_plan: bool(column_plan.drop) and column_plan.drop["kind"] == "constant")
    if not empty and not constant:
        return ""
    if plan.by_position:
        return positional_drop_block(plan, empty, constant)
    target = plan.target
    empty_names = ", ".join(column_plan.ref.label for column_plan in empty)
    constant_names = ", ".join(column_plan.ref.label for column_plan in constant)
    lines = ["# Columns with no values (after the null tokens) or one value in every row; checked again here"]
    lines.append("# because the card may have looked at a sample.")
    lines.append(f"empty_columns = [column for column in [{empty_names}] if {target}[column].isna().all()]")
    lines.append(
        f"constant_columns = [column for column in [{constant_names}] "
        f"if len({target}) > 1 and {target}[column].nunique(dropna=False) == 1]"
    )
    lines.append(f"{target} = {target}.drop(columns=empty_columns + constant_columns)")
    lines.append("for column in empty_columns:")
    lines.append(f'    changes.append((repr(column), "dropped: no values", len({target}), 0))')
    lines.append("for column in constant_columns:")
    lines.append(f'    changes.append((repr(column), "dropped: the same value in every row", len({target}), 0))')
    return "\n".join(lines)


def positional_drop_block(plan: CleanPlan, empty: list, constant: list) -> str:
    """The drop step by position, for frames whose column names repeat or are not literal."""
    target = plan.target
    empty_positions = [column_plan.ref.position for column_plan in empty]
    constant_positions = [column_plan.ref.position for column_plan in constant]
    return "\n".join(
        [
            "# Columns with no values or one value in every row, by position (column names repeat",
            "# or cannot be written literally); checked again here on the full data.",
            f"drop_positions = [position for position in {empty_positions!r} if {target}.iloc[:, position].isna().all()]",
            f"drop_positions += [position for position in {constant_positions!r} "
            f"if len({target}) > 1 and {target}.iloc[:, position].nunique(dropna=False) == 1]",
            "for position in drop_positions:",
            f'    changes.append((f"column {{position}}", "dropped: empty or constant", len({target}), 0))',
            f"{target} = {target}.iloc[:, [position for position in range({target}.shape[1]) if position not in drop_positions]]",
        ]
    )
