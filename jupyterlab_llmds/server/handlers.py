"""Thin tornado handlers: parse the request, call :mod:`.service`, write JSON.

Every answer, errors included, is JSON. Errors are
``{"error": kind, "message": sentence}``; unexpected exceptions are logged
with their traceback in the server log and answered as ``internal`` without
it, so the browser never sees a traceback.
"""

from __future__ import annotations

import json
import threading
from http.client import responses
from typing import Any

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado import web
from tornado.iostream import StreamClosedError

from ..config import LlmdsSettings
from . import preview_service, service
from .bridge import KernelBridge
from .errors import LlmdsError

#: Key of the :class:`~jupyterlab_llmds.config.LlmdsSettings` in the tornado application settings.
SETTINGS_KEY = "llmds_settings"

#: Error kinds for HTTP errors raised by tornado or jupyter-server itself.
KIND_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


class LlmdsHandler(APIHandler):
    """Base of the jupyterlab-llmds routes: JSON answers and JSON errors."""

    # Both routes run code in a kernel, so they need the right to execute
    # in kernels, like the kernel websocket does.
    auth_resource = "kernels"

    def bridge(self) -> KernelBridge:
        """A bridge to this server's kernels."""
        return KernelBridge(self.kernel_manager, self.kernel_spec_manager)

    def llmds_settings(self) -> LlmdsSettings:
        """The administrator's settings read when the extension loaded (defaults if none)."""
        return self.settings.get(SETTINGS_KEY) or LlmdsSettings()

    def answer(self, payload: dict) -> None:
        """Finish with a 200 JSON answer."""
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def answer_error(self, error: LlmdsError) -> None:
        """Finish with the JSON answer of a known error."""
        self.set_status(error.status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(error.to_dict()))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """Answer errors raised outside our code (auth, bugs) in our JSON shape, without traceback."""
        exception = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exception, web.HTTPError):
            kind = KIND_BY_STATUS.get(status_code, "http_error")
            message = exception.log_message or responses.get(status_code, "Request failed")
            if status_code == 403:
                message = "You are not logged in to this Jupyter server, or may not run code in its kernels."
        else:
            kind = "internal"
            message = "jupyterlab-llmds hit an unexpected error; the Jupyter server log has the details."
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": kind, "message": message}))


class FramesHandler(LlmdsHandler):
    """``GET /llmds/frames?kernel=ID``: the DataFrames of a kernel."""

    @web.authenticated
    @authorized("execute")
    async def get(self) -> None:
        """List the kernel's DataFrames."""
        try:
            payload = await service.frames_answer(self.bridge(), self.get_query_argument("kernel", ""))
        except LlmdsError as error:
            self.answer_error(error)
            return
        self.answer(payload)


class EngineHandler(LlmdsHandler):
    """``GET /llmds/engine``: which engine and model answer, which tasks they do, the privacy rules."""

    @web.authenticated
    @authorized("execute")
    async def get(self) -> None:
        """Describe the server's engine (no kernel, no model asked)."""
        self.answer(service.engine_answer(self.llmds_settings()))


class SuggestHandler(LlmdsHandler):
    """``POST /llmds/suggest``: cells for a task on a kernel's DataFrame."""

    @web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        """Write the suggestion for ``{"kernel", "frame", "task"}``."""
        try:
            request = service.parse_suggest_body(self.request.body)
            payload = await service.suggest_answer(self.bridge(), request, self.llmds_settings())
        except LlmdsError as error:
            self.answer_error(error)
            return
        self.answer(payload)


class CardHandler(LlmdsHandler):
    """``GET /llmds/card?kernel=ID&frame=NAME[&privacy=MODE][&budget=N]``: the prompt for a frame."""

    @web.authenticated
    @authorized("execute")
    async def get(self) -> None:
        """Answer the card, its prompt and the prompt's estimated tokens."""
        try:
            request = service.parse_card_query(
                self.get_query_argument("kernel", None),
                self.get_query_argument("frame", None),
                self.get_query_argument("privacy", None),
                self.get_query_argument("budget", None),
            )
            payload = await service.card_answer(self.bridge(), request, self.llmds_settings())
        except LlmdsError as error:
            self.answer_error(error)
            return
        self.answer(payload)


class NdjsonStreamHandler(LlmdsHandler):
    """Base of the streamed routes: one JSON object per line (``application/x-ndjson``), flushed as made.

    When the client goes away (tornado's ``on_connection_close``, or a
    failed write), ``cancel`` is set so the work behind the stream stops
    (and closes its request to the model), and nothing more is written.
    """

    cancel: threading.Event | None = None
    #: Whether the client has gone (no more lines are written then).
    client_gone = False

    def start_stream(self) -> threading.Event:
        """Set the 200 status and streaming headers; return the new ``cancel`` event."""
        self.cancel = threading.Event()
        self.set_status(200)
        self.set_header("Content-Type", "application/x-ndjson")
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Accel-Buffering", "no")  # no buffering in an nginx proxy
        return self.cancel

    async def end_stream(self) -> None:
        """Finish the answer (quietly when the client has gone)."""
        try:
            await self.finish(set_content_type="application/x-ndjson")
        except StreamClosedError:
            pass

    def on_connection_close(self) -> None:
        """The client went away: stop the engine (and its upstream request)."""
        self.client_gone = True
        if self.cancel is not None:
            self.cancel.set()
        super().on_connection_close()

    async def send_line(self, payload: dict) -> bool:
        """Write one JSON line and flush it; ``False`` when the client has gone."""
        if self.client_gone:
            return False
        try:
            self.write(json.dumps(payload) + "\n")
            await self.flush()
        except StreamClosedError:
            self.client_gone = True
            if self.cancel is not None:
                self.cancel.set()
            return False
        return True


class ChatHandler(NdjsonStreamHandler):
    """``POST /llmds/chat``: a streamed answer, one JSON object per line (``application/x-ndjson``).

    Errors found before the first byte (bad body, kernel, frame, unknown
    task, model settings) are plain JSON error answers with their HTTP
    status; once the 200 stream has started, an engine failure is an
    ``{"type": "error"}`` line followed by ``{"type": "done"}``. When the
    browser drops the request the engine's ``cancel`` event is set, which
    closes the upstream stream to the model.
    """

    @web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        """Stream the answer to ``{"kernel", "frames", "task", "message", "notebook_cells"}``."""
        try:
            request = service.parse_chat_body(self.request.body)
            plan = await service.prepare_chat(self.bridge(), request, self.llmds_settings())
        except LlmdsError as error:
            self.answer_error(error)
            return
        self.start_stream()
        if await self.send_line(service.chat_start_event(plan)):
            events = service.chat_events(plan, request, self.cancel)
            try:
                async for event in events:
                    if not await self.send_line(event):
                        break
            except service.ChatWorkerFailed as failure:
                self.log.error("jupyterlab-llmds chat failed", exc_info=failure.__cause__)
                await self.send_line(
                    {
                        "type": "error",
                        "error": "internal",
                        "message": "jupyterlab-llmds hit an unexpected error; the Jupyter server log has the details.",
                    }
                )
            finally:
                await events.aclose()
            await self.send_line({"type": "done"})
        await self.end_stream()


class PreviewHandler(NdjsonStreamHandler):
    """``POST /llmds/preview``: preview a cell on a copy of a frame, and repair it, as JSON lines.

    Errors found before the first byte (bad body, model settings, kernel,
    frame) are plain JSON error answers with their HTTP status; the lines
    (``start``, ``safety``, ``attempt``, ``repairing``, ``error``, ``done``)
    come from :mod:`.preview_service`. A client that goes away stops the
    repair loop and a model request in flight.
    """

    @web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        """Stream the preview of ``{"kernel", "frame", "code", "task", "repair", "allow_flagged"}``."""
        try:
            request = preview_service.parse_preview_body(self.request.body)
            plan = await preview_service.prepare_preview(self.bridge(), request, self.llmds_settings())
        except LlmdsError as error:
            self.answer_error(error)
            return
        cancel = self.start_stream()
        if await self.send_line(preview_service.preview_start_event(plan, request)):
            events = preview_service.preview_events(plan, request, self.bridge(), cancel)
            try:
                async for event in events:
                    if not await self.send_line(event):
                        break
            finally:
                await events.aclose()
        await self.end_stream()
