"""What ``POST /llmds/preview`` does, as plain Python: check the request, then preview and repair.

The route previews a cell on a copy of a kernel's DataFrame and, with a
language model configured, repairs it when it fails or warns
(:func:`jupyterlab_llmds.repair.preview_and_repair`, the same loop
``%%llm ... --preview`` runs). Everything that can be refused with an HTTP
status is checked before the first byte: the body, the model settings, the
kernel and the frame (:func:`prepare_preview`). Then the answer streams as
JSON lines (``docs/architecture.md``, "Preview route"): the repair loop runs
in a worker thread, reaches the kernel through the bridge on the server's
event loop, and hands each event over as it is made.

No tornado here: the handler parses HTTP and writes lines.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Iterator

from ..config import ConfigurationError, LlmdsSettings
from .bridge import KernelBridge, entry_expression
from .errors import LlmdsError
from .service import bad_request, json_object_body, required_text, resolved_card_options
from .streaming import WorkerFailed, events_in_thread

log = logging.getLogger(__name__)

#: Longest cell the route previews, in characters.
MAX_CODE_CHARACTERS = 100_000
#: Seconds the bridge waits beyond the preview's own time limit: copying or sampling the
#: frame and comparing the result take time too, on big frames several seconds.
KERNEL_MARGIN = 30.0
#: Message of an unexpected failure (its traceback goes to the server log only).
INTERNAL_MESSAGE = "jupyterlab-llmds hit an unexpected error; the Jupyter server log has the details."


@dataclass(frozen=True)
class PreviewRequest:
    """A validated body of ``POST /llmds/preview``."""

    kernel: str
    frame: str
    code: str
    task: str | None = None
    repair: bool = True
    allow_flagged: bool = False


@dataclass(frozen=True)
class PreviewPlan:
    """What the preview needs once the request is checked: the engine and the settings that apply."""

    engine: Any
    model: str | None
    repairs: int
    max_rows: int
    timeout: float
    privacy: str
    excluded: tuple


def optional_flag(body: dict, field: str, default: bool) -> bool:
    """A boolean field of the body (``default`` when absent or null), or a 400 naming it."""
    value = body.get(field)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad_request(f'"{field}" must be true or false, not {json.dumps(value)[:40]}.')
    return value


def parse_preview_body(raw_body: bytes | str) -> PreviewRequest:
    """Validate the JSON body of ``POST /llmds/preview``.

    Parameters
    ----------
    raw_body : bytes or str
        ``{"kernel": ID, "frame": "df", "code": "...", "task": "clean",
        "repair": true, "allow_flagged": false}``; ``task``, ``repair``
        (default true) and ``allow_flagged`` (default false) are optional.

    Returns
    -------
    PreviewRequest

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) with a sentence naming the field that is wrong.
    """
    from ..prompts import INTERNAL_TASKS, TASKS

    body = json_object_body(raw_body, '{"kernel": ..., "frame": "df", "code": "df_clean = ..."}')
    kernel = required_text(body, "kernel")
    frame = required_text(body, "frame")
    code = body.get("code")
    if not isinstance(code, str) or not code.strip():
        raise bad_request('The request needs the cell to preview in "code", a non-empty string.')
    if len(code) > MAX_CODE_CHARACTERS:
        raise bad_request(f'"code" is too long to preview: at most {MAX_CODE_CHARACTERS:,} characters.')
    task = body.get("task")
    if task is not None and not (isinstance(task, str) and task.strip()):
        raise bad_request('"task" must be the name of the task the code was written for, such as "clean".')
    if task is not None:
        task = task.strip()
        tasks = [name for name in TASKS if name not in INTERNAL_TASKS]
        if task not in tasks:
            raise bad_request(f"Unknown task {task!r}; the tasks are: {', '.join(tasks)}.")
    return PreviewRequest(
        kernel=kernel,
        frame=frame,
        code=code,
        task=task,
        repair=optional_flag(body, "repair", True),
        allow_flagged=optional_flag(body, "allow_flagged", False),
    )


async def check_frame(bridge: KernelBridge, kernel_id: str, frame: str) -> None:
    """Make sure the kernel holds a DataFrame called ``frame``, before the answer starts.

    Uses the frame listing (shapes, and issue counts remembered per frame),
    not a card or a preview: when the code is flagged nothing else would
    look at the frame, and an unknown name must be a 404 either way.

    Raises
    ------
    LlmdsError
        ``frame_not_found`` (404) for a name that is not a DataFrame there,
        ``not_python`` (400), ``not_installed`` (409), else the bridge's errors.
    """
    listing = await bridge.frames(kernel_id)
    status = listing["status"]
    if status == "not_python":
        raise LlmdsError("not_python", 400, listing["message"])
    if status == "not_installed":
        raise LlmdsError("not_installed", 409, listing["message"])
    names = [entry["name"] for entry in listing["frames"]]
    if frame in names:
        return
    if status == "no_pandas":
        message = f"There is no DataFrame named {frame!r}: pandas is not imported in this kernel yet."
    else:
        listed = ", ".join(names) or "none"
        message = f"There is no DataFrame named {frame!r} in this kernel; DataFrames here: {listed}."
    raise LlmdsError("frame_not_found", 404, message)


async def prepare_preview(
    bridge: KernelBridge, request: PreviewRequest, settings: LlmdsSettings | None = None
) -> PreviewPlan:
    """Choose the engine and check the kernel and the frame, before any byte of the answer is written.

    The engine is the server's default (``get_engine(None, settings)``, as
    for chat): it repairs only when it can (the openai engine), when the
    request allows it and ``repair_attempts`` is above 0.

    Raises
    ------
    LlmdsError
        ``engine_config`` (500) for unusable model settings, else the
        errors of :func:`check_frame`.
    """
    from ..engines.base import get_engine
    from ..repair import can_repair

    settings = settings or LlmdsSettings()
    try:
        engine = get_engine(None, settings)
    except ConfigurationError as error:
        raise LlmdsError("engine_config", 500, f"The model settings of this server cannot be used: {error}") from error
    await check_frame(bridge, request.kernel, request.frame)
    mode, _, _ = resolved_card_options(settings, None, None)
    repairs = settings.repair_attempts if request.repair and can_repair(engine) else 0
    return PreviewPlan(
        engine=engine,
        model=settings.model if engine.name == "openai" else None,
        repairs=repairs,
        max_rows=settings.preview_rows,
        timeout=settings.preview_timeout,
        privacy=mode,
        excluded=tuple(settings.excluded_columns),
    )


def preview_start_event(plan: PreviewPlan, request: PreviewRequest) -> dict:
    """The first line of a preview answer."""
    return {
        "type": "start",
        "engine": plan.engine.name,
        "model": plan.model,
        "attempts_allowed": 1 + plan.repairs,
        "frame": request.frame,
        "max_rows": plan.max_rows,
    }


def on_server_loop(loop: asyncio.AbstractEventLoop, coroutine: Any) -> Any:
    """Run a bridge coroutine on the server's event loop from the worker thread; its result.

    Raises
    ------
    RepairStepError
        For the bridge's :class:`LlmdsError` (kernel busy, dead, not answering ...).
    """
    from ..repair import RepairStepError

    try:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
    except LlmdsError as error:
        raise RepairStepError(error.kind, error.message) from None


def kernel_preview(
    bridge: KernelBridge, loop: asyncio.AbstractEventLoop, request: PreviewRequest, plan: PreviewPlan
) -> Callable[[str], dict]:
    """``run_preview(code)`` for the repair loop: ``preview_json`` in the user's kernel, through the bridge."""

    def run_preview(code: str) -> dict:
        expression = entry_expression(
            "preview_json",
            code,
            request.frame,
            max_rows=int(plan.max_rows),
            # the bridge writes only str / int literals; preview_json reads the number back with float()
            timeout=repr(float(plan.timeout)),
        )
        return on_server_loop(
            loop,
            bridge.evaluate(request.kernel, expression, timeout=plan.timeout + KERNEL_MARGIN, retry="preview again"),
        )

    return run_preview


def kernel_cards(
    bridge: KernelBridge, loop: asyncio.AbstractEventLoop, request: PreviewRequest, plan: PreviewPlan
) -> Callable[[], list]:
    """The frame's card in the server's privacy mode, built in the kernel when the first repair needs it."""

    def cards() -> list:
        card = on_server_loop(
            loop, bridge.card(request.kernel, request.frame, privacy=plan.privacy, exclude=list(plan.excluded))
        )
        return [card]

    return cards


def preview_steps(
    plan: PreviewPlan,
    request: PreviewRequest,
    bridge: KernelBridge,
    loop: asyncio.AbstractEventLoop,
    cancel: threading.Event,
) -> Iterator[dict]:
    """The events after ``start`` (blocking; runs in the worker thread)."""
    from ..repair import preview_and_repair

    return preview_and_repair(
        request.code,
        frame=request.frame,
        run_preview=kernel_preview(bridge, loop, request, plan),
        engine=plan.engine,
        cards=kernel_cards(bridge, loop, request, plan),
        attempts=plan.repairs,
        task=request.task,
        allow_flagged=request.allow_flagged,
        cancel=cancel,
    )


async def preview_events(
    plan: PreviewPlan, request: PreviewRequest, bridge: KernelBridge, cancel: threading.Event
) -> AsyncIterator[dict]:
    """The lines after ``start``, as they are made; ``done`` last.

    An unexpected exception in the worker is logged with its traceback (in
    the server log only) and ends the answer with an ``internal`` error line
    and a ``done`` line.
    """
    loop = asyncio.get_running_loop()
    attempts = 0
    try:
        async for event in events_in_thread(
            lambda: preview_steps(plan, request, bridge, loop, cancel), cancel, "llmds-preview"
        ):
            attempts += event["type"] == "attempt"
            yield event
    except WorkerFailed as failure:
        log.error("jupyterlab-llmds preview failed", exc_info=failure.__cause__)
        yield {"type": "error", "error": "internal", "message": INTERNAL_MESSAGE}
        yield {
            "type": "done",
            "status": "error",
            "code": request.code,
            "attempts": attempts,
            "attempt": None,
            "repaired": False,
            "message": "The preview stopped on an unexpected error; nothing was changed.",
        }
