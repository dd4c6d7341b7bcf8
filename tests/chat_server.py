"""A real chat-completions server on 127.0.0.1 for the openai engine's tests.

It speaks the protocol the ``openai`` client expects, over real HTTP/1.1
sockets (stdlib ``http.server``, one thread per connection):

* ``POST /v1/chat/completions`` without ``stream``: one JSON completion;
* with ``"stream": true``: server-sent events in a chunked body, one
  ``data: {chunk}`` event per piece of the answer, a usage chunk when the
  request asks for it with ``stream_options.include_usage`` (unless scripted
  not to), then ``data: [DONE]``;
* any other path: ``404 page not found`` as plain text (what Ollama answers).

Each test scripts what the server answers (:class:`Reply`: text, status and
OpenAI-style error body, headers such as ``Retry-After``, delay between
chunks or before the headers, raw malformed events, a missing ``[DONE]``, a
stream that never ends) and reads back every request it received
(:class:`RecordedRequest`: path, headers, JSON body, arrival time), and
whether a client dropped a stream (``disconnected``).

Also the environment fixture the openai tests share: :func:`isolated_settings_environment`
clears every ``OPENAI_*`` / ``LLMDS_*`` variable a developer may have set and
points the Jupyter config path at an empty directory, so the built-in
engine stays the default and no ``jupyter_llmds_config.json`` leaks in.
"""

from __future__ import annotations

import collections
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

#: Usage the server reports unless a reply says otherwise.
DEFAULT_USAGE = {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}

DEFAULT_ANSWER = "Here is the plan.\n\n```python\ndf_clean = df.copy()\n```\n\nDone."

#: Longest a never-ending stream runs if no client ever goes (keeps a broken test from hanging).
FOREVER_LIMIT_SECONDS = 30

#: Variables that change which engine is the default or how it talks (cleared for every test).
SETTINGS_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_ADMIN_KEY",
    "OPENAI_CUSTOM_HEADERS",
    "OPENAI_WEBHOOK_SECRET",
    "LLMDS_MODEL",
    "LLMDS_TEMPERATURE",
    "LLMDS_MAX_TOKENS",
    "LLMDS_REQUEST_TIMEOUT",
    "LLMDS_MAX_RETRIES",
    "LLMDS_PRIVACY",
    "LLMDS_CARD_BUDGET",
    "LLMDS_EXCLUDE",
    "LLMDS_REPAIR_ATTEMPTS",
    "LLMDS_PREVIEW_ROWS",
    "LLMDS_PREVIEW_TIMEOUT",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_NO_CONFIG",
    "JUPYTER_PREFER_ENV_PATH",
)


def isolated_settings_environment(monkeypatch: Any, config_dir: Any) -> None:
    """Clear the settings variables and make ``config_dir`` the only user config directory.

    ``JUPYTER_CONFIG_PATH`` (first in ``jupyter_config_path()``) points at
    ``config_dir`` too, so a test's ``jupyter_llmds_config.json`` there wins
    over any file in the system directories.
    """
    for variable in SETTINGS_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", str(config_dir))


def error_body(message: str, kind: str = "invalid_request_error", code: str | None = None, param: Any = None) -> dict:
    """An OpenAI-style error body: ``{"error": {"message", "type", "param", "code"}}``."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


@dataclass
class Reply:
    """What the server answers to one request.

    Attributes
    ----------
    text : str
        The answer (streamed in ``chunk_size`` pieces, or whole).
    status : int
        HTTP status; anything but 200 sends ``error`` as the JSON body.
    error : dict or None
        The JSON body of an error answer (see :func:`error_body`).
    headers : dict
        Extra response headers (``Retry-After``...).
    chunk_size : int
        Characters per streamed delta.
    delay : float
        Seconds between streamed chunks.
    headers_delay : float
        Seconds before anything is sent (to make the client time out).
    usage : dict or None
        Reported usage (non-streamed always; streamed when asked for).
    honour_stream_options : bool
        When false the server ignores ``stream_options`` (no usage chunk).
    reject_stream_options : bool
        When true a request carrying ``stream_options`` is refused with 400.
    send_done : bool
        Whether the stream ends with ``data: [DONE]``.
    raw_events : list of str or None
        ``data:`` payloads sent verbatim after the text (malformed streams).
    forever : bool
        Stream ``tick`` pieces until the client goes away.
    finish_reason : str
        The final chunk's / choice's ``finish_reason``.
    body : str or None
        A verbatim 200 body instead of a completion (garbage answers).
    """

    text: str = DEFAULT_ANSWER
    status: int = 200
    error: dict | None = None
    headers: dict = field(default_factory=dict)
    chunk_size: int = 7
    delay: float = 0.0
    headers_delay: float = 0.0
    usage: dict | None = field(default_factory=lambda: dict(DEFAULT_USAGE))
    honour_stream_options: bool = True
    reject_stream_options: bool = False
    send_done: bool = True
    raw_events: list | None = None
    forever: bool = False
    finish_reason: str = "stop"
    body: str | None = None


@dataclass
class RecordedRequest:
    """One request as the server received it."""

    method: str
    path: str
    headers: dict
    raw_body: bytes
    body: Any
    received: float

    @property
    def messages(self) -> list:
        """The chat messages of the request body."""
        return (self.body or {}).get("messages", [])

    def content(self, role: str) -> str:
        """The content of the first message with ``role``."""
        for message in self.messages:
            if message.get("role") == role:
                return message.get("content", "")
        return ""


class ChatServer:
    """The scripted chat-completions server; use as a context manager or call ``start()`` / ``stop()``."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.replies: collections.deque = collections.deque()
        self.default_reply = Reply()
        #: Optional ``callable(RecordedRequest) -> Reply | None`` consulted before the script.
        self.responder: Callable[[RecordedRequest], Reply | None] | None = None
        self.disconnected = threading.Event()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> "ChatServer":
        server = self

        class Handler(ChatHandler):
            chat_server = server

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
        if self.thread is not None:
            self.thread.join(timeout=5)

    def __enter__(self) -> "ChatServer":
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        """The URL to give the client (``http://127.0.0.1:PORT/v1``)."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies``, in order (then ``default_reply``)."""
        with self.lock:
            self.replies.extend(replies)

    def next_reply(self, request: RecordedRequest) -> Reply:
        if self.responder is not None:
            reply = self.responder(request)
            if reply is not None:
                return reply
        with self.lock:
            return self.replies.popleft() if self.replies else self.default_reply

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Requests that reached ``/v1/chat/completions``."""
        return [request for request in self.requests if request.path == "/v1/chat/completions"]


class QuietServer(ThreadingHTTPServer):
    """A threading server that neither waits for its handler threads on close nor prints their errors."""

    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # a client that hangs up mid-answer is part of what the tests do
        pass


class ChatHandler(BaseHTTPRequestHandler):
    """Speaks the chat-completions protocol for :class:`ChatServer`."""

    protocol_version = "HTTP/1.1"
    chat_server: ChatServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(
            method="POST",
            path=self.path,
            headers={key.lower(): value for key, value in self.headers.items()},
            raw_body=raw,
            body=body,
            received=time.monotonic(),
        )
        self.chat_server.record(request)
        if self.path != "/v1/chat/completions":
            self.send_plain(404, "404 page not found")
            return
        reply = self.chat_server.next_reply(request)
        if reply.headers_delay:
            time.sleep(reply.headers_delay)
        try:
            if reply.reject_stream_options and isinstance(body, dict) and "stream_options" in body:
                self.send_json(400, error_body("Unrecognized request argument supplied: stream_options"), {})
            elif reply.status != 200:
                self.send_json(reply.status, reply.error or error_body("error"), reply.headers)
            elif reply.body is not None:
                self.send_plain(200, reply.body, content_type="application/json")
            elif isinstance(body, dict) and body.get("stream"):
                self.send_stream(reply, body)
            else:
                self.send_json(200, completion(reply, body), reply.headers)
        except (BrokenPipeError, ConnectionResetError):
            self.chat_server.disconnected.set()
            self.close_connection = True

    def send_plain(self, status: int, text: str, content_type: str = "text/plain") -> None:
        data = text.encode("utf8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_json(self, status: int, payload: Any, headers: dict) -> None:
        data = json.dumps(payload).encode("utf8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_chunk(self, data: bytes) -> None:
        """One piece of a chunked body, flushed at once (raises when the client has gone)."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def send_event(self, payload: Any) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self.send_chunk(f"data: {text}\n\n".encode("utf8"))

    def send_stream(self, reply: Reply, body: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        model = body.get("model", "test-model")
        self.send_chunk(b": keep-alive\n\n")
        self.send_event(chunk(model, {"role": "assistant", "content": ""}))
        if reply.forever:
            started = time.monotonic()
            while not self.chat_server.stopping.is_set() and time.monotonic() - started < FOREVER_LIMIT_SECONDS:
                self.send_event(chunk(model, {"content": "tick "}))
                time.sleep(reply.delay or 0.02)
            return
        text = reply.text
        for start in range(0, len(text), max(reply.chunk_size, 1)):
            if reply.delay:
                time.sleep(reply.delay)
            self.send_event(chunk(model, {"content": text[start : start + reply.chunk_size]}))
        for payload in reply.raw_events or []:
            self.send_chunk(f"data: {payload}\n\n".encode("utf8"))
        self.send_event(chunk(model, {}, finish_reason=reply.finish_reason))
        options = body.get("stream_options") or {}
        if reply.honour_stream_options and options.get("include_usage") and reply.usage:
            self.send_event({**chunk(model, {}), "choices": [], "usage": reply.usage})
        if reply.send_done:
            self.send_event("[DONE]")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()


def chunk(model: str, delta: dict, finish_reason: str | None = None) -> dict:
    """One ``chat.completion.chunk``."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


def completion(reply: Reply, body: Any) -> dict:
    """One non-streamed ``chat.completion``."""
    model = body.get("model", "test-model") if isinstance(body, dict) else "test-model"
    answer = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": reply.text}, "finish_reason": reply.finish_reason}
        ],
    }
    if reply.usage:
        answer["usage"] = reply.usage
    return answer


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment_without_settings() -> dict:
    """A copy of ``os.environ`` without the settings variables (for subprocesses)."""
    return {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
