"""What the REST routes do, as plain Python: validate, ask the kernel, write cells.

Handlers parse HTTP and write answers; everything in between lives here so it
can be read (and called) without tornado.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from .. import __version__
from ..config import ConfigurationError, LlmdsSettings
from .bridge import KernelBridge
from .errors import LlmdsError


@dataclass(frozen=True)
class SuggestRequest:
    """A validated body of ``POST /llmds/suggest``."""

    kernel: str
    frame: str
    task: str


def bad_request(message: str) -> LlmdsError:
    """The error for a request the client got wrong (400 ``bad_request``)."""
    return LlmdsError("bad_request", 400, message)


def required_text(body: dict, field: str) -> str:
    """A non-empty string field of the body, or a 400 saying which one is wrong."""
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"The request needs a non-empty string {field!r}.")
    return value.strip()


def parse_suggest_body(raw_body: bytes | str) -> SuggestRequest:
    """Validate the JSON body of ``POST /llmds/suggest``.

    Parameters
    ----------
    raw_body : bytes or str
        The request body, ``{"kernel": ID, "frame": "df", "task": "clean"}``.

    Returns
    -------
    SuggestRequest

    Raises
    ------
    LlmdsError
        ``bad_request`` (400) for invalid JSON, a non-object, or a missing or
        empty ``kernel`` / ``frame`` / ``task``.
    """
    try:
        body = json.loads(raw_body or b"")
    except (TypeError, ValueError, UnicodeDecodeError) as error:
        raise bad_request(f"The request body is not valid JSON ({error}).") from error
    if not isinstance(body, dict):
        raise bad_request('The request body must be a JSON object like {"kernel": ..., "frame": ..., "task": ...}.')
    return SuggestRequest(
        kernel=required_text(body, "kernel"),
        frame=required_text(body, "frame"),
        task=required_text(body, "task"),
    )


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
        ``unknown_task`` (400) besides the bridge's errors.
    """
    from ..config import ConfigurationError
    from ..engines.base import EngineError, UnknownTaskError, get_engine
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
    known_tasks = sorted(getattr(engine, "tasks", None) or [])
    if known_tasks and request.task not in known_tasks:
        raise LlmdsError(
            "unknown_task", 400, f"Unknown task {request.task!r}; the tasks are: {', '.join(known_tasks)}."
        )
    mode, _, _ = resolved_card_options(settings, None, None)
    card = await bridge.card(request.kernel, request.frame, privacy=mode, exclude=list(settings.excluded_columns))
    try:
        # In a worker thread: an engine may take a while (or call a remote
        # model later), and the server's event loop serves everyone else.
        suggestion = await asyncio.to_thread(suggest_from_cards, [card], task=request.task, engine=engine)
    except UnknownTaskError as error:
        raise LlmdsError("unknown_task", 400, str(error)) from error
    except EngineError as error:
        # the model's endpoint failed: its message already says what to do
        raise LlmdsError(f"engine_{error.kind}", 502, str(error)) from error
    # The version goes into the inserted cells' metadata, so a notebook
    # records which release wrote them.
    return {**suggestion.to_dict(), "version": __version__}
