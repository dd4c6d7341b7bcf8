"""What every engine shares: the cells it writes, the suggestion, the protocol.

Engines are pure Python and work from data card dicts only, so the same
engine runs in jupyter-server (for the sidebar) and in the kernel (for the
magics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Protocol, runtime_checkable

CellType = Literal["markdown", "code"]


class UnknownTaskError(ValueError):
    """The engine does not know how to do the task it was asked for."""


#: What can go wrong talking to a language model, as ``EngineError.kind`` (the
#: later REST route and the sidebar switch on these; docs/architecture.md says
#: when each is raised).
ENGINE_ERROR_KINDS = (
    "not_installed",
    "missing_key",
    "no_model",
    "not_allowed",
    "auth",
    "forbidden",
    "unknown_model",
    "not_found",
    "unreachable",
    "timeout",
    "rate_limited",
    "quota",
    "server_error",
    "context_length",
    "bad_request",
    "malformed_stream",
    "bad_response",
    "endpoint_error",
)


class EngineError(RuntimeError):
    """An engine could not get an answer; ``message`` says what happened and what to do.

    Parameters
    ----------
    kind : str
        One of :data:`ENGINE_ERROR_KINDS`.
    message : str
        One line for the user (never holds an API key).
    status : int, optional
        The HTTP status the endpoint answered, when it answered.

    Attributes
    ----------
    kind, message, status
        As given.
    """

    def __init__(self, kind: str, message: str, status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status

    def __repr__(self) -> str:
        return f"EngineError({self.kind!r}, {self.message!r})"

    def to_dict(self) -> dict:
        """``{"error": kind, "message": message}``, the shape of the REST routes' error answers."""
        return {"error": self.kind, "message": self.message}


@dataclass
class Cell:
    """One notebook cell an engine proposes.

    Attributes
    ----------
    cell_type : {"markdown", "code"}
        The kind of notebook cell.
    source : str
        The cell's text.
    """

    cell_type: CellType
    source: str

    def to_dict(self) -> dict:
        """Return ``{"cell_type": ..., "source": ...}``."""
        return {"cell_type": self.cell_type, "source": self.source}


@dataclass
class Suggestion:
    """Cells an engine wrote for a task on a frame.

    Attributes
    ----------
    task : str
        The task, e.g. ``"clean"``.
    frame : str
        The name of the frame the cells work on.
    engine : str
        The name of the engine that wrote them.
    cells : list of Cell
        Markdown and code cells, in notebook order.
    usage : dict or None
        ``{"prompt_tokens", "completion_tokens", "total_tokens"}`` when a
        language-model endpoint reported them.
    notes : list of str
        Sentences about how the answer was obtained that the user should
        see (e.g. the card was sent again cut to half its budget).
    """

    task: str
    frame: str
    engine: str
    cells: list[Cell] = field(default_factory=list)
    usage: dict | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON-safe suggestion dict of ``docs/architecture.md``.

        ``usage`` and ``notes`` appear only when there is something to say,
        so the built-in engine's dict keeps its four keys.
        """
        answer = {
            "task": self.task,
            "frame": self.frame,
            "engine": self.engine,
            "cells": [cell.to_dict() for cell in self.cells],
        }
        if self.usage:
            answer["usage"] = dict(self.usage)
        if self.notes:
            answer["notes"] = list(self.notes)
        return answer

    @property
    def code(self) -> str:
        """All code cells joined, in order (handy to run or to show)."""
        return "\n\n".join(cell.source for cell in self.cells if cell.cell_type == "code")

    @property
    def markdown(self) -> str:
        """All markdown cells joined, in order."""
        return "\n\n".join(cell.source for cell in self.cells if cell.cell_type == "markdown")


@runtime_checkable
class Engine(Protocol):
    """An engine turns data cards and a task into a :class:`Suggestion`.

    Language-model engines (:class:`~jupyterlab_llmds.engines.openai_engine.OpenAICompatibleEngine`)
    also accept ``notebook_cells``, ``budget`` and ``extra`` in ``suggest``,
    offer ``stream(...)`` (an iterator of text deltas that accepts a
    ``cancel`` event), and raise :class:`EngineError` when no answer comes.
    """

    name: str
    #: The tasks this engine writes cells for, keyed by task name (the magic's
    #: help and the server's early task check list them).
    tasks: Mapping[str, Any]

    def suggest(self, cards: list[dict], task: str, instructions: str | None = None) -> Suggestion:
        """Write cells for ``task`` on the frames the ``cards`` describe.

        Raises
        ------
        UnknownTaskError
            When the engine does not support ``task``.
        """
        ...


def available_engines() -> list[str]:
    """Names :func:`get_engine` accepts."""
    return ["builtin", "openai"]


def user_tasks(engine: Any) -> list[str]:
    """Task names an engine declares that users may ask for, sorted; empty when it declares none.

    The internal tasks (``repair``, which the preview sends by itself with the
    failing code) are left out: asked for directly they have nothing to work on.
    """
    from ..prompts import INTERNAL_TASKS

    return sorted(task for task in (getattr(engine, "tasks", None) or []) if task not in INTERNAL_TASKS)


def get_engine(name: str | None = None, settings: Any = None) -> Engine:
    """Return the engine called ``name`` (``None`` means the configured default).

    Parameters
    ----------
    name : str or None
        ``"builtin"``, ``"openai"``, or ``None`` for the default: ``openai``
        when ``OPENAI_BASE_URL`` (or ``base_url``) is set, or an API key and
        a model are; the built-in engine otherwise (see
        :func:`jupyterlab_llmds.config.default_engine_name`).
    settings : jupyterlab_llmds.config.LlmdsSettings, optional
        Settings for the openai engine and the default choice; the
        environment and ``jupyter_llmds_config.json`` when omitted (read
        again by the engine on each request).

    Returns
    -------
    Engine
        A ready engine.

    Raises
    ------
    ValueError
        For any other name, saying which engines exist, or
        (``ConfigurationError``) for unusable settings when ``name`` is ``None``.
    """
    if name is None:
        if settings is not None:
            name = settings.default_engine
        else:
            from ..config import default_engine_name, model_settings

            name = default_engine_name(model_settings())
    if name == "builtin":
        from .builtin import BuiltinEngine

        return BuiltinEngine()
    if name == "openai":
        from .openai_engine import OpenAICompatibleEngine

        return OpenAICompatibleEngine(settings)
    choices = ", ".join(repr(choice) for choice in available_engines())
    raise ValueError(f"Unknown engine {name!r}: the available engines are {choices} (or None for the default one).")
