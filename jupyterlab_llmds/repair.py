"""Preview generated code on a copy of the frame and, with a language model, repair it until it passes.

One implementation for both callers: ``POST /llmds/preview``
(:mod:`jupyterlab_llmds.server.preview_service`, which runs the preview in the
user's kernel through the bridge) and ``%%llm ... --preview``
(:mod:`jupyterlab_llmds.magics`, which runs it in-process).
:func:`preview_and_repair` is a generator of events, so each caller shows
every attempt as it happens:

1. the static safety check (:func:`jupyterlab_llmds.engines.safety.check_code`);
   flagged code is not run unless the caller says the user allowed it;
2. the preview on a copy (``run_preview(code) -> report``, the dict of
   :func:`jupyterlab_llmds.kernel.preview.preview`);
3. when the run failed, timed out or warned (deprecated calls, chained
   assignment) and the engine can repair (it knows the ``repair`` task: the
   openai engine; never the built-in one, whose code must pass as written),
   the model gets the cell, the trimmed error and the same data cards, and
   its answer goes back to step 1, up to ``attempts`` repairs.

Events (JSON-safe dicts; ``docs/architecture.md``, "Preview route"):

``{"type": "safety", "attempt", "findings", "markdown"}``
    The safety check flagged the code of that attempt.
``{"type": "attempt", "attempt", "code", "status", "report", "markdown"}``
    ``status`` is one of :data:`ATTEMPT_STATUSES`; ``report`` the preview
    dict (``None`` when flagged code was not run).
``{"type": "repairing", "attempt"}``
    Before the model is asked for that attempt's code.
``{"type": "error", "error", "message"}``
    A step that is not the code's fault could not be done (the kernel, the
    model: ``engine_<kind>``); no more attempts follow.
``{"type": "done", "status", "code", "attempts", "attempt", "repaired", "message"}``
    Always last (unless ``cancel`` was set): the best attempt's code and status.

Plain Python: no tornado, no pandas at import time.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterator, Sequence

#: Statuses of one attempt.
ATTEMPT_STATUSES = ("ok", "warned", "failed", "timeout", "flagged")
#: Warning kinds (see ``kernel/preview.py``) that make a run ``warned``: code that will break with a future pandas.
REPAIRED_WARNING_KINDS = ("deprecation", "chained_assignment")
#: Best first: the final code is that of the best attempt (the earliest among equals).
STATUS_RANK = {"ok": 0, "warned": 1, "failed": 2, "timeout": 2, "flagged": 3}
#: The data cards a repair request carries, or a callable returning them (called at the first repair).
CardSource = Sequence[dict] | Callable[[], Sequence[dict]]


class RepairStepError(Exception):
    """A step that is not the code's fault could not be done: the preview could not run, no card came.

    Parameters
    ----------
    kind : str
        Machine-readable kind (e.g. ``kernel_busy``), as in the routes' errors.
    message : str
        A sentence saying what happened and what to do.
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


def can_repair(engine: Any) -> bool:
    """Whether ``engine`` can repair code: it knows the ``repair`` task (the openai engine does)."""
    return engine is not None and "repair" in (getattr(engine, "tasks", None) or {})


def attempt_status(report: dict) -> str:
    """``ok``, ``warned``, ``failed`` or ``timeout`` for a preview report.

    ``warned`` is a run without error that emitted a deprecation or chained
    assignment warning (FutureWarning, DeprecationWarning,
    SettingWithCopyWarning, ChainedAssignmentError): the code works today
    and breaks with a later pandas, so it deserves a repair too.
    """
    status = report.get("status")
    if status == "timeout":
        return "timeout"
    if status != "ok":
        return "failed"
    if any(warning.get("kind") in REPAIRED_WARNING_KINDS for warning in report.get("warnings") or []):
        return "warned"
    return "ok"


def checks_failed(report: dict) -> bool:
    """Whether the run stopped on an ``AssertionError``: the cell's own checks found a problem in the data.

    Validation cells are meant to fail on data that is not clean yet (they
    raise ``AssertionError`` naming the failed checks). Asking a model to
    "repair" them would only blunt the checks, so such a run is not repaired.
    """
    return report.get("status") == "error" and (report.get("exception") or {}).get("type") == "AssertionError"


def error_text(report: dict) -> str | None:
    """What went wrong, for the repair prompt: the code's traceback lines and the exception, or the time-out.

    The preview keeps only the traceback frames inside the previewed code
    (pandas internals would only cost tokens); the prompt cuts the text to
    its limit (:data:`jupyterlab_llmds.prompts.repair.MAX_ERROR_CHARACTERS`).
    """
    from .preview_report import seconds_text

    if report.get("status") == "timeout":
        rows = (report.get("sample") or {}).get("rows")
        return (
            f"The cell did not finish within {seconds_text(report.get('seconds', 0))} on a copy of "
            f"{f'{rows:,}' if isinstance(rows, int) else 'all the'} rows and was stopped. Make it faster: "
            "vectorised pandas operations, no Python loops over rows."
        )
    exception = report.get("exception")
    if not isinstance(exception, dict):
        return None
    return exception.get("text") or f"{exception.get('type', 'Error')}: {exception.get('message', '')}"


def warning_lines(report: dict) -> list[str]:
    """The run's warnings as ``Category (line n): message`` strings (for the repair prompt)."""
    lines = []
    for warning in report.get("warnings") or []:
        at = f" (line {warning['line']})" if warning.get("line") else ""
        lines.append(f"{warning.get('category', 'Warning')}{at}: {warning.get('message', '')}")
    return lines


def code_of(cells: Sequence[Any]) -> str:
    """The code cells of an answer joined into one cell (``Cell`` objects or their dicts)."""
    sources = []
    for cell in cells:
        cell_type = cell.get("cell_type") if isinstance(cell, dict) else cell.cell_type
        source = cell.get("source") if isinstance(cell, dict) else cell.source
        if cell_type == "code" and source.strip():
            sources.append(source.strip("\n"))
    return "\n\n".join(sources)


def ask_for_repair(
    engine: Any,
    cards: Sequence[dict],
    code: str,
    report: dict,
    task: str | None,
    cancel: threading.Event | None,
) -> str | None:
    """Ask the model to repair ``code`` given its preview ``report``; the corrected cell, ``None`` when cancelled.

    Streams the answer when the engine can (``cancel`` then closes the
    model's response at once), else asks once.

    Raises
    ------
    jupyterlab_llmds.engines.base.EngineError
        When the model gives no answer.
    """
    extra: dict = {"code": code}
    error = error_text(report)
    if error:
        extra["error"] = error
    warnings = warning_lines(report)
    if warnings:
        extra["warnings"] = warnings
    if task:
        extra["original_task"] = task
    if hasattr(engine, "stream"):
        stream = engine.stream(list(cards), "repair", cancel=cancel, extra=extra)
        try:
            for _ in stream:
                pass
        finally:
            if cancel is not None and cancel.is_set():
                stream.close()  # closes the model's HTTP response at once
        if stream.cancelled or (cancel is not None and cancel.is_set()):
            return None
        return code_of(stream.cells())
    return code_of(engine.suggest(list(cards), "repair", extra=extra).cells)


def next_code(
    engine: Any, cards: CardSource, current: str, report: dict, task: str | None, cancel: threading.Event | None
) -> tuple[str, dict | None, list | None]:
    """The model's repair of ``current``: ``(code, None, cards)``, or ``("", error_event, cards)``.

    ``cards`` may be a callable (called here, once); the cards are handed
    back so the next repair sends the very same ones. A cancelled request
    gives ``("", None, cards)``; the caller checks ``cancel``.
    """
    from .engines.base import EngineError, UnknownTaskError

    def error(kind: str, message: str) -> dict:
        return {"type": "error", "error": kind, "message": message}

    loaded = None
    try:
        loaded = list(cards() if callable(cards) else cards)
        repaired = ask_for_repair(engine, loaded, current, report, task, cancel)
    except RepairStepError as failure:
        return "", error(failure.kind, failure.message), loaded
    except EngineError as failure:
        return "", error(f"engine_{failure.kind}", failure.message), loaded
    except (UnknownTaskError, ValueError) as failure:  # an engine refusing the request it was built for
        return "", error("engine_bad_request", str(failure)), loaded
    if repaired is None:  # cancelled
        return "", None, loaded
    if not repaired.strip():
        message = "The model answered without a code block, so there was no repaired code to preview."
        return "", error("repair_without_code", message), loaded
    if repaired.strip() == current.strip():
        message = "The model sent the same code back, so repairing stopped; fix the code by hand."
        return "", error("repair_unchanged", message), loaded
    return repaired, None, loaded


def failure_summary(attempt: dict) -> str:
    """A short phrase saying how an ``attempt`` event went wrong (the exception, a warning, the time-out)."""
    report = attempt.get("report") or {}
    if attempt["status"] == "flagged":
        return "the safety check flagged it"
    if attempt["status"] == "timeout":
        return "it did not finish in time"
    if attempt["status"] == "warned":
        warning = next(item for item in report.get("warnings") or [] if item.get("kind") in REPAIRED_WARNING_KINDS)
        return f"it warned {warning.get('category', 'Warning')}: {warning.get('message', '')[:120]}"
    exception = report.get("exception") or {}
    return f"it raised {exception.get('type', 'an error')}: {str(exception.get('message', ''))[:120]}"


def repair_note(first: dict, final: dict, frame: str) -> str:
    """Markdown for the cell above repaired code: what failed, which attempt fixed it, what to do.

    Parameters
    ----------
    first, final : dict
        The ``attempt`` events of the code as written and of the repair kept.
    frame : str
        The frame's name.
    """
    outcome = {
        "ok": "ran without error",
        "warned": "ran, still with warnings",
    }.get(final["status"], "ran up to its checks, which report problems in the data")
    return (
        f"**Repaired after a preview on a copy of `{frame}`**: the code as first written failed the preview "
        f"({failure_summary(first)}), so the model repaired it; its attempt {final['attempt']}, below, {outcome}. "
        "Review it before you run it on the real data."
    )


def repaired_cells(cells: Sequence[dict], code: str, note: str) -> list[dict]:
    """The suggestion's cells with the repaired code in place of its code cells.

    Markdown cells keep their order; the first code cell becomes ``note`` (a
    markdown cell) and the repaired ``code``, which holds every code cell
    joined, so the other code cells go.
    """
    result: list[dict] = []
    placed = False
    for cell in cells:
        if cell["cell_type"] != "code":
            result.append(dict(cell))
        elif not placed:
            result += [{"cell_type": "markdown", "source": note}, {"cell_type": "code", "source": code}]
            placed = True
    return result


def finding_key(finding: Any) -> tuple:
    """What identifies a finding across versions of the code (its line may move)."""
    return finding.kind, finding.snippet


def best_attempt(history: list[dict]) -> dict | None:
    """The attempt whose code the user should get: the best status, the earliest among equals.

    A run stopped by its own checks (``AssertionError``) ranks above other
    failures: the code ran up to its checks, and they report the data.
    """
    if not history:
        return None

    def rank(item: dict) -> tuple:
        return STATUS_RANK.get(item["status"], 9) - (0.5 if item.get("checks_failed") else 0), item["attempt"]

    return min(history, key=rank)


def outcome_message(best: dict | None, history: list[dict], frame: str, why_no_repair: str | None) -> str:
    """One sentence for the ``done`` event: how it ended and, when the code did not pass, what next."""
    if best is None:
        return f"The preview on a copy of {frame} could not run; nothing was changed."
    count = len(history)
    tried = f" after {count} attempts" if count > 1 else ""
    if best["status"] == "ok":
        if best["attempt"] > 1:
            return (
                f"The model's repair (attempt {best['attempt']}) ran without error on a copy of {frame}; "
                "review the repaired code before you run it."
            )
        return f"The code ran without error on a copy of {frame}; {frame} itself was not changed."
    if best["status"] == "failed" and best.get("checks_failed"):
        return (
            f"The cell's own checks failed on a copy of {frame} (AssertionError): validation checks report "
            "what is wrong in the data, so they are not sent for repair; read the failed checks above."
        )
    if best["status"] == "warned":
        head = f"The code runs on a copy of {frame} but uses calls a future pandas will break{tried}."
    elif best["status"] == "flagged":
        head = "The safety check flagged the code, so it was not run; read the findings before you run it yourself."
    elif best["status"] == "timeout":
        head = f"The code did not finish in time on a copy of {frame}{tried}."
    elif count > 1:
        head = f"The code still fails on a copy of {frame}{tried}; the code as first written is kept."
    else:
        head = f"The code failed on a copy of {frame}."
    return f"{head} {why_no_repair}" if why_no_repair and best["status"] != "flagged" else head


def no_repair_note(engine: Any, attempts: int) -> str | None:
    """Why no repair is tried, when none can be (said in the ``done`` event)."""
    if not can_repair(engine):
        return (
            "Repair is not available offline: the built-in engine writes code that must pass as written; "
            "fix the code by hand, or configure a language model to repair it."
        )
    if attempts <= 0:
        return (
            "Repair is turned off for this preview (repair_attempts is 0, or the request asked for none); "
            "fix the code by hand."
        )
    return None


def preview_and_repair(
    code: str,
    *,
    frame: str,
    run_preview: Callable[[str], dict],
    engine: Any = None,
    cards: CardSource = (),
    attempts: int = 2,
    task: str | None = None,
    allow_flagged: bool = False,
    cancel: threading.Event | None = None,
) -> Iterator[dict]:
    """Preview ``code`` on a copy of ``frame``; with an engine that can, repair it up to ``attempts`` times.

    Parameters
    ----------
    code : str
        The cell to preview (code cells of a suggestion joined).
    frame : str
        The name of the user's frame the code works on.
    run_preview : callable
        ``run_preview(code) -> dict``: the preview report of
        :func:`jupyterlab_llmds.kernel.preview.preview`. May raise
        :class:`RepairStepError` when the preview cannot run at all.
    engine : Engine, optional
        The engine that wrote the code; repairs only when it knows the
        ``repair`` task (:func:`can_repair`).
    cards : list of dict, or a callable returning them
        The data cards the code was written from, sent unchanged with each
        repair request. A callable is called once, at the first repair (so
        code that passes costs no card); it may raise :class:`RepairStepError`.
    attempts : int
        Repairs allowed after the first run (``repair_attempts``; 0: none).
    task : str, optional
        The task the code was written for (``clean`` ...), for the prompt.
    allow_flagged : bool
        The user allowed the code although the safety check flags it: the
        first version runs, and repaired versions run as long as they add
        no finding of their own.
    cancel : threading.Event, optional
        When set, the generator stops at the next step (a model request in
        flight is closed) and yields nothing more, not even ``done``.

    Yields
    ------
    dict
        The events of the module docstring, ``done`` last.
    """
    from .engines.safety import check_code
    from .preview_report import attempt_heading, preview_markdown, safety_markdown

    repairs = max(int(attempts), 0) if can_repair(engine) else 0
    attempts_allowed = 1 + repairs
    history: list[dict] = []
    allowed_findings: set = set()
    loaded_cards: list | None = None
    failed_step = False
    current = code

    def stopped() -> bool:
        return cancel is not None and cancel.is_set()

    for number in range(1, attempts_allowed + 1):
        if stopped():
            return
        findings = check_code(current)
        note = ""
        if findings:
            yield {
                "type": "safety",
                "attempt": number,
                "findings": [finding.to_dict() for finding in findings],
                "markdown": safety_markdown(findings, frame),
            }
            if number == 1 and allow_flagged:
                allowed_findings = {finding_key(finding) for finding in findings}
            new_findings = [finding for finding in findings if finding_key(finding) not in allowed_findings]
            if new_findings:
                heading = attempt_heading(number, attempts_allowed, "flagged", frame)
                markdown = safety_markdown(new_findings, frame, heading)
                yield {"type": "attempt", "attempt": number, "code": current, "status": "flagged",
                       "report": None, "markdown": markdown}
                history.append({"attempt": number, "code": current, "status": "flagged"})
                break
            note = "You allowed this code although the safety check flags it (see above); it ran on a copy only."
        try:
            report = run_preview(current)
        except RepairStepError as error:
            yield {"type": "error", "error": error.kind, "message": error.message}
            failed_step = True
            break
        if stopped():
            return
        if report.get("error"):  # the preview itself could not run (frame gone, preview bug): not the code's fault
            yield {"type": "error", "error": str(report["error"]), "message": str(report.get("message", ""))}
            failed_step = True
            break
        status = attempt_status(report)
        markdown = preview_markdown(report, frame, attempt_heading(number, attempts_allowed, status, frame))
        if note:
            markdown = f"{note}\n\n{markdown}"
        yield {"type": "attempt", "attempt": number, "code": current, "status": status, "report": report,
               "markdown": markdown}
        history.append({"attempt": number, "code": current, "status": status, "checks_failed": checks_failed(report)})
        if status == "ok" or number == attempts_allowed or checks_failed(report):
            break
        yield {"type": "repairing", "attempt": number + 1}
        source = cards if loaded_cards is None else loaded_cards
        repaired, failure, loaded_cards = next_code(engine, source, current, report, task, cancel)
        if stopped():
            return
        if failure is not None:
            yield failure
            failed_step = True
            break
        current = repaired

    best = best_attempt(history)
    status = best["status"] if best else "error"
    yield {
        "type": "done",
        "status": status,
        "code": best["code"] if best else code,
        "attempts": len(history),
        "attempt": best["attempt"] if best else None,
        "repaired": bool(best and best["attempt"] > 1),
        "message": outcome_message(best, history, frame, None if failed_step else no_repair_note(engine, repairs)),
    }
