"""Prompt templates, one module per task, and :func:`build_messages` to assemble them.

``TASKS`` maps each task name to its module; a module holds ``TASK``,
``DEFAULT_REQUEST`` (used when the user gives no words), ``EXTRA_KEYS`` (the
task-specific facts it accepts), optional ``RULES`` for the system message,
and ``task_text(frames, extra, cards)``.
"""

from __future__ import annotations

from . import ask, clean, explain, features, model, validate
from .base import build_messages

#: Task name -> template module, in the order the help lists them.
TASKS = {
    "clean": clean,
    "features": features,
    "validate": validate,
    "ask": ask,
    "model": model,
    "explain": explain,
}

__all__ = ["TASKS", "build_messages"]
