"""Prompt templates, one module per task, and :func:`build_messages` to assemble them.

``TASKS`` maps each task name to its module; a module holds ``TASK``,
``DEFAULT_REQUEST`` (used when the user gives no words), ``EXTRA_KEYS`` (the
task-specific facts it accepts), optional ``RULES`` for the system message,
and ``task_text(frames, extra, cards)``.

``repair`` is an internal task (:data:`INTERNAL_TASKS`): the preview sends
it to fix a cell that failed on a copy of the frame; users never ask for it,
so task lists shown to them (``%llm --help``, the chat's tasks) leave it out.
"""

from __future__ import annotations

from . import ask, clean, explain, features, model, repair, validate
from .base import build_messages

#: Task name -> template module, in the order the help lists them.
TASKS = {
    "clean": clean,
    "features": features,
    "validate": validate,
    "ask": ask,
    "model": model,
    "explain": explain,
    "repair": repair,
}

#: Tasks the co-pilot sends by itself, never listed to users.
INTERNAL_TASKS = ("repair",)

__all__ = ["INTERNAL_TASKS", "TASKS", "build_messages"]
