"""Register the jupyterlab-llmds REST routes with jupyter-server."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .handlers import SETTINGS_KEY, CardHandler, ChatHandler, EngineHandler, FramesHandler, PreviewHandler, SuggestHandler

#: Every route lives under ``<base_url>/llmds``.
ROUTE_PREFIX = "llmds"


def route_handlers(base_url: str) -> list[tuple[str, type]]:
    """The ``(pattern, handler)`` pairs of the routes under ``base_url``.

    Parameters
    ----------
    base_url : str
        The server's base URL, e.g. ``"/"`` or ``"/user/ada/"``.

    Returns
    -------
    list of tuple
        Patterns built with ``url_path_join`` so a base URL with or without
        a trailing slash gives the same routes.
    """
    return [
        (url_path_join(base_url, ROUTE_PREFIX, "frames"), FramesHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "engine"), EngineHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "suggest"), SuggestHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "card"), CardHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "chat"), ChatHandler),
        (url_path_join(base_url, ROUTE_PREFIX, "preview"), PreviewHandler),
    ]


def setup_handlers(web_app: Any, settings: Any = None) -> None:
    """Add the routes to the server's tornado application.

    Parameters
    ----------
    web_app : jupyter_server.serverapp.ServerWebApplication
        ``server_app.web_app``; its ``add_handlers`` warns
        (``JupyterServerAuthWarning``) about any method without an
        authentication rule, which the test suite turns into an error.
    settings : jupyterlab_llmds.config.LlmdsSettings, optional
        The administrator's settings (privacy mode and lock, excluded
        columns, budgets); the handlers read them from the application
        settings. The defaults apply when omitted.
    """
    if settings is not None:
        web_app.settings[SETTINGS_KEY] = settings
    web_app.add_handlers(".*$", route_handlers(web_app.settings["base_url"]))
