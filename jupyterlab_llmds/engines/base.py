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
    """

    task: str
    frame: str
    engine: str
    cells: list[Cell] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON-safe suggestion dict of ``docs/architecture.md``."""
        return {
            "task": self.task,
            "frame": self.frame,
            "engine": self.engine,
            "cells": [cell.to_dict() for cell in self.cells],
        }

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
    """An engine turns data cards and a task into a :class:`Suggestion`."""

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
    return ["builtin"]


def get_engine(name: str | None = None) -> Engine:
    """Return the engine called ``name`` (``None`` means the built-in one).

    Parameters
    ----------
    name : str or None
        ``None`` or ``"builtin"``.

    Returns
    -------
    Engine
        A ready engine.

    Raises
    ------
    ValueError
        For any other name, saying which engines exist.
    """
    if name is None or name == "builtin":
        from .builtin import BuiltinEngine

        return BuiltinEngine()
    choices = ", ".join(repr(choice) for choice in available_engines())
    raise ValueError(f"Unknown engine {name!r}: the available engines are {choices} (or None for the built-in one).")
