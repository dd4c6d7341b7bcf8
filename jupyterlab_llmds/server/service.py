"""What the REST routes do, as plain Python: validate, ask the kernel, write cells.

Handlers parse HTTP and write answers; everything in between lives here so it
can be read (and called) without tornado.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass

from .. import __version__
from ..config import ConfigurationError, LlmdsSettings
from ..kernel.schema_libraries import (
    DEFAULT_SCHEMA_LIBRARY,
    SCHEMA_LIBRARIES,
    SCHEMA_TASKS,
    checked_schema_library,
    unsupported_library_message,
)
from .bridge import KernelBridge, python_literal
from .errors import LlmdsError
from .streaming import WorkerFailed, events_in_thread


@dataclass(frozen=True)
class SuggestRequest:
    """A validated body of ``POST /llmds/suggest``."""

    kernel: str
    frame: str
    task: str
    schema_library: str = DEFAULT_SCHEMA_LIBRARY
    #: The privacy mode the user chose (``None``: the server's); a locked mode wins.
    privacy: str | None = None


def bad_request(message: str) -> LlmdsError:
    """The error for a request the client got wrong (400 ``bad_request``)."""
    return LlmdsError("bad_request", 400, message)


def required_text(body: dict, field: str) -> str:
    """A non-empty string field of the body, or a 400 saying which one is wrong."""
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"The request needs a non-empty string {field!r}.")
    return value.strip()


def schema_field(body: dict) -> str:
    """The optional ``"schema"`` field: the library the checks are written in (``pandas`` when absent)."""
    try:
        return checked_schema_library(body.get("schema"))
    except ValueError:
        raise bad_request(
            f'"schema" must be one of {", ".join(SCHEMA_LIBRARIES)} (the library the checks are written in), '
            f"not {body.get('schema')!r}."
        ) from None


def privacy_field(body: dict) -> str | None:
    """The optional ``"privacy"`` field (checked against the modes later, with the lock applied)."""
    value = body.get("privacy")
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_request('"privacy" must be a privacy mode name such as "redacted".')
    return value.strip()


def budget_field(body: dict) -> int | None:
    """The optional ``"budget"`` field: a whole number of tokens for the data cards."""
    value = body.get("budget")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad_request(f'"budget" must be a whole number of tokens, not {json.dumps(value)[:40]}.')
    return value


def schema_extra(task: str, library: str) -> dict:
    """The engine's ``extra`` for the schema library: empty for plain pandas and for tasks that write no checks."""
    if library == DEFAULT_SCHEMA_LIBRARY or task not in SCHEMA_TASKS:
        return {}
    return {"schema_library": library}


#: Seconds to wait for the kernel to say whether a schema library is installed (no import: quick).
SCHEMA_CHECK_TIMEOUT = 10.0


async def check_schema_library(bridge: KernelBridge, kernel_id: str, engine: object, library: str) -> None:
    """Refuse a schema library the engine cannot write or the kernel cannot run, before any card or model call.

    The generated checks run in the kernel, so the kernel is asked (through
    the bridge, with :func:`jupyterlab_llmds.kernel.schema_libraries.schema_library_json`);
    the server never imports the library.

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) when the engine does not write checks in that
        library, ``schema_not_installed`` (409) when the kernel lacks it (the
        message says what to ``%pip install``), else the bridge's errors.
    """
    supported = tuple(getattr(engine, "schema_libraries", SCHEMA_LIBRARIES))
    if library not in supported:
        raise bad_request(unsupported_library_message(getattr(engine, "name", "chosen"), library, supported))
    expression = (
        "__import__('jupyterlab_llmds.kernel.schema_libraries', fromlist=['schema_libraries'])"
        f".schema_library_json({python_literal(library)})"
    )
    report = await bridge.evaluate(kernel_id, expression, timeout=SCHEMA_CHECK_TIMEOUT, retry="ask again")
    if report.get("status") != "ok":
        raise LlmdsError(
            "kernel_error", 502, f"The kernel could not say whether {library} is installed: {report.get('message')}"
        )
    if not report.get("available"):
        raise LlmdsError("schema_not_installed", 409, str(report.get("message")))


def json_object_body(raw_body: bytes | str, example: str) -> dict:
    """The JSON object a POST route was sent, or a 400 saying what a body looks like.

    Parameters
    ----------
    raw_body : bytes or str
        The request body.
    example : str
        A sketch of the expected object, quoted in the error sentence.
    """
    try:
        body = json.loads(raw_body or b"")
    except (TypeError, ValueError, UnicodeDecodeError) as error:
        raise bad_request(f"The request body is not valid JSON ({error}).") from error
    if not isinstance(body, dict):
        raise bad_request(f"The request body must be a JSON object like {example}.")
    return body


def parse_suggest_body(raw_body: bytes | str) -> SuggestRequest:
    """Validate the JSON body of ``POST /llmds/suggest``.

    Parameters
    ----------
    raw_body : bytes or str
        The request body, ``{"kernel": ID, "frame": "df", "task": "clean"}``,
        with optionally ``"schema": "pandas" | "pandera" | "great_expectations"``
        (the library the checks of ``clean`` / ``features`` / ``validate``
        are written in; other tasks ignore it).

    Returns
    -------
    SuggestRequest

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) for invalid JSON, a non-object, a missing or
        empty ``kernel`` / ``frame`` / ``task``, or an unknown ``schema``.
    """
    body = json_object_body(raw_body, '{"kernel": ..., "frame": ..., "task": ...}')
    return SuggestRequest(
        kernel=required_text(body, "kernel"),
        frame=required_text(body, "frame"),
        task=required_text(body, "task"),
        schema_library=schema_field(body),
        privacy=privacy_field(body),
    )


def engine_answer(settings: LlmdsSettings | None = None) -> dict:
    """Answer of ``GET /llmds/engine``: who answers and under which rules, before anything is asked.

    The sidebar shows it (engine, model, the quick actions it can offer, the
    privacy mode and whether an administrator locked it); no kernel is
    asked and nothing is sent to a model. The API key is never part of it.

    Returns
    -------
    dict
        ``{"engine", "model", "tasks", "privacy": {"mode", "locked", "modes"},
        "budget": {"default", "max", "min"}, "repair_attempts", "problem"}``;
        ``problem`` is a sentence when the model settings cannot be used
        (the engine is then ``None`` and ``tasks`` empty) or cannot make a
        request (no key, no model, an endpoint or model the administrator
        does not allow).
    """
    from ..config import MIN_CARD_BUDGET
    from ..engines.base import EngineError, get_engine, user_tasks
    from ..kernel.privacy import PRIVACY_MODES

    settings = settings or LlmdsSettings()
    answer = {
        "privacy": {
            "mode": settings.privacy_mode,
            "locked": bool(settings.lock_privacy_mode),
            "modes": list(PRIVACY_MODES),
        },
        "budget": {
            "default": min(settings.default_card_budget, settings.max_card_budget),
            "max": settings.max_card_budget,
            "min": MIN_CARD_BUDGET,
        },
        "repair_attempts": settings.repair_attempts,
    }
    try:
        engine = get_engine(None, settings)
    except ConfigurationError as error:
        return {
            **answer,
            "engine": None,
            "model": None,
            "tasks": [],
            "problem": f"The model settings of this server cannot be used: {error}",
        }
    model = settings.model if engine.name == "openai" else None
    problem = ""
    check_settings = getattr(engine, "check_settings", None)
    if check_settings is not None:
        try:
            check_settings()
        except EngineError as error:
            # the chat would fail the same way on its first request: say it now
            problem = error.message
    return {**answer, "engine": engine.name, "model": model, "tasks": user_tasks(engine), "problem": problem}


async def frames_answer(bridge: KernelBridge, kernel_id: str | None) -> dict:
    """Answer of ``GET /llmds/frames?kernel=ID``.

    Parameters
    ----------
    bridge : KernelBridge
    kernel_id : str or None
        The ``kernel`` query argument.

    Returns
    -------
    dict
        ``{"status", "message", "frames"}`` (see :meth:`KernelBridge.frames`).

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) without a kernel id, else the bridge's errors.
    """
    if not kernel_id:
        raise bad_request("Pass the kernel id as ?kernel=ID.")
    return await bridge.frames(kernel_id)


@dataclass(frozen=True)
class CardRequest:
    """A validated query of ``GET /llmds/card`` (before the administrator's settings)."""

    kernel: str
    frame: str
    privacy: str | None = None
    budget: int | None = None


def parse_card_query(kernel: str | None, frame: str | None, privacy: str | None, budget: str | None) -> CardRequest:
    """Validate the query arguments of ``GET /llmds/card``.

    Parameters
    ----------
    kernel, frame : str or None
        Required, non-empty.
    privacy : str or None
        A privacy mode, when given.
    budget : str or None
        A whole number of tokens, when given.

    Returns
    -------
    CardRequest

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) naming the argument that is missing or wrong.
    """
    if not kernel or not kernel.strip():
        raise bad_request("Pass the kernel id as ?kernel=ID.")
    if not frame or not frame.strip():
        raise bad_request("Pass the DataFrame's name as &frame=NAME.")
    parsed_budget = None
    if budget is not None and budget.strip():
        try:
            parsed_budget = int(budget.strip())
        except ValueError:
            raise bad_request(f"budget must be a whole number of tokens, not {budget!r}.") from None
    return CardRequest(kernel.strip(), frame.strip(), (privacy or "").strip() or None, parsed_budget)


def resolved_card_options(settings: LlmdsSettings, privacy: str | None, budget: int | None) -> tuple[str, bool, int]:
    """Apply the administrator's settings: ``(mode, locked, budget)``, or 400 for unusable values."""
    try:
        mode, locked = settings.resolve_privacy(privacy)
        capped = settings.resolve_budget(budget)
    except ConfigurationError as error:
        raise bad_request(str(error)) from error
    return mode, locked, capped


async def card_answer(bridge: KernelBridge, request: CardRequest, settings: LlmdsSettings | None = None) -> dict:
    """Answer of ``GET /llmds/card``: the prompt that would be sent for a frame, and its card.

    The administrator's settings apply first: a locked privacy mode replaces
    the requested one (the card then says ``privacy.locked: true``), the
    budget is capped at the maximum, and the excluded columns are always
    excluded.

    Parameters
    ----------
    bridge : KernelBridge
    request : CardRequest
    settings : LlmdsSettings, optional
        The server's settings; the defaults when omitted.

    Returns
    -------
    dict
        ``{"status": "ok", "card", "prompt", "tokens", "budget"}``.

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) for an unknown privacy mode or a budget below
        the minimum, else the bridge's errors.
    """
    settings = settings or LlmdsSettings()
    mode, locked, budget = resolved_card_options(settings, request.privacy, request.budget)
    report = await bridge.card_report(
        request.kernel,
        request.frame,
        privacy=mode,
        exclude=list(settings.excluded_columns),
        budget=budget,
    )
    card = report["card"]
    if locked:
        card.setdefault("privacy", {})["locked"] = True
    return {
        "status": "ok",
        "card": card,
        "prompt": report.get("prompt", ""),
        "tokens": report.get("tokens"),
        "budget": report.get("budget", budget),
    }


async def suggest_answer(bridge: KernelBridge, request: SuggestRequest, settings: LlmdsSettings | None = None) -> dict:
    """Answer of ``POST /llmds/suggest``: the suggestion for a kernel's frame.

    The card is built in the kernel; the engine runs here in the server on the
    card alone (see ``docs/architecture.md``).

    Parameters
    ----------
    bridge : KernelBridge
    request : SuggestRequest
    settings : LlmdsSettings, optional
        The server's settings: the card is built in their privacy mode
        (locked or default) with their excluded columns.

    Returns
    -------
    dict
        ``Suggestion.to_dict()``.

    Raises
    ------
    LlmdsError
        ``unknown_task`` (400), ``bad_request`` (400) and
        ``schema_not_installed`` (409) for a schema library the engine or the
        kernel lacks, besides the bridge's errors.
    """
    from ..config import ConfigurationError
    from ..engines.base import EngineError, UnknownTaskError, get_engine, user_tasks
    from ..suggestion import suggest_from_cards

    settings = settings or LlmdsSettings()
    try:
        # the server's settings: the administrator's allowed endpoints and
        # models apply to the sidebar as they do to the magics
        engine = get_engine(None, settings)
    except ConfigurationError as error:
        raise LlmdsError("engine_config", 500, f"The model settings of this server cannot be used: {error}") from error
    # Refuse an unknown task before bothering the kernel, when the engine
    # says which tasks it knows; otherwise the engine itself refuses below.
    known_tasks = user_tasks(engine)
    if known_tasks and request.task not in known_tasks:
        raise LlmdsError(
            "unknown_task", 400, f"Unknown task {request.task!r}; the tasks are: {', '.join(known_tasks)}."
        )
    extra = schema_extra(request.task, request.schema_library)
    if extra:
        await check_schema_library(bridge, request.kernel, engine, request.schema_library)
    mode, _, _ = resolved_card_options(settings, request.privacy, None)
    card = await bridge.card(request.kernel, request.frame, privacy=mode, exclude=list(settings.excluded_columns))

    def write():
        if extra:
            return engine.suggest([card], request.task, None, extra=extra)
        return suggest_from_cards([card], task=request.task, engine=engine)

    try:
        # In a worker thread: an engine may take a while (or call a remote
        # model later), and the server's event loop serves everyone else.
        suggestion = await asyncio.to_thread(write)
    except UnknownTaskError as error:
        raise LlmdsError("unknown_task", 400, str(error)) from error
    except EngineError as error:
        # the model's endpoint failed: its message already says what to do
        raise LlmdsError(f"engine_{error.kind}", 502, str(error)) from error
    # The version goes into the inserted cells' metadata, so a notebook
    # records which release wrote them.
    return {**suggestion.to_dict(), "version": __version__}


# -- POST /llmds/chat: a streamed answer as JSON lines ---------------------------------------

#: Tasks the chat route accepts (the engine chosen must also know the task).
CHAT_TASKS = ("ask", "clean", "features", "validate", "model", "explain")
#: Most frames one chat request may name (each card gets a share of the prompt budget).
CHAT_MAX_FRAMES = 10
#: Most notebook cells one chat request may carry as context.
CHAT_MAX_NOTEBOOK_CELLS = 50
#: Longest user message, in characters.
CHAT_MAX_MESSAGE = 20_000


@dataclass(frozen=True)
class ChatRequest:
    """A validated body of ``POST /llmds/chat``."""

    kernel: str
    frames: tuple[str, ...]
    task: str
    message: str = ""
    notebook_cells: tuple[str, ...] = ()
    #: Earlier turns ``{"role", "content"}``, oldest first, already trimmed.
    history: tuple[dict, ...] = ()
    schema_library: str = DEFAULT_SCHEMA_LIBRARY
    #: The privacy mode and card budget the user chose (``None``: the server's); a locked mode wins.
    privacy: str | None = None
    budget: int | None = None


@dataclass(frozen=True)
class ChatPlan:
    """What a chat answer needs once the request is checked and the cards are built."""

    engine: object
    cards: list
    privacy: str
    model: str | None
    #: Token budget of the cards together (capped by the administrator's maximum).
    budget: int | None = None


def parse_chat_body(raw_body: bytes | str) -> ChatRequest:
    """Validate the JSON body of ``POST /llmds/chat``.

    Parameters
    ----------
    raw_body : bytes or str
        ``{"kernel": ID, "frames": ["df", ...], "task": "ask", "message": "...",
        "notebook_cells": ["source", ...], "history": [{"role": "user" |
        "assistant", "content": "..."}, ...], "schema": "pandera"}``;
        everything after ``task`` is optional, except that ``ask`` needs a
        message.

    Returns
    -------
    ChatRequest
        Frame names stripped, duplicates dropped (first kept); the history
        trimmed to its newest turns (see
        :func:`jupyterlab_llmds.prompts.base.checked_history`), not refused
        for length.

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) with a sentence naming the field that is wrong.
    """
    body = json_object_body(raw_body, '{"kernel": ..., "frames": ["df"], "task": "ask", "message": ...}')
    kernel = required_text(body, "kernel")
    task = required_text(body, "task")
    if task not in CHAT_TASKS:
        raise bad_request(f"Unknown task {task!r}; the tasks are: {', '.join(CHAT_TASKS)}.")
    frames = body.get("frames")
    if not isinstance(frames, list) or not frames:
        raise bad_request('The request needs "frames", a non-empty list of DataFrame names.')
    names: list[str] = []
    for frame in frames:
        if not isinstance(frame, str) or not frame.strip():
            raise bad_request('Every entry of "frames" must be a non-empty DataFrame name.')
        if frame.strip() not in names:
            names.append(frame.strip())
    if len(names) > CHAT_MAX_FRAMES:
        raise bad_request(f"A chat request may name at most {CHAT_MAX_FRAMES} frames, not {len(names)}.")
    message = body.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise bad_request('"message" must be a string (the user\'s words).')
    if len(message) > CHAT_MAX_MESSAGE:
        raise bad_request(f'"message" is too long: at most {CHAT_MAX_MESSAGE} characters.')
    if task == "ask" and not message.strip():
        raise bad_request('The task "ask" needs the question in "message".')
    cells = body.get("notebook_cells", [])
    if cells is None:
        cells = []
    if not isinstance(cells, list) or not all(isinstance(cell, str) for cell in cells):
        raise bad_request('"notebook_cells" must be a list of cell sources (strings).')
    if len(cells) > CHAT_MAX_NOTEBOOK_CELLS:
        raise bad_request(f'"notebook_cells" may hold at most {CHAT_MAX_NOTEBOOK_CELLS} cells.')
    from ..prompts.base import checked_history

    try:
        history = checked_history(body.get("history"))
    except ValueError as error:
        raise bad_request(str(error)) from None
    return ChatRequest(
        kernel,
        tuple(names),
        task,
        message.strip(),
        tuple(cells),
        tuple(history),
        schema_field(body),
        privacy=privacy_field(body),
        budget=budget_field(body),
    )


async def prepare_chat(bridge: KernelBridge, request: ChatRequest, settings: LlmdsSettings | None = None) -> ChatPlan:
    """Choose the engine and build every frame's card, before any byte of the answer is written.

    The engine is the server's default (``get_engine(None, settings)``), so
    the administrator's endpoint and model lists apply; the cards are built
    in the configured privacy mode (locked or default) with the excluded
    columns, one frame after the other (the kernel answers one request at a
    time).

    Raises
    ------
    LlmdsError
        ``engine_config`` (500) for unusable model settings, ``unknown_task``
        (400) when the engine lacks the task (checked before the kernel is
        asked), ``bad_request`` (400) / ``schema_not_installed`` (409) for a
        schema library the engine or the kernel lacks, else the bridge's
        errors (``frame_not_found`` ...).
    """
    from ..engines.base import get_engine, user_tasks

    settings = settings or LlmdsSettings()
    try:
        engine = get_engine(None, settings)
    except ConfigurationError as error:
        raise LlmdsError("engine_config", 500, f"The model settings of this server cannot be used: {error}") from error
    known_tasks = user_tasks(engine)
    if request.task not in known_tasks:
        hint = " (configure a model for the other tasks)" if engine.name == "builtin" else ""
        raise LlmdsError(
            "unknown_task",
            400,
            f"The {engine.name} engine cannot do task {request.task!r}; it does: {', '.join(known_tasks)}{hint}.",
        )
    if schema_extra(request.task, request.schema_library):
        await check_schema_library(bridge, request.kernel, engine, request.schema_library)
    mode, _, budget = resolved_card_options(settings, request.privacy, request.budget)
    cards = []
    for frame in request.frames:
        cards.append(
            await bridge.card(request.kernel, frame, privacy=mode, exclude=list(settings.excluded_columns))
        )
    model = settings.model if engine.name == "openai" else None
    return ChatPlan(engine=engine, cards=cards, privacy=mode, model=model, budget=budget)


def chat_start_event(plan: ChatPlan) -> dict:
    """The first line of a chat answer."""
    frames = [str(card.get("name", "df")) for card in plan.cards]
    return {"type": "start", "engine": plan.engine.name, "model": plan.model, "frames": frames, "privacy": plan.privacy}


def cells_as_markdown(cells: list) -> str:
    """Cells as one Markdown text: markdown cells as they are, code cells in fenced ``python`` blocks."""
    parts = []
    for cell in cells:
        if cell.cell_type == "code":
            longest = run = 0
            for character in cell.source:
                run = run + 1 if character == "`" else 0
                longest = max(longest, run)
            marker = "`" * max(3, longest + 1)
            parts.append(f"{marker}python\n{cell.source}\n{marker}")
        else:
            parts.append(cell.source)
    return "\n\n".join(parts)


def chat_engine_events(plan: ChatPlan, request: ChatRequest, cancel: threading.Event):
    """The ``delta`` / ``cells`` / ``usage`` / ``error`` lines of a chat answer, as dicts (blocking).

    Runs in a worker thread. An engine that streams (``stream()``) gives one
    ``delta`` per piece; the built-in engine gives its cells as Markdown in
    one ``delta``. Engine failures become one ``error`` line
    (``engine_<kind>``); when ``cancel`` is set the stream stops (the
    upstream HTTP response is closed) and nothing more is yielded.
    """
    from ..engines.base import EngineError, UnknownTaskError

    engine, cards = plan.engine, plan.cards
    # only what there is: engines that take no extra or history keep working
    context: dict = {}
    extra = schema_extra(request.task, request.schema_library)
    if extra:
        context["extra"] = extra
    try:
        if hasattr(engine, "stream"):
            if request.history:
                context["history"] = [dict(turn) for turn in request.history]
            if plan.budget is not None:
                context["budget"] = plan.budget
            stream = engine.stream(
                cards,
                request.task,
                instructions=request.message or None,
                notebook_cells=list(request.notebook_cells) or None,
                cancel=cancel,
                **context,
            )
            try:
                for delta in stream:
                    yield {"type": "delta", "text": delta}
            finally:
                if cancel.is_set():
                    stream.close()  # closes the upstream HTTP response at once
            if stream.cancelled or cancel.is_set():
                return
            cells, usage, notes = stream.cells(), stream.usage, list(stream.notes)
        else:
            # the built-in engine writes from the cards alone: the history does not change its answer
            suggestion = engine.suggest(cards, request.task, instructions=request.message or None, **context)
            cells, usage, notes = suggestion.cells, suggestion.usage, list(suggestion.notes)
            text = cells_as_markdown(cells)
            if text:
                yield {"type": "delta", "text": text}
    except EngineError as error:
        yield {"type": "error", "error": f"engine_{error.kind}", "message": error.message}
        return
    except UnknownTaskError as error:
        yield {"type": "error", "error": "unknown_task", "message": str(error)}
        return
    except ValueError as error:
        yield {"type": "error", "error": "bad_request", "message": str(error)}
        return
    line = {"type": "cells", "cells": [cell.to_dict() for cell in cells]}
    if notes:
        line["notes"] = notes
    yield line
    if usage:
        yield {
            "type": "usage",
            "prompt_tokens": usage.get("prompt_tokens"),
            "completion_tokens": usage.get("completion_tokens"),
        }


#: The chat worker's unexpected failure (the original exception is its ``__cause__``).
ChatWorkerFailed = WorkerFailed


def chat_events(plan: ChatPlan, request: ChatRequest, cancel: threading.Event):
    """:func:`chat_engine_events` run in a worker thread, handed over line by line (an async generator).

    Closing it early (the client went away) sets ``cancel``, which makes the
    engine close its upstream stream.

    Raises
    ------
    ChatWorkerFailed
        When the worker hit an unexpected exception (the caller logs it).
    """
    # looked up at call time, so the module's function is the one that runs
    return events_in_thread(lambda: chat_engine_events(plan, request, cancel), cancel, "llmds-chat")
