"""Readable Markdown for a preview on a copy and for the static safety check.

The preview (:func:`jupyterlab_llmds.kernel.preview.preview`) and the safety
check (:func:`jupyterlab_llmds.engines.safety.check_code`) return data; this
module turns it into what a person reads before running generated code on
real data. Standard library only.
"""

from __future__ import annotations

from typing import Any, Iterable

#: Most rows of a table shown in a report; the rest are counted.
MAX_TABLE_ROWS = 12


def code_span(value: Any) -> str:
    """``value`` as inline Markdown code, safe for backticks inside."""
    text = str(value)
    fence = "``" if "`" in text else "`"
    return f"{fence}{text}{fence}"


def value_text(value: Any) -> str:
    """A cell value as the user would type it: numpy scalars shown as plain numbers."""
    item = getattr(value, "item", None)
    if callable(item):
        try:
            value = item()
        except (TypeError, ValueError):
            pass
    return code_span(repr(value))


def seconds_text(seconds: float) -> str:
    """A duration as a person writes it: ``30 s``, ``1 s``, ``0.25 s``."""
    return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.2g} s"


def shape_text(shape: Iterable[int]) -> str:
    """``[8, 9]`` as ``8 × 9``."""
    rows, columns = list(shape)
    return f"{rows:,} × {columns:,}"


def sample_sentence(sample: dict, frame_name: str) -> str:
    """Whether the copy held every row or a sample of them."""
    if sample.get("method") == "all":
        return f"on a copy of all {sample.get('of', 0):,} rows of {code_span(frame_name)}"
    return (
        f"on a copy of a sample of {sample.get('rows', 0):,} of {sample.get('of', 0):,} rows of "
        f"{code_span(frame_name)} (the first rows plus random ones)"
    )


def column_table(diff: dict) -> list[str]:
    """A table of the columns whose dtype or missing-value count changed."""
    dtypes = diff.get("dtypes_changed") or {}
    nulls = diff.get("nulls_changed") or {}
    columns = list(dict.fromkeys([*dtypes, *nulls]))
    if not columns:
        return []
    lines = ["| column | dtype before → after | missing before → after |", "| --- | --- | --- |"]
    for column in columns[:MAX_TABLE_ROWS]:
        dtype = " → ".join(dtypes[column]) if column in dtypes else "unchanged"
        missing = " → ".join(f"{count:,}" for count in nulls[column]) if column in nulls else "unchanged"
        lines.append(f"| {code_span(column)} | {dtype} | {missing} |")
    if len(columns) > MAX_TABLE_ROWS:
        lines.append(f"| … {len(columns) - MAX_TABLE_ROWS} more | | |")
    return lines


def change_sentences(diff: dict) -> list[str]:
    """Rows and columns dropped or added, and values merged into one spelling."""
    sentences = []
    rows = diff.get("rows") or {}
    if rows.get("dropped"):
        sentences.append(f"- {rows['dropped']:,} row(s) dropped.")
    if rows.get("added"):
        sentences.append(f"- {rows['added']:,} row(s) added.")
    columns = diff.get("columns") or {}
    if columns.get("removed"):
        sentences.append("- Columns removed: " + ", ".join(code_span(name) for name in columns["removed"]) + ".")
    if columns.get("added"):
        sentences.append("- Columns added: " + ", ".join(code_span(name) for name in columns["added"]) + ".")
    for column, merged in (diff.get("values_merged") or {}).items():
        before, after = merged.get("distinct", [None, None])
        examples = ", ".join(f"{code_span(repr(old))} → {code_span(repr(new))}" for old, new in merged.get("examples", [])[:4])
        sentences.append(f"- {code_span(column)}: {before} distinct values became {after} ({examples}).")
    return sentences


def changed_rows_table(diff: dict, limit: int = 3) -> list[str]:
    """A few changed rows, before and after, side by side."""
    rows = diff.get("changed_rows") or []
    if not rows:
        return []
    lines = ["| row | column | before | after |", "| --- | --- | --- | --- |"]
    for row in rows[:limit]:
        for column in row.get("columns", []):
            before = row.get("before", {}).get(column)
            after = row.get("after", {}).get(column)
            lines.append(f"| {row.get('index')} | {code_span(column)} | {value_text(before)} | {value_text(after)} |")
    return lines


def preview_markdown(result: dict, frame_name: str, heading: str | None = None) -> str:
    """Markdown report of a preview on a copy.

    Parameters
    ----------
    result : dict
        What :func:`jupyterlab_llmds.kernel.preview.preview` returned.
    frame_name : str
        The user's frame the code was written for.
    heading : str, optional
        The first line instead of ``#### Preview on a copy of `df```
        (e.g. :func:`attempt_heading`).

    Returns
    -------
    str
        A heading, the outcome in one sentence (success, the error with its
        line, or the time limit), warnings, and for a success the before →
        after difference.
    """
    lines = [heading or f"#### Preview on a copy of {code_span(frame_name)}", ""]
    where = sample_sentence(result.get("sample") or {"method": "all"}, frame_name)
    status = result.get("status")
    if status == "ok":
        outcome = (result.get("result") or {}).get("name") or frame_name
        diff = result.get("diff") or {}
        shape = diff.get("shape") or {}
        shapes = ""
        if shape.get("before") and shape.get("after"):
            shapes = f": {shape_text(shape['before'])} → {shape_text(shape['after'])}"
        lines.append(
            f"**Ran without error** {where} in {result.get('seconds', 0):.2f} s; the result is "
            f"{code_span(outcome)}{shapes}. {code_span(frame_name)} itself was not changed."
        )
        table = column_table(diff)
        if table:
            lines += ["", *table]
        changes = change_sentences(diff)
        if changes:
            lines += ["", *changes]
        rows = changed_rows_table(diff)
        if rows:
            lines += ["", "Changed rows (a few):", "", *rows]
    elif status == "timeout":
        limit = f" ({seconds_text(result['seconds'])})" if result.get("seconds") else ""
        lines.append(
            f"**Stopped**: the code did not finish within the time limit{limit} {where}. Nothing was changed; "
            "the copy was abandoned."
        )
    else:
        error = result.get("exception") or {}
        at = f" (line {error['line']})" if error.get("line") else ""
        lines.append(
            f"**Failed** {where}: {code_span(error.get('type', 'Error'))}{at}: "
            f"{error.get('message', result.get('message', ''))}. Nothing was changed; fix the code before running it."
        )
    warnings = result.get("warnings") or []
    if warnings:
        lines += ["", "Warnings (the code may break with a future pandas):", ""]
        for warning in warnings[:5]:
            at = f" (line {warning['line']})" if warning.get("line") else ""
            lines.append(f"- {code_span(warning.get('category', 'Warning'))}{at}: {warning.get('message', '')}")
    return "\n".join(lines)


def safety_markdown(findings: list, frame_name: str, heading: str | None = None) -> str:
    """Markdown saying why generated code was not previewed.

    Parameters
    ----------
    findings : list of jupyterlab_llmds.engines.safety.Finding
        What the static check flagged (non-empty).
    frame_name : str
        The frame the code was written for.
    heading : str, optional
        The first line instead of the default one.

    Returns
    -------
    str
    """
    lines = [
        heading or f"#### Not previewed: the code for {code_span(frame_name)} does more than a cleaning cell should",
        "",
        "Read these lines before you run it; nothing was run:",
        "",
    ]
    for finding in findings[:MAX_TABLE_ROWS]:
        lines.append(f"- line {finding.line}: {code_span(finding.snippet)}: {finding.reason}")
    return "\n".join(lines)


#: How an attempt went, as its heading says it (statuses of :mod:`jupyterlab_llmds.repair`).
ATTEMPT_STATUS_TEXT = {
    "ok": "ran without error",
    "warned": "ran, with warnings that need a fix",
    "failed": "failed",
    "timeout": "did not finish in time",
    "flagged": "not run: the safety check flagged it",
}


def attempt_heading(attempt: int, attempts_allowed: int, status: str, frame_name: str) -> str | None:
    """The heading of one attempt of a preview with repair, or ``None`` when only one attempt is possible.

    Parameters
    ----------
    attempt : int
        1 for the code as written, 2 and up for the model's repairs.
    attempts_allowed : int
        1 plus the repairs allowed.
    status : str
        ``ok``, ``warned``, ``failed``, ``timeout`` or ``flagged``.
    frame_name : str
        The frame the code was written for.

    Returns
    -------
    str or None
        E.g. ``#### Attempt 2 of 3 (the model's repair) on a copy of `df`: ran without error``.
    """
    if attempts_allowed <= 1 and attempt <= 1:
        return None
    origin = " (the model's repair)" if attempt > 1 else ""
    return (
        f"#### Attempt {attempt} of {attempts_allowed}{origin} on a copy of {code_span(frame_name)}: "
        f"{ATTEMPT_STATUS_TEXT.get(status, status)}"
    )
