"""Preview generated code on a copy: what WOULD it change in the user's frame?

``preview(code, frame, name)`` runs ``code`` against a deep copy of ``frame``
(of a bounded head + random sample for big frames) bound to ``name`` in a
fresh namespace, never the user's, then reports what happened: the status,
exceptions, warnings, printed output, which frame is the result, and the
difference before -> after (shape, rows, columns, dtypes, nulls, merged
values, changed rows side by side). Everything returned is JSON-safe.

Time limit: a daemon thread, not ``signal.setitimer``
------------------------------------------------------
The code runs in a daemon thread and the caller stops waiting after
``timeout`` seconds. ``signal.setitimer`` + ``SIGALRM`` was considered and
rejected for the kernel: it only works on the main thread (ipykernel 7 runs
subshells on other threads), it does not exist on Windows, it would replace
the user's own ``SIGALRM`` handler and the process-wide real-time timer, and
a late alarm could fire inside ipykernel's own code after the preview.

Python cannot kill a thread. On timeout the copy is abandoned; as a best
effort the worker is asked to stop with ``PyThreadState_SetAsyncExc``
(raises :class:`PreviewTimeout` in it at its next bytecode), which ends pure
Python loops such as ``while True: pass``. Code stuck inside one long C call,
or code that swallows ``BaseException``, keeps running until it ends on its
own. It only ever touches the copy, so that is acceptable for a preview.

Top-level imports are stdlib only (see ``kernel/__init__.py``); pandas and
numpy are imported inside the functions.
"""

from __future__ import annotations

import builtins
import ctypes
import math
import sys
import threading
import time
import traceback
import warnings
from typing import Any, Mapping

#: File name the code is compiled under; traceback frames with it are the code's.
CODE_FILENAME = "<preview>"
#: Longest text value in the report (as in the data card).
VALUE_CHARS = 80
#: Longest captured stdout.
STDOUT_CHARS = 4_000
#: Most warnings kept (repeats of the same category/message/line are counted).
MAX_WARNINGS = 20
#: Examples of merged values per column, changed rows, and labels listed.
MAX_MERGE_EXAMPLES = 5
MAX_CHANGED_ROWS = 5
MAX_LABELS = 20
#: Columns shown per side of a changed row.
MAX_ROW_COLUMNS = 20


class PreviewTimeout(BaseException):
    """Raised asynchronously in an abandoned worker thread to ask it to stop."""


# --------------------------------------------------------------------------- values


def safe_value(value: Any) -> Any:
    """One cell as JSON-safe data: null for missing, numbers, booleans, text cut to 80 characters."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**63 else short_text(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str):
        return short_text(value)
    try:
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
    except Exception:
        pass
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        try:
            return safe_value(item())
        except Exception:
            pass
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):
        try:
            return short_text(isoformat())
        except Exception:
            pass
    try:
        if value != value:  # NaN-like
            return None
    except Exception:
        pass
    return short_text(repr(value) if isinstance(value, bytes) else str(value))


def short_text(text: str, limit: int = VALUE_CHARS) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def label_value(label: Any) -> Any:
    """A row or column label as JSON-safe data (tuples become lists)."""
    if isinstance(label, tuple):
        return [safe_value(part) for part in label]
    return safe_value(label)


# --------------------------------------------------------------------------- running


class ThreadStdout:
    """``sys.stdout`` stand-in that keeps what one thread writes and passes the rest on."""

    def __init__(self, original: Any, thread_id: int | None = None):
        self.original = original
        self.thread_id = thread_id
        self.parts: list[str] = []
        self.chars = 0

    def write(self, text: Any) -> int:
        if threading.get_ident() != self.thread_id:
            return self.original.write(text)
        text = str(text)
        if self.chars < STDOUT_CHARS:
            self.parts.append(text[: STDOUT_CHARS - self.chars])
        self.chars += len(text)
        return len(text)

    def flush(self) -> None:
        if threading.get_ident() != self.thread_id:
            self.original.flush()

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.original, attribute)

    def text(self) -> dict:
        return {"text": "".join(self.parts), "chars": self.chars, "truncated": self.chars > STDOUT_CHARS}


def warning_kind(category: type) -> str:
    """``deprecation``, ``chained_assignment`` or ``other``."""
    try:
        import pandas as pd

        for class_name in ("SettingWithCopyWarning", "ChainedAssignmentError"):
            # SettingWithCopyWarning is gone in pandas 3 (copy-on-write)
            chained = getattr(pd.errors, class_name, None)
            if isinstance(chained, type) and issubclass(category, chained):
                return "chained_assignment"
    except Exception:
        pass
    if issubclass(category, (DeprecationWarning, PendingDeprecationWarning, FutureWarning)):
        return "deprecation"
    return "other"


def code_frames(tb: Any, code_lines: list[str]) -> list[dict]:
    """The traceback frames that are inside the previewed code, innermost last."""
    frames = []
    for entry in traceback.extract_tb(tb):
        if entry.filename != CODE_FILENAME:
            continue
        lineno = entry.lineno or 0
        text = code_lines[lineno - 1].strip() if 0 < lineno <= len(code_lines) else ""
        frames.append({"line": lineno, "function": entry.name, "code": short_text(text, 200)})
    return frames


def describe_exception(error: BaseException, code_lines: list[str]) -> dict:
    """Type, message and the code's own traceback frames of ``error``."""
    frames = code_frames(error.__traceback__, code_lines)
    if isinstance(error, SyntaxError) and error.filename == CODE_FILENAME:
        lineno = error.lineno or 0
        text = code_lines[lineno - 1].strip() if 0 < lineno <= len(code_lines) else ""
        frames = [{"line": lineno, "function": "<module>", "code": short_text(text, 200)}]
    message = short_text(str(error), 500)
    lines = [f'  line {frame["line"]}, in {frame["function"]}: {frame["code"]}' for frame in frames]
    text = "\n".join(["Traceback (in the previewed code):", *lines, f"{type(error).__name__}: {message}"])
    return {
        "type": type(error).__name__,
        "message": message,
        "line": frames[-1]["line"] if frames else None,
        "traceback": frames,
        "text": text,
    }


def start_worker(compiled: Any, namespace: dict, outcome: dict, on_start: Any) -> threading.Thread:
    """Start the daemon thread that executes ``compiled`` in ``namespace``.

    ``on_start(thread_id)`` runs in the worker before the code, so the warning
    and stdout capture know the thread before its first line runs.
    """

    def run() -> None:
        try:
            on_start(threading.get_ident())
            exec(compiled, namespace)
        except PreviewTimeout:
            outcome["stopped"] = True
        except BaseException as error:  # SystemExit from exit() too: it is the code's error
            outcome["error"] = error
        finally:
            outcome["done"] = True

    worker = threading.Thread(target=run, name="llmds-preview", daemon=True)
    worker.start()
    return worker


def ask_to_stop(worker: threading.Thread) -> bool:
    """Raise :class:`PreviewTimeout` in ``worker`` at its next bytecode (best effort)."""
    try:
        changed = ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(worker.ident), ctypes.py_object(PreviewTimeout)
        )
        if changed > 1:  # never expected: undo
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), None)
            return False
        return changed == 1
    except Exception:
        return False


def run_code(compiled: Any, namespace: dict, timeout: float) -> dict:
    """Execute in a worker thread; capture warnings and stdout; give up after ``timeout`` seconds."""
    outcome: dict = {"done": False}
    caught: list[dict] = []
    stdout = ThreadStdout(sys.stdout)
    original_stdout = sys.stdout
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        passing_on = warnings.showwarning
        worker_id: list[int] = []

        def record(message, category, filename, lineno, file=None, line=None):
            if threading.get_ident() not in worker_id:
                return passing_on(message, category, filename, lineno, file, line)
            text = short_text(str(message), 300)
            in_code = filename == CODE_FILENAME
            for entry in caught:
                if (entry["category"], entry["message"], entry["line"]) == (category.__name__, text, lineno if in_code else None):
                    entry["count"] += 1
                    return None
            if len(caught) < MAX_WARNINGS:
                caught.append(
                    {
                        "category": category.__name__,
                        "kind": warning_kind(category),
                        "message": text,
                        "line": lineno if in_code else None,
                        "where": None if in_code else f"{filename}:{lineno}",
                        "count": 1,
                    }
                )
            return None

        warnings.showwarning = record
        sys.stdout = stdout
        started = time.perf_counter()
        try:
            def on_start(thread_id: int) -> None:
                worker_id.append(thread_id)
                stdout.thread_id = thread_id

            worker = start_worker(compiled, namespace, outcome, on_start)
            worker.join(timeout)
            elapsed = time.perf_counter() - started
            timed_out = worker.is_alive()
            if timed_out:
                outcome["asked_to_stop"] = ask_to_stop(worker)
                worker_id.clear()  # the abandoned thread's later warnings go the normal way
        finally:
            if sys.stdout is stdout:
                sys.stdout = original_stdout
            stdout.thread_id = None
    outcome.update(timed_out=timed_out, seconds=elapsed, warnings=caught, stdout=stdout.text())
    return outcome


# --------------------------------------------------------------------------- result and diff


def pick_result(namespace: dict, name: str, working: Any, before: Any, initial: set) -> tuple[Any, dict]:
    """The frame the code produced and how it was chosen."""
    import pandas as pd

    clean_name = f"{name}_clean"
    clean = namespace.get(clean_name)
    if isinstance(clean, pd.DataFrame) and clean_name not in initial:
        return clean, {"name": clean_name, "how": "created"}
    bound = namespace.get(name)
    if isinstance(bound, pd.DataFrame):
        if bound is not working:
            return bound, {"name": name, "how": "rebound"}
        if not same_frame(bound, before):
            return bound, {"name": name, "how": "modified"}
    created = [key for key, value in namespace.items() if key not in initial and isinstance(value, pd.DataFrame)]
    if created:
        return namespace[created[-1]], {"name": created[-1], "how": "last_created"}
    if isinstance(bound, pd.DataFrame):
        return bound, {"name": name, "how": "unchanged"}
    return None, {"name": None, "how": "none"}


def same_frame(left: Any, right: Any) -> bool:
    """Equal values, columns, dtypes and index."""
    try:
        return (
            left.shape == right.shape
            and list(left.columns) == list(right.columns)
            and left.dtypes.equals(right.dtypes)
            and left.index.equals(right.index)
            and left.equals(right)
        )
    except Exception:
        return False


def single_columns(frame: Any) -> list:
    """Column labels that occur once (duplicated labels cannot be compared by label)."""
    counts: dict = {}
    for label in frame.columns:
        try:
            counts[label] = counts.get(label, 0) + 1
        except TypeError:
            continue
    return [label for label in frame.columns if counts.get(label) == 1]


def is_text(series: Any) -> bool:
    """Object or string dtype."""
    import pandas as pd

    dtype = series.dtype
    return dtype == object or isinstance(dtype, pd.StringDtype)


def differs(before: Any, after: Any) -> Any:
    """Boolean numpy array: aligned cells that differ (two missing values are equal)."""
    import numpy as np
    import pandas as pd

    left = np.asarray(before.astype(object), dtype=object)
    right = np.asarray(after.astype(object), dtype=object)
    left_missing = np.asarray(pd.isna(before), dtype=bool)
    right_missing = np.asarray(pd.isna(after), dtype=bool)
    try:
        equal = np.asarray(left == right, dtype=bool)
        if equal.shape != left.shape:
            raise ValueError
    except Exception:
        equal = np.array([safe_equal(a, b) for a, b in zip(left, right)], dtype=bool)
    equal |= left_missing & right_missing
    equal &= left_missing == right_missing
    return ~equal


def safe_equal(left: Any, right: Any) -> bool:
    try:
        return bool(left == right)
    except Exception:
        return False


def align(before: Any, after: Any) -> tuple[Any, Any, str] | None:
    """Rows of ``before`` and ``after`` that are the same row: by label, else by position."""
    if before.index.is_unique and after.index.is_unique:
        common = after.index[after.index.isin(before.index)]
        return before.loc[common], after.loc[common], "label"
    if len(before) == len(after):
        return before, after, "position"
    return None


def rows_report(before: Any, after: Any) -> dict:
    if before.index.is_unique and after.index.is_unique:
        dropped = before.index[~before.index.isin(after.index)]
        added = after.index[~after.index.isin(before.index)]
        return {
            "by": "label",
            "dropped": int(len(dropped)),
            "added": int(len(added)),
            "dropped_labels": [label_value(label) for label in dropped[:MAX_LABELS]],
            "added_labels": [label_value(label) for label in added[:MAX_LABELS]],
        }
    return {
        "by": "count",
        "dropped": max(0, len(before) - len(after)),
        "added": max(0, len(after) - len(before)),
        "dropped_labels": [],
        "added_labels": [],
    }


def merged_values(old: Any, new: Any) -> list:
    """``[old, new]`` pairs where several distinct old values became one new value."""
    import pandas as pd

    pairs = pd.DataFrame({"old": old.astype(object).to_numpy(), "new": new.astype(object).to_numpy()})
    pairs = pairs.dropna().drop_duplicates()
    sources = pairs.groupby("new", sort=False)["old"].transform("nunique")
    merged = pairs[(sources > 1) & (pairs["old"] != pairs["new"])]
    return [[safe_value(a), safe_value(b)] for a, b in merged.head(MAX_MERGE_EXAMPLES).itertuples(index=False)]


def row_dict(row: Any) -> dict:
    items = list(row.items())[:MAX_ROW_COLUMNS]
    return {str(label_value(label)): safe_value(value) for label, value in items}


def diff_report(before: Any, after: Any) -> dict:
    """What changed from ``before`` to ``after`` (see ``docs/architecture.md``, "Preview")."""
    before_columns = single_columns(before)
    after_columns = single_columns(after)
    after_set = set(after_columns)
    common = [label for label in before_columns if label in after_set]
    report: dict = {
        "shape": {"before": list(before.shape), "after": list(after.shape)},
        "rows": rows_report(before, after),
        "columns": {
            "added": [label_value(label) for label in after.columns if label not in set(before.columns)],
            "removed": [label_value(label) for label in before.columns if label not in set(after.columns)],
        },
        "dtypes_changed": {},
        "nulls_changed": {},
        "values_merged": {},
        "changed_rows": [],
        "changed_cells": None,
    }
    for label in common:
        key = str(label_value(label))
        old_dtype, new_dtype = str(before[label].dtype), str(after[label].dtype)
        if old_dtype != new_dtype:
            report["dtypes_changed"][key] = [old_dtype, new_dtype]
        old_nulls, new_nulls = int(before[label].isna().sum()), int(after[label].isna().sum())
        if old_nulls != new_nulls:
            report["nulls_changed"][key] = [old_nulls, new_nulls]

    aligned = align(before, after)
    if aligned is None:
        report["aligned_by"] = None
        return report
    old_rows, new_rows, report["aligned_by"] = aligned
    changed_any = None
    changed_by_column = {}
    for label in common:
        key = str(label_value(label))
        old_column, new_column = old_rows[label], new_rows[label]
        try:
            changed = differs(old_column, new_column)
        except Exception:
            continue
        changed_by_column[label] = changed
        changed_any = changed if changed_any is None else (changed_any | changed)
        if is_text(before[label]):
            try:
                old_distinct, new_distinct = int(before[label].nunique()), int(after[label].nunique())
            except TypeError:  # unhashable cells
                continue
            if new_distinct < old_distinct:
                examples = merged_values(old_column, new_column) if changed.any() else []
                if examples:  # a fall from nulled or dropped values alone is not a merge
                    report["values_merged"][key] = {"distinct": [old_distinct, new_distinct], "examples": examples}
    if changed_any is None:
        report["changed_cells"] = 0
        return report
    report["changed_cells"] = int(sum(int(mask.sum()) for mask in changed_by_column.values()))
    report["changed_row_count"] = int(changed_any.sum())
    for position in changed_any.nonzero()[0][:MAX_CHANGED_ROWS]:
        report["changed_rows"].append(
            {
                "index": label_value(new_rows.index[position]),
                "columns": [str(label_value(label)) for label, mask in changed_by_column.items() if mask[position]],
                "before": row_dict(old_rows.iloc[position]),
                "after": row_dict(new_rows.iloc[position]),
            }
        )
    return report


# --------------------------------------------------------------------------- public


def summary(report: dict, name: str) -> str:
    """One sentence for an ``ok`` preview."""
    result = report["result"]
    where = f"on a {report['sample']['rows']:,}-row sample of {name}" if report["sample"]["method"] != "all" else f"on a copy of {name}"
    if result["name"] is None:
        return f"The code ran {where} in {report['seconds']:.2f} s but left no DataFrame to compare; {name} was not changed."
    diff = report["diff"]
    (rows_before, columns_before), (rows_after, columns_after) = diff["shape"]["before"], diff["shape"]["after"]
    parts = [f"{rows_before} x {columns_before} -> {rows_after} x {columns_after}"]
    if diff["dtypes_changed"]:
        parts.append(f"{len(diff['dtypes_changed'])} dtype(s) changed")
    if diff.get("changed_row_count"):
        parts.append(f"{diff['changed_row_count']} row(s) with changed values")
    return (
        f"The code ran {where} in {report['seconds']:.2f} s ({', '.join(parts)}); "
        f"the result is {result['name']} ({result['how'].replace('_', ' ')}) and {name} itself was not changed."
    )


def preview(
    code: str,
    frame: Any,
    name: str = "df",
    *,
    max_rows: int = 100_000,
    seed: int = 0,
    timeout: float = 30.0,
    namespace_extras: Mapping[str, Any] | None = None,
) -> dict:
    """Run ``code`` on a copy of ``frame`` bound to ``name`` and report what it would change.

    Parameters
    ----------
    code : str
        Python source (no IPython magics).
    frame : pandas.DataFrame
        The user's frame; only read, never handed to the code.
    name : str
        The variable name the code uses for the frame.
    max_rows : int
        Above this many rows the copy is a head + random sample of this many rows.
    seed : int
        Seed of the sample.
    timeout : float
        Seconds to wait for the code (see the module docstring).
    namespace_extras : Mapping, optional
        More names for the code's fresh namespace.

    Returns
    -------
    dict
        JSON-safe: ``status`` (``"ok" | "error" | "timeout"``), ``message``,
        ``sample``, ``seconds``, ``warnings``, ``stdout``, and ``exception``
        (error), ``result`` and ``diff`` (ok).
    """
    started = time.perf_counter()
    try:
        report = _preview(code, frame, name, max_rows, seed, timeout, namespace_extras)
        report["total_seconds"] = round(time.perf_counter() - started, 4)
        return report
    except Exception as error:  # a bug here must not look like the user's code failing silently
        return {
            "status": "error",
            "error": "preview_failed",
            "message": f"The preview itself failed: {type(error).__name__}: {short_text(str(error), 300)}",
        }


def _preview(code, frame, name, max_rows, seed, timeout, namespace_extras) -> dict:
    import numpy as np
    import pandas as pd

    if not isinstance(code, str):
        raise TypeError(f"code must be a str, not {type(code).__name__}")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, not {type(frame).__name__}")
    total = len(frame)
    max_rows = max(1, int(max_rows))
    if total > max_rows:
        from .card import sample_positions

        before = frame.iloc[sample_positions(total, max_rows, seed)].copy(deep=True)
        sample = {"rows": len(before), "of": total, "method": "head+random"}
    else:
        before = frame  # only read; the code gets the deep copy below
        sample = {"rows": total, "of": total, "method": "all"}
    working = before.copy(deep=True)
    namespace: dict = {"__builtins__": builtins, name: working, "pd": pd, "np": np}
    namespace.update(namespace_extras or {})
    initial = set(namespace)
    report: dict = {"status": "ok", "message": "", "sample": sample, "seconds": 0.0, "warnings": [], "stdout": None}
    code_lines = code.splitlines()
    try:
        compiled = compile(code, CODE_FILENAME, "exec")
    except SyntaxError as error:
        report.update(status="error", exception=describe_exception(error, code_lines))
        report["message"] = f"The code does not parse: SyntaxError on line {error.lineno}; {name} was not changed."
        return report
    outcome = run_code(compiled, namespace, float(timeout))
    report.update(seconds=round(outcome["seconds"], 4), warnings=outcome["warnings"], stdout=outcome["stdout"])
    if outcome["timed_out"]:
        report["status"] = "timeout"
        report["stopped"] = bool(outcome.get("asked_to_stop"))
        report["message"] = (
            f"The code did not finish within {timeout:g} s on a copy of {name}; the preview gave up on it "
            f"(the copy is abandoned) and {name} was not changed."
        )
        return report
    error = outcome.get("error")
    if error is not None:
        report["status"] = "error"
        report["exception"] = described = describe_exception(error, code_lines)
        at = f" on line {described['line']}" if described["line"] else ""
        report["message"] = (
            f"The code raised {described['type']}{at}: {short_text(described['message'], 120)}; {name} was not changed."
        )
        return report
    result, report["result"] = pick_result(namespace, name, working, before, initial)
    if result is not None:
        try:
            report["diff"] = diff_report(before, result)
        except Exception as diff_error:
            report["diff"] = {"error": f"{type(diff_error).__name__}: {short_text(str(diff_error), 200)}"}
            report["message"] = f"The code ran on a copy of {name}, but comparing the result failed ({report['diff']['error']})."
            return report
    report["message"] = summary(report, name)
    return report
