"""The OpenAI-compatible engine: data cards and a task sent to a chat-completions endpoint.

It talks to OpenAI's API or to any server that speaks the same protocol
(Ollama, vLLM, llama.cpp, LM Studio, LiteLLM...) through the ``openai``
package's client, pointed at ``settings.base_url``.

What it does on top of the client
---------------------------------
* **Prompts**: :func:`jupyterlab_llmds.prompts.build_messages` (one template
  per task; cards within the budget, fenced as data).
* **Answers**: :func:`~jupyterlab_llmds.engines.answer.parse_answer` cuts the
  Markdown answer into cells.
* **Retries**: the client's own retry loop (``max_retries``) retries 408,
  409, 429 and 5xx answers and unanswered requests; it waits what a
  ``Retry-After`` (or ``retry-after-ms``) header asks, up to 120 s, and
  backs off exponentially (0.5 s doubling, at most 8 s) otherwise. See
  ``openai/_base_client.py``, ``_calculate_retry_timeout`` and
  ``_should_retry``; the tests check it against a local server.
* **Context length**: when the endpoint says the prompt is too long for the
  model, the request is sent once more with half the card budget, and the
  answer carries a note saying so.
* **Failures**: every failure is an :class:`~jupyterlab_llmds.engines.base.EngineError`
  whose ``kind`` says what happened and whose message says what to do. The
  error is raised outside the client's exception handler, so it carries no
  reference to the client's exception (whose request holds the key).

The API key
-----------
Checked before any request only for OpenAI's own API (a host ending in
``openai.com``): there a missing key can only fail. Other endpoints get the
key when one is set; without one the client sends a placeholder bearer token,
which local servers such as Ollama ignore. An endpoint that does want a key
answers 401, which becomes an ``auth`` error telling the user to set
``OPENAI_API_KEY``. The key never appears in messages, notes or ``repr``;
text the endpoint sends back is scrubbed of it (and of anything shaped like
``sk-...``) before it is quoted.

Cancelling a stream
-------------------
``stream(..., cancel=event)`` checks the event before each line of the
event stream (data lines, and the keep-alive comments many servers send) and
closes the HTTP response when it is set: the connection is dropped, so the
server sees the client go away and stops generating.
"""

from __future__ import annotations

import http
import importlib
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

from ..prompts import TASKS, build_messages
from .answer import parse_answer
from .base import Cell, EngineError, Suggestion, UnknownTaskError

#: Sent as the bearer token when no key is set (the client needs one; local servers ignore it).
PLACEHOLDER_API_KEY = "no-key-set"
#: Ollama's default port, for the "is Ollama running?" hint.
OLLAMA_PORT = 11434
#: Host names that mean "this machine".
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "host.docker.internal"}
#: Characters of endpoint text quoted in a message.
MAX_DETAIL_CHARACTERS = 240
#: Phrases endpoints use when the prompt does not fit the model's context window.
CONTEXT_LENGTH_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "prompt is too long",
    "too many tokens",
    "input is too long",
)
#: Anything shaped like an OpenAI key, or a bearer token, in text an endpoint sends back.
KEY_SHAPES = re.compile(r"sk-[A-Za-z0-9_\-*.]{3,}|Bearer\s+\S+", re.IGNORECASE)


def openai_module() -> Any:
    """The ``openai`` package, or an ``EngineError`` saying how to install it."""
    try:
        return importlib.import_module("openai")
    except ImportError:
        raise EngineError(
            "not_installed",
            "The openai engine needs the openai package: run `pip install openai` in the environment of the "
            "Jupyter server or kernel that runs it, then restart it.",
        ) from None


def transport_errors() -> tuple[tuple, tuple]:
    """``(timeout exception types, other transport exception types)`` of the HTTP libraries the client may use.

    Reading a streamed body goes straight to the HTTP library (``httpx2`` for
    recent clients, ``httpx`` before), whose errors the client does not wrap.
    """
    timeouts: list = []
    others: list = []
    for module_name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        others.append(module.TransportError)
    return tuple(timeouts), tuple(others) + (OSError,)


def display_url(url: str) -> str:
    """``url`` without credentials, query or trailing slash: safe to show in a message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def host_of(url: str) -> str:
    """The host (and port) of ``url``."""
    parts = urlsplit(url)
    return (parts.hostname or url) + (f":{parts.port}" if parts.port else "")


def requires_api_key(base_url: str) -> bool:
    """Whether ``base_url`` is OpenAI's own API, where a request without a key can only fail."""
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "openai.com" or host.endswith(".openai.com")


def is_local(base_url: str) -> bool:
    """Whether ``base_url`` points at this machine."""
    return (urlsplit(base_url).hostname or "").lower() in LOCAL_HOSTS


def is_ollama(base_url: str) -> bool:
    """Whether ``base_url`` looks like an Ollama server (its default port, or "ollama" in the host)."""
    parts = urlsplit(base_url)
    return parts.port == OLLAMA_PORT or "ollama" in (parts.hostname or "").lower()


def scrubbed(text: Any, api_key: str | None) -> str:
    """``text`` on one line, without the API key or anything shaped like a key, cut to a readable length."""
    text = " ".join(str(text).split())
    if api_key:
        text = text.replace(api_key, "<key>")
    text = KEY_SHAPES.sub("<key>", text)
    if len(text) > MAX_DETAIL_CHARACTERS:
        text = text[: MAX_DETAIL_CHARACTERS - 1] + "…"
    return text


def error_detail(error: Any) -> str:
    """The endpoint's own explanation in an ``openai.APIError`` (its ``error.message``), else the client's."""
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
    return str(getattr(error, "message", "") or error)


def error_code(error: Any) -> str:
    """The endpoint's error code (``model_not_found``, ``context_length_exceeded``...), or ``""``."""
    code = getattr(error, "code", None)
    if code:
        return str(code)
    body = getattr(error, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and inner.get("code"):
            return str(inner["code"])
    return ""


def mentions_context_length(text: str) -> bool:
    """Whether an endpoint's error text says the prompt is too long for the model."""
    lowered = text.lower()
    return any(marker in lowered for marker in CONTEXT_LENGTH_MARKERS)


def usage_of(usage: Any) -> dict | None:
    """``{"prompt_tokens", "completion_tokens", "total_tokens"}`` from a usage object or dict (``None`` if absent)."""
    if usage is None:
        return None
    values = {}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = usage.get(key) if isinstance(usage, Mapping) else getattr(usage, key, None)
        if isinstance(value, int) and not isinstance(value, bool):
            values[key] = value
    if not values:
        return None
    if "total_tokens" not in values and {"prompt_tokens", "completion_tokens"} <= set(values):
        values["total_tokens"] = values["prompt_tokens"] + values["completion_tokens"]
    return values


@dataclass(frozen=True)
class RequestContext:
    """What a failure message needs to know about the request (never the key itself)."""

    base_url: str
    model: str
    timeout: float
    retries: int
    key_set: bool
    budget: int
    api_key: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # the key stays out of any repr
        return f"RequestContext(base_url={self.base_url!r}, model={self.model!r}, budget={self.budget})"

    @property
    def where(self) -> str:
        return display_url(self.base_url)

    @property
    def host(self) -> str:
        return host_of(self.base_url)

    def retried(self) -> str:
        """``" (after 2 retries)"`` or ``""``."""
        if self.retries <= 0:
            return ""
        return f" (after {self.retries} retr{'y' if self.retries == 1 else 'ies'})"


def context_length_error(context: RequestContext, first_budget: int) -> EngineError:
    """The error when the prompt does not fit even after the retry with half the budget."""
    smaller = max(context.budget // 2, 1)
    return EngineError(
        "context_length",
        f"The prompt is longer than the context window of {context.model!r} even with the data card cut to "
        f"{context.budget} tokens (from {first_budget}). Ask with a smaller budget (e.g. --budget {smaller}), "
        "fewer notebook cells or shorter instructions, or use a model with a larger context window.",
        status=400,
    )


def failure_for(error: Any, context: RequestContext) -> EngineError:
    """The :class:`EngineError` for an exception of the ``openai`` client.

    Parameters
    ----------
    error : openai.OpenAIError
        What the client raised (after its own retries).
    context : RequestContext
        The endpoint, model and limits, for the message.

    Returns
    -------
    EngineError
        Its message says what happened and what to do; text from the
        endpoint is quoted only after :func:`scrubbed`.
    """
    openai = openai_module()
    detail = scrubbed(error_detail(error), context.api_key)
    code = error_code(error)
    status = getattr(error, "status_code", None)
    if isinstance(error, openai.APITimeoutError):
        return EngineError(
            "timeout",
            f"The endpoint {context.where} did not answer within {context.timeout:g} s{context.retried()}. "
            f"Try again; for a slow or local model raise LLMDS_REQUEST_TIMEOUT (now {context.timeout:g} s), or "
            "send a smaller data card with --budget.",
        )
    if isinstance(error, openai.APIConnectionError):
        if is_ollama(context.base_url):
            hint = (
                f"Is Ollama running at {context.where}? Start it with `ollama serve` (and `ollama pull "
                f"{context.model}`), or set OPENAI_BASE_URL to the endpoint you use."
            )
        elif is_local(context.base_url):
            hint = (
                f"Is the model server running at {context.where}? Start it, or set OPENAI_BASE_URL to the "
                "endpoint you use."
            )
        else:
            hint = "Check OPENAI_BASE_URL, the network connection and any proxy between here and there."
        return EngineError("unreachable", f"Could not connect to {context.where}{context.retried()}. {hint}")
    if isinstance(error, openai.AuthenticationError):
        if context.key_set:
            message = (
                f"{context.host} refused the API key (401 Unauthorized). Check that OPENAI_API_KEY holds a "
                f"valid, current key for {context.where}."
            )
        else:
            message = (
                f"{context.host} asks for an API key (401 Unauthorized) and none is set: set OPENAI_API_KEY "
                f"to a key for {context.where}."
            )
        return EngineError("auth", message, status=401)
    if isinstance(error, openai.PermissionDeniedError):
        return EngineError(
            "forbidden",
            f"{context.host} refused access to model {context.model!r} (403 Forbidden): {detail}. Check the "
            "key's project and permissions, or choose another model with LLMDS_MODEL or --model.",
            status=403,
        )
    if isinstance(error, openai.NotFoundError):
        if code == "model_not_found" or "model" in detail.lower():
            pull = f" For Ollama, pull it first: `ollama pull {context.model}`." if is_ollama(context.base_url) else ""
            return EngineError(
                "unknown_model",
                f"{context.host} does not know the model {context.model!r} (404 Not Found). Set LLMDS_MODEL "
                f"(or --model) to a model it serves.{pull}",
                status=404,
            )
        return EngineError(
            "not_found",
            f"Nothing answers at {context.where}/chat/completions (404 Not Found). Check OPENAI_BASE_URL: "
            "OpenAI-compatible servers usually serve under /v1, e.g. http://localhost:11434/v1 for Ollama.",
            status=404,
        )
    if isinstance(error, openai.RateLimitError):
        if code == "insufficient_quota" or "quota" in detail.lower():
            return EngineError(
                "quota",
                f"{context.host} says the account has no quota left (429): {detail}. Check the plan and "
                "billing of the key's account; retrying will not help.",
                status=429,
            )
        response = getattr(error, "response", None)
        wait = response.headers.get("retry-after") if response is not None else None
        asked = f", asking to wait {wait} s" if wait else ""
        return EngineError(
            "rate_limited",
            f"{context.host} is limiting the rate of requests (429 Too Many Requests){asked}, and still "
            f"was{context.retried()}. Wait a little and try again, or check the rate limits of your plan.",
            status=429,
        )
    if isinstance(error, openai.APIStatusError) and status == 400 and (
        code == "context_length_exceeded" or mentions_context_length(detail)
    ):
        return EngineError(
            "context_length",
            f"The prompt (data card budget {context.budget} tokens) is longer than the context window of "
            f"{context.model!r}.",
            status=400,
        )
    if isinstance(error, openai.APIStatusError) and status in (400, 422):
        return EngineError(
            "bad_request",
            f"{context.host} refused the request ({status} {http.HTTPStatus(status).phrase}): {detail}. Check "
            "the model name and LLMDS_TEMPERATURE / LLMDS_MAX_TOKENS, which some models do not accept.",
            status=status,
        )
    if isinstance(error, openai.APIStatusError) and isinstance(status, int) and status >= 500:
        return EngineError(
            "server_error",
            f"{context.host} failed with {status} {phrase(status)}{context.retried()}: {detail}. Try again in "
            "a moment; if it keeps failing the endpoint is down or overloaded (check its status page or logs).",
            status=status,
        )
    if isinstance(error, openai.APIStatusError):
        return EngineError(
            "endpoint_error",
            f"{context.host} answered {status} {phrase(status)}: {detail}.",
            status=status,
        )
    if isinstance(error, getattr(openai, "APIResponseValidationError", ())):
        return EngineError(
            "bad_response",
            f"{context.host} answered with something that is not a chat completion: {detail}. Check that "
            "OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint.",
        )
    return EngineError("endpoint_error", f"The request to {context.where} failed: {detail}.")


def phrase(status: Any) -> str:
    """The reason phrase of an HTTP status (``""`` when unknown)."""
    try:
        return http.HTTPStatus(int(status)).phrase
    except (TypeError, ValueError):
        return ""


def stream_options_refused(error: Any) -> bool:
    """Whether a 400/422 answer refuses the ``stream_options`` parameter (older or stricter servers)."""
    return getattr(error, "status_code", None) in (400, 422) and "stream_options" in error_detail(error)


class AnswerStream:
    """The text deltas of one streamed answer, with what is known once it ends.

    Iterate it for the deltas (``str``). After the iteration ends:
    ``text`` is the whole answer, ``cells()`` cuts it into cells, ``usage``
    holds the token counts when the server sent them, ``notes`` what the
    user should know (a retry with a smaller card, an answer cut at
    ``max_tokens``), ``cancelled`` whether ``cancel`` stopped it.

    Failures raise :class:`EngineError` from the iteration (before the first
    delta for refused requests; mid-way for a broken stream, with the text
    so far kept in ``text``).
    """

    def __init__(self, engine: "OpenAICompatibleEngine", request: dict, cancel: threading.Event | None):
        self.engine = engine
        self.request = request
        self.cancel = cancel
        self.parts: list[str] = []
        self.usage: dict | None = None
        self.notes: list[str] = []
        self.finish_reason: str | None = None
        self.cancelled = False
        self.done = False
        self.response: Any = None
        self.iterator = self.deltas()

    def __iter__(self) -> "AnswerStream":
        return self

    def __next__(self) -> str:
        return next(self.iterator)

    def close(self) -> None:
        """Stop reading and close the HTTP response (also what ``cancel`` does)."""
        self.iterator.close()
        if self.response is not None:
            self.response.close()

    @property
    def text(self) -> str:
        """The answer text received so far."""
        return "".join(self.parts)

    def cells(self) -> list[Cell]:
        """The answer so far cut into cells (see :func:`~jupyterlab_llmds.engines.answer.parse_answer`)."""
        return parse_answer(self.text)

    def should_stop(self) -> bool:
        """Whether ``cancel`` is set (and remember that it was)."""
        if self.cancel is not None and self.cancel.is_set():
            self.cancelled = True
            return True
        return False

    def deltas(self) -> Iterator[str]:
        """Send the request (again with half the budget on a context-length refusal) and yield the deltas."""
        engine, request = self.engine, self.request
        openai = openai_module()
        client = engine.client(request["settings"])
        include_usage = True
        budget = request["budget"]
        halved = False
        while True:
            if self.should_stop():
                return
            messages = request["build"](budget)
            context = engine.context(request["settings"], request["model"], budget)
            arguments = engine.arguments(request["settings"], request["model"], messages, stream=True)
            if include_usage:
                arguments["stream_options"] = {"include_usage": True}
            failure = None
            refused_options = False
            try:
                manager = client.chat.completions.with_streaming_response.create(**arguments)
                self.response = manager.__enter__()
            except openai.APIError as error:
                failure = failure_for(error, context)
                refused_options = include_usage and stream_options_refused(error)
            if refused_options:
                # a server that rejects stream_options still answers without it (no usage then)
                include_usage = False
                continue
            if failure is not None and failure.kind == "context_length" and not halved:
                budget, halved = max(budget // 2, 1), True
                self.notes.append(engine.smaller_card_note(request["model"], request["budget"], budget))
                continue
            if failure is not None and failure.kind == "context_length":
                raise context_length_error(context, request["budget"])
            if failure is not None:
                raise failure
            try:
                yield from self.read(self.response, context)
            finally:
                self.response.close()
            if self.finish_reason == "length":
                self.notes.append(engine.cut_answer_note(request["settings"]))
            return

    def read(self, response: Any, context: RequestContext) -> Iterator[str]:
        """Yield the content deltas of a server-sent-events body; check the end marker arrived."""
        content_type = response.headers.get("content-type", "")
        if "json" in content_type and "event-stream" not in content_type:
            # some servers ignore stream=True and answer with one completion
            yield from self.read_whole(response, context)
            return
        timeouts, broken = transport_errors()
        data_lines: list[str] = []
        event_name = None
        failure = None
        try:
            for line in response.iter_lines():
                if self.should_stop():
                    return
                if line == "":
                    if data_lines:
                        yield from self.event("\n".join(data_lines), event_name, context)
                        if self.done:
                            return
                    data_lines, event_name = [], None
                    continue
                if line.startswith(":"):
                    continue
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "data":
                    data_lines.append(value)
                elif field == "event":
                    event_name = value
            if data_lines and not self.should_stop():
                yield from self.event("\n".join(data_lines), event_name, context)
        except timeouts:
            failure = EngineError(
                "timeout",
                f"{context.host} stopped sending for {context.timeout:g} s in the middle of the answer. Try "
                f"again, or raise LLMDS_REQUEST_TIMEOUT (now {context.timeout:g} s) for a slow model.",
            )
        except broken:
            failure = EngineError(
                "malformed_stream",
                f"The connection to {context.host} broke in the middle of the answer, before its end marker "
                "(data: [DONE]); the answer may be cut. Try again; if it keeps happening, a proxy between here "
                "and the endpoint may be cutting long responses.",
            )
        if failure is not None:
            raise failure
        if not self.done and not self.cancelled:
            raise EngineError(
                "malformed_stream",
                f"The stream from {context.host} ended without its end marker (data: [DONE]), so the answer may "
                "be cut. Try again; if it keeps happening, the endpoint or a proxy in between is cutting long "
                "responses (raise its timeout).",
            )

    def event(self, data: str, event_name: str | None, context: RequestContext) -> Iterator[str]:
        """Handle one event's data: the end marker, a chunk (yield its text) or an error."""
        if data.strip() == "[DONE]":
            self.done = True
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict):
            raise EngineError(
                "malformed_stream",
                f"The stream from {context.host} held an event that is not a JSON object "
                f"({scrubbed(data, context.api_key)[:60]!r}): the endpoint does not speak the chat-completions "
                "streaming protocol. Check that OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint.",
            )
        if chunk.get("error") or event_name == "error":
            problem = chunk.get("error", chunk)
            detail = problem.get("message") if isinstance(problem, Mapping) else problem
            raise EngineError(
                "endpoint_error",
                f"{context.host} reported an error in the middle of the answer: "
                f"{scrubbed(detail, context.api_key)}. Try again.",
            )
        usage = usage_of(chunk.get("usage"))
        if usage:
            self.usage = usage
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, Mapping):
                continue
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
            delta = choice.get("delta")
            content = delta.get("content") if isinstance(delta, Mapping) else None
            if isinstance(content, str) and content:
                self.parts.append(content)
                yield content

    def read_whole(self, response: Any, context: RequestContext) -> Iterator[str]:
        """Yield the text of a non-streamed completion that came back instead of a stream."""
        try:
            body = json.loads(response.read())
            choice = body["choices"][0]
            text = choice["message"]["content"] or ""
        except (ValueError, KeyError, IndexError, TypeError):
            raise EngineError(
                "bad_response",
                f"{context.host} answered the streaming request with JSON that is not a chat completion. Check "
                "that OPENAI_BASE_URL points at an OpenAI-compatible /v1 endpoint.",
            ) from None
        self.usage = usage_of(body.get("usage"))
        self.finish_reason = choice.get("finish_reason")
        self.done = True
        if text:
            self.parts.append(text)
            yield text


class OpenAICompatibleEngine:
    """Engine that asks a chat-completions endpoint (OpenAI or compatible) for cells.

    Parameters
    ----------
    settings : jupyterlab_llmds.config.LlmdsSettings, optional
        Endpoint, key, model and limits. When omitted they are read from the
        environment and ``jupyter_llmds_config.json`` on each request, so a
        long-lived engine follows changes.

    Notes
    -----
    The engine keeps one client per endpoint/key/limits and is safe to share
    between threads (the client is).
    """

    name = "openai"
    #: Every task with a prompt template.
    tasks = TASKS

    def __init__(self, settings: Any = None):
        self.fixed_settings = settings
        self.clients: dict = {}
        self.lock = threading.Lock()

    def __repr__(self) -> str:
        return "OpenAICompatibleEngine()"

    @property
    def settings(self) -> Any:
        """The settings given, else fresh ones from the environment and the config file."""
        if self.fixed_settings is not None:
            return self.fixed_settings
        from ..config import ConfigurationError, settings_from_environment

        try:
            return settings_from_environment()
        except ConfigurationError as error:
            raise EngineError("bad_request", str(error)) from None

    def client(self, settings: Any) -> Any:
        """The ``openai.OpenAI`` client for these settings (made once, then reused)."""
        openai = openai_module()
        identity = (settings.effective_base_url, settings.api_key, settings.request_timeout, settings.max_retries)
        with self.lock:
            client = self.clients.get(identity)
            if client is None:
                client = openai.OpenAI(
                    api_key=settings.api_key or PLACEHOLDER_API_KEY,
                    base_url=settings.effective_base_url,
                    timeout=settings.request_timeout,
                    max_retries=settings.max_retries,
                )
                self.clients[identity] = client
        return client

    def check_settings(self) -> tuple[Any, str]:
        """``(settings, model)`` once the settings can make a request at all (no card, no network).

        Raises
        ------
        EngineError
            ``not_installed``, ``not_allowed`` (endpoint or model outside the
            administrator's lists), ``missing_key`` (OpenAI's API without a
            key), ``no_model``.
        """
        openai_module()
        settings = self.settings
        base_url = settings.effective_base_url
        if not settings.base_url_allowed(base_url):
            allowed = ", ".join(settings.allowed_base_urls)
            raise EngineError(
                "not_allowed",
                f"The administrator allows the openai engine to reach only {allowed}; {display_url(base_url)} "
                "is not one of them. Set OPENAI_BASE_URL to one of those, or ask your administrator.",
            )
        if requires_api_key(base_url) and not settings.api_key:
            raise EngineError(
                "missing_key",
                f"No API key for {display_url(base_url)}: set OPENAI_API_KEY to your OpenAI API key "
                "(https://platform.openai.com/api-keys), or point OPENAI_BASE_URL at a local OpenAI-compatible "
                "server such as Ollama (http://localhost:11434/v1), which needs none.",
            )
        model = settings.model
        if not model:
            raise EngineError(
                "no_model",
                "No model chosen: set LLMDS_MODEL (e.g. gpt-4o-mini for OpenAI, llama3.1 for Ollama), add "
                '"model" to jupyter_llmds_config.json, or pass --model NAME to %%llm.',
            )
        if not settings.model_allowed(model):
            allowed = ", ".join(settings.allowed_models)
            raise EngineError(
                "not_allowed",
                f"The administrator allows only these models: {allowed}; {model!r} is not one of them. Set "
                "LLMDS_MODEL (or --model) to one of those.",
            )
        return settings, model

    def checked_request(self, cards: list, task: str, budget: int | None) -> tuple[Any, str, int]:
        """``(settings, model, budget)`` after every check that needs no request.

        Raises
        ------
        UnknownTaskError
            For a task without a template.
        ValueError
            For no cards or an unusable budget.
        EngineError
            ``not_installed``, ``not_allowed`` (endpoint or model outside the
            administrator's lists), ``missing_key`` (OpenAI's API without a
            key), ``no_model``.
        """
        if task not in self.tasks:
            supported = ", ".join(repr(name) for name in self.tasks)
            raise UnknownTaskError(f"The openai engine cannot do task {task!r}; it supports: {supported}.")
        if not cards:
            raise ValueError("No data card given: the openai engine needs the card of at least one frame.")
        settings, model = self.check_settings()
        from ..config import ConfigurationError

        try:
            budget = settings.resolve_budget(budget)
        except ConfigurationError as error:
            raise ValueError(str(error)) from None
        return settings, model, budget

    def context(self, settings: Any, model: str, budget: int) -> RequestContext:
        """What failure messages need to know about a request."""
        return RequestContext(
            base_url=settings.effective_base_url,
            model=model,
            timeout=settings.request_timeout,
            retries=settings.max_retries,
            key_set=bool(settings.api_key),
            budget=budget,
            api_key=settings.api_key,
        )

    @staticmethod
    def arguments(settings: Any, model: str, messages: list, stream: bool) -> dict:
        """Arguments of ``chat.completions.create``; temperature and max_tokens only when configured.

        Leaving them out when unset matters: some models refuse any
        temperature but the default, and ``max_tokens`` is named differently
        by newer OpenAI models.
        """
        arguments: dict = {"model": model, "messages": messages, "stream": stream}
        if settings.temperature is not None:
            arguments["temperature"] = settings.temperature
        if settings.max_tokens is not None:
            arguments["max_tokens"] = settings.max_tokens
        return arguments

    @staticmethod
    def smaller_card_note(model: str, budget: int, smaller: int) -> str:
        """The note added when the card was sent again with half the budget."""
        return (
            f"The prompt was too long for the context window of {model!r}, so it was sent again with the data "
            f"card cut to {smaller} tokens (from {budget}); details of some columns were left out."
        )

    @staticmethod
    def cut_answer_note(settings: Any) -> str:
        """The note added when the answer stopped at the token limit."""
        limit = f" ({settings.max_tokens})" if settings.max_tokens else ""
        return (
            f"The answer reached the model's token limit{limit} and is cut short: raise LLMDS_MAX_TOKENS, or "
            "ask for less."
        )

    def request(
        self,
        cards: list,
        task: str,
        instructions: str | None,
        notebook_cells: list | None,
        budget: int | None,
        extra: Mapping[str, Any] | None,
        history: list | None = None,
    ) -> dict:
        """Everything one request needs, checked, with a function that builds the messages for a budget."""
        cards = list(cards or [])
        settings, model, budget = self.checked_request(cards, task, budget)

        def build(card_budget: int) -> list[dict]:
            return build_messages(task, cards, instructions, notebook_cells, card_budget, extra, history=history)

        build(budget)  # unusable extra keys fail here, before anything is sent
        return {"settings": settings, "model": model, "budget": budget, "build": build, "cards": cards, "task": task}

    def suggest(
        self,
        cards: list,
        task: str,
        instructions: str | None = None,
        notebook_cells: list | None = None,
        *,
        budget: int | None = None,
        extra: Mapping[str, Any] | None = None,
        history: list | None = None,
    ) -> Suggestion:
        """Ask the endpoint (one non-streamed request) and cut the answer into cells.

        Parameters
        ----------
        cards : list of dict
            Data card dicts, already in the privacy mode that applies.
        task : str
            One of :attr:`tasks`.
        instructions : str, optional
            The user's words.
        notebook_cells : list of str, optional
            Recent cells that use the frames, oldest first (context).
        budget : int, optional
            Token budget of the data cards; the settings' default when
            omitted, capped at their maximum.
        extra : dict, optional
            Task facts (``target``, ``focus``; ``explain``'s model facts;
            ``schema_library`` for the tasks that write checks).
        history : list of dict, optional
            Earlier turns of the conversation (``{"role", "content"}``,
            oldest first), sent between the system message and the new
            request; see :func:`jupyterlab_llmds.prompts.base.checked_history`.

        Returns
        -------
        Suggestion
            Cells in answer order, with ``usage`` when the server reported
            it and ``notes`` (e.g. the card was sent again with half the budget).

        Raises
        ------
        EngineError
            For every failure to get an answer (see ``ENGINE_ERROR_KINDS``).
        UnknownTaskError, ValueError
            For an unknown task, no cards, unusable budget or ``extra``.
        """
        request = self.request(cards, task, instructions, notebook_cells, budget, extra, history)
        openai = openai_module()
        settings, model = request["settings"], request["model"]
        client = self.client(settings)
        budget = request["budget"]
        notes: list[str] = []
        halved = False
        while True:
            context = self.context(settings, model, budget)
            arguments = self.arguments(settings, model, request["build"](budget), stream=False)
            failure = None
            response = None
            try:
                response = client.chat.completions.create(**arguments)
            except openai.APIError as error:
                failure = failure_for(error, context)
            except ValueError:
                failure = EngineError(
                    "bad_response",
                    f"{context.host} answered with a body that is not JSON. Check that OPENAI_BASE_URL points at "
                    "an OpenAI-compatible /v1 endpoint.",
                )
            if failure is not None and failure.kind == "context_length" and not halved:
                # once: half the card usually fits, and a second cut would leave too little to work from
                budget, halved = max(budget // 2, 1), True
                notes.append(self.smaller_card_note(model, request["budget"], budget))
                continue
            if failure is not None and failure.kind == "context_length":
                raise context_length_error(context, request["budget"])
            if failure is not None:
                raise failure
            break
        text, finish_reason = self.answer_text(response, context)
        if finish_reason == "length":
            notes.append(self.cut_answer_note(settings))
        return Suggestion(
            task=task,
            frame=", ".join(str(card.get("name", "df")) for card in request["cards"]),
            engine=self.name,
            cells=parse_answer(text),
            usage=usage_of(getattr(response, "usage", None)),
            notes=notes,
        )

    @staticmethod
    def answer_text(response: Any, context: RequestContext) -> tuple[str, str | None]:
        """The text and finish reason of a completion, or ``bad_response``."""
        try:
            choice = response.choices[0]
            text = choice.message.content
            finish_reason = choice.finish_reason
        except (AttributeError, IndexError, TypeError):
            text, finish_reason = None, None
        if not isinstance(text, str) or not text.strip():
            raise EngineError(
                "bad_response",
                f"{context.host} answered without any text (is {context.model!r} a chat model?). Try again, or "
                "choose another model with LLMDS_MODEL.",
            )
        return text, finish_reason

    def stream(
        self,
        cards: list,
        task: str,
        instructions: str | None = None,
        notebook_cells: list | None = None,
        cancel: threading.Event | None = None,
        *,
        budget: int | None = None,
        extra: Mapping[str, Any] | None = None,
        history: list | None = None,
    ) -> AnswerStream:
        """Ask the endpoint for a streamed answer; iterate the result for the text deltas.

        Parameters
        ----------
        cards, task, instructions, notebook_cells, budget, extra, history
            As for :meth:`suggest`.
        cancel : threading.Event, optional
            Checked before each line of the stream; when set, the HTTP
            response is closed (the server sees the connection go) and the
            iteration ends without error (``cancelled`` is then true).

        Returns
        -------
        AnswerStream
            An iterator of ``str`` deltas; after it ends, ``text``,
            ``cells()``, ``usage`` (requested with
            ``stream_options={"include_usage": True}``; ``None`` from servers
            that ignore it) and ``notes``.

        Raises
        ------
        UnknownTaskError, ValueError, EngineError
            The checks that need no request raise here; request and stream
            failures raise from the iteration.
        """
        request = self.request(cards, task, instructions, notebook_cells, budget, extra, history)
        return AnswerStream(self, request, cancel)


def collect(stream: AnswerStream, on_delta: Callable[[str], None] | None = None) -> AnswerStream:
    """Read ``stream`` to its end (calling ``on_delta`` with each piece) and return it."""
    for delta in stream:
        if on_delta is not None:
            on_delta(delta)
    return stream
