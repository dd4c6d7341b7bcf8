"""jupyterlab-llmds: an LLM data co-pilot that sees your live kernel DataFrames.

The public Python API is shared by the JupyterLab sidebar (through the server
extension), the ``%llm`` / ``%%llm`` magics and users' own scripts:

- :func:`describe` builds the data card of a DataFrame.
- :func:`suggest` writes cells (markdown and code) for a task on a frame.
- :func:`list_frames` lists the DataFrames in a namespace.

Imports stay lazy: this module is imported inside users' kernels, where
pulling in tornado or jupyter_server would cost time for nothing.
"""

from __future__ import annotations

try:
    from ._version import __version__
except ImportError:  # pragma: no cover - only in a checkout that was never built
    __version__ = "0.0.0.dev0"

__all__ = [
    "__version__",
    "describe",
    "list_frames",
    "load_ipython_extension",
    "suggest",
]


def describe(*args, **kwargs):
    """Build the data card of a DataFrame; see :func:`jupyterlab_llmds.kernel.card.describe`."""
    from .kernel.card import describe as _describe

    return _describe(*args, **kwargs)


def suggest(*args, **kwargs):
    """Write cells for a task on a frame; see :func:`jupyterlab_llmds.suggestion.suggest`."""
    from .suggestion import suggest as _suggest

    return _suggest(*args, **kwargs)


def list_frames(*args, **kwargs):
    """List the DataFrames in a namespace; see :func:`jupyterlab_llmds.kernel.frames.list_frames`."""
    from .kernel.frames import list_frames as _list_frames

    return _list_frames(*args, **kwargs)


def _jupyter_labextension_paths():
    """Tell JupyterLab where the prebuilt frontend lives."""
    return [{"src": "labextension", "dest": "jupyterlab-llmds"}]


def _jupyter_server_extension_points():
    """Tell jupyter-server which module holds the server extension."""
    return [{"module": "jupyterlab_llmds"}]


def _load_jupyter_server_extension(server_app):
    """Register the REST routes with a running jupyter-server, with the administrator's settings."""
    from .config import LlmdsConfig
    from .server.app import setup_handlers

    # c.LlmdsConfig.* in the server's configuration, else LLMDS_* variables, else defaults
    settings = LlmdsConfig(config=server_app.config).settings()
    setup_handlers(server_app.web_app, settings)
    server_app.log.info(
        "jupyterlab_llmds: server extension loaded at /llmds (privacy %s%s)",
        settings.privacy_mode,
        ", locked" if settings.lock_privacy_mode else "",
    )


def load_ipython_extension(ipython):
    """Register the ``%llm`` / ``%%llm`` magics (``%load_ext jupyterlab_llmds``)."""
    from .magics import register

    register(ipython)
