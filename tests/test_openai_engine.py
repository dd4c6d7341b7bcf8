"""The openai engine through the real ``openai`` client against a local chat-completions server.

Nothing here patches the client: it is pointed at :class:`chat_server.ChatServer`
on 127.0.0.1, which speaks the protocol over real sockets and is scripted
per test (answers, statuses, Retry-After, malformed streams, endless streams).
"""

from __future__ import annotations

import logging
import re
import socket
import threading
import time
import traceback
from dataclasses import replace

import pandas as pd
import pytest

from chat_server import ChatServer, Reply, closed_port, error_body, isolated_settings_environment
from jupyterlab_llmds import describe
from jupyterlab_llmds.config import LlmdsSettings
from jupyterlab_llmds.engines import ENGINE_ERROR_KINDS, EngineError, UnknownTaskError
from jupyterlab_llmds.engines.openai_engine import OpenAICompatibleEngine
from jupyterlab_llmds.kernel.prompt import estimate_tokens

API_KEY = "sk-test-DO-NOT-LEAK-0123456789abcdef"
EMAILS = [f"user{index}@example.com" for index in range(12)]


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    isolated_settings_environment(monkeypatch, tmp_path)


@pytest.fixture
def server():
    with ChatServer() as running:
        yield running


@pytest.fixture
def settings(server):
    """Settings pointing at the local server, with a key, short timeouts and one retry."""
    return LlmdsSettings(
        base_url=server.base_url,
        model="test-model",
        api_key=API_KEY,
        request_timeout=5.0,
        max_retries=1,
        default_card_budget=800,
    )


@pytest.fixture
def card():
    frame = pd.DataFrame(
        {
            "email": EMAILS,
            "price": ["$1,200.00", "$3.50", "N/A", "$7.25"] * 3,
            "city": [" NY", "NY", "ny ", "Boston"] * 3,
        }
    )
    return describe(frame, name="orders", privacy="redacted").to_dict()


def card_block(request) -> str:
    """The fenced card text in a recorded request's user message."""
    match = re.search(r"(`{3,})text\n(.*?)\n\1", request.content("user"), re.S)
    assert match, request.content("user")
    return match.group(2)


def failure(call) -> EngineError:
    with pytest.raises(EngineError) as caught:
        call()
    error = caught.value
    assert error.kind in ENGINE_ERROR_KINDS
    assert "\n" not in error.message
    assert_no_key(error)
    return error


def assert_no_key(error: BaseException) -> None:
    """The key is in no rendering of the error, nor in anything it links to."""
    rendered = "".join(traceback.format_exception(error)) + repr(error) + str(error) + repr(vars(error))
    assert API_KEY not in rendered
    assert error.__cause__ is None and error.__context__ is None


# --------------------------------------------------------------------------
# Answers


def test_non_streamed_answer_becomes_cells_with_usage(server, settings, card):
    server.script(Reply(text="Plan:\n\n```python\norders_clean = orders.copy()\n```\n\nCheck the dtypes."))
    suggestion = OpenAICompatibleEngine(settings).suggest([card], "clean", "keep the order")

    assert [(cell.cell_type, cell.source) for cell in suggestion.cells] == [
        ("markdown", "Plan:"),
        ("code", "orders_clean = orders.copy()"),
        ("markdown", "Check the dtypes."),
    ]
    assert (suggestion.task, suggestion.frame, suggestion.engine) == ("clean", "orders", "openai")
    assert suggestion.usage == {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
    assert suggestion.notes == []
    assert suggestion.to_dict()["usage"]["total_tokens"] == 366

    (request,) = server.chat_requests
    assert request.body["model"] == "test-model" and request.body["stream"] is False
    assert "temperature" not in request.body and "max_tokens" not in request.body
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert [message["role"] for message in request.messages] == ["system", "user"]
    assert request.content("user").rstrip().endswith("keep the order")


def test_streamed_answer_yields_deltas_then_cells_and_usage(server, settings, card):
    answer = "Converting.\n\n```python\norders_clean = orders.copy()\norders_clean['price'] = 1\n```\n"
    server.script(Reply(text=answer, chunk_size=5))
    stream = OpenAICompatibleEngine(settings).stream([card], "clean")
    deltas = list(stream)

    assert len(deltas) > 5 and "".join(deltas) == answer == stream.text
    assert [cell.cell_type for cell in stream.cells()] == ["markdown", "code"]
    assert stream.usage == {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366}
    assert stream.done and not stream.cancelled and stream.finish_reason == "stop"
    (request,) = server.chat_requests
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}


def test_a_server_that_ignores_stream_options_still_works(server, settings, card):
    server.script(Reply(text="Fine.", honour_stream_options=False))
    stream = OpenAICompatibleEngine(settings).stream([card], "ask", "what is in it?")
    assert "".join(stream) == "Fine." and stream.usage is None


def test_a_server_that_refuses_stream_options_is_asked_again_without(server, settings, card):
    server.default_reply = Reply(text="Fine.", reject_stream_options=True)
    stream = OpenAICompatibleEngine(settings).stream([card], "ask")
    assert "".join(stream) == "Fine."
    first, second = server.chat_requests
    assert "stream_options" in first.body and "stream_options" not in second.body


def test_temperature_and_max_tokens_are_sent_when_set(server, settings, card):
    engine = OpenAICompatibleEngine(replace(settings, temperature=0.2, max_tokens=300))
    engine.suggest([card], "validate")
    (request,) = server.chat_requests
    assert request.body["temperature"] == 0.2 and request.body["max_tokens"] == 300


def test_an_answer_cut_at_max_tokens_says_so(server, settings, card):
    server.script(Reply(text="```python\nx = (", finish_reason="length"))
    suggestion = OpenAICompatibleEngine(replace(settings, max_tokens=5)).suggest([card], "clean")
    assert suggestion.cells[0].source == "x = ("
    assert "token limit (5)" in suggestion.notes[0]


def test_the_request_carries_the_card_within_budget_and_privacy(server, settings, card):
    engine = OpenAICompatibleEngine(settings)
    engine.suggest([card], "clean", budget=300)
    request = server.chat_requests[-1]
    block = card_block(request)
    assert estimate_tokens(block) <= 300
    assert "issues: pii ×12" in block and "<email_1>" in block
    assert not any(email.encode() in request.raw_body for email in EMAILS)

    schema_card = describe(pd.DataFrame({"email": EMAILS}), name="people", privacy="schema").to_dict()
    engine.suggest([schema_card], "ask", "how many people?")
    raw = server.chat_requests[-1].raw_body
    assert not any(email.encode() in raw for email in EMAILS)
    assert b"Privacy: schema" in raw


def test_every_task_is_supported(server, settings, card):
    engine = OpenAICompatibleEngine(settings)
    assert set(engine.tasks) == {"clean", "features", "validate", "ask", "model", "explain", "repair"}
    for task in engine.tasks:
        # repair (sent by the preview, never by users) needs the cell to fix
        engine.suggest([card], task, extra={"code": "df_clean = df.copy()"} if task == "repair" else None)
    assert len(server.chat_requests) == len(engine.tasks)
    assert all(
        f"## Task: {task}" in request.content("user") for request, task in zip(server.chat_requests, engine.tasks)
    )
    with pytest.raises(UnknownTaskError, match="cannot do task 'plot'"):
        engine.suggest([card], "plot")
    with pytest.raises(ValueError, match="No data card"):
        engine.suggest([], "clean")


# --------------------------------------------------------------------------
# Retries


def test_429_is_retried_after_retry_after(server, settings, card):
    server.script(
        Reply(status=429, error=error_body("Rate limit reached", "requests", "rate_limit_exceeded"),
              headers={"Retry-After": "1"}),
    )
    suggestion = OpenAICompatibleEngine(settings).suggest([card], "clean")
    first, second = server.chat_requests
    assert second.received - first.received >= 0.95
    assert second.headers.get("x-stainless-retry-count") == "1"
    assert suggestion.cells


def test_429_that_persists_says_to_wait(server, settings, card):
    server.default_reply = Reply(
        status=429, error=error_body("Rate limit reached", "requests", "rate_limit_exceeded"),
        headers={"Retry-After": "0.1"},
    )
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "rate_limited" and error.status == 429
    assert "429 Too Many Requests" in error.message and "after 1 retry" in error.message
    assert "Wait a little and try again" in error.message
    assert len(server.chat_requests) == 2


def test_quota_exhausted_is_not_a_rate_limit(server, settings, card):
    server.default_reply = Reply(
        status=429, error=error_body("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
        headers={"x-should-retry": "false"},
    )
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "quota" and "billing" in error.message


def test_500_is_retried_then_succeeds(server, settings, card):
    server.script(Reply(status=500, error=error_body("The server had an error", "server_error")))
    stream = OpenAICompatibleEngine(settings).stream([card], "clean")
    assert "df_clean" in "".join(stream)
    assert len(server.chat_requests) == 2


def test_5xx_that_persists_says_what_to_do(server, settings, card):
    server.default_reply = Reply(status=503, error=error_body("overloaded", "server_error"))
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "server_error" and error.status == 503
    assert "503 Service Unavailable (after 1 retry): overloaded" in error.message
    assert "Try again in a moment" in error.message


def context_limit(limit_characters: int):
    """A responder refusing prompts longer than ``limit_characters`` like OpenAI does."""

    def respond(request):
        if len(request.content("user")) > limit_characters:
            return Reply(
                status=400,
                error=error_body(
                    "This model's maximum context length is 4096 tokens. However, your messages resulted in "
                    "9000 tokens. Please reduce the length of the messages.",
                    code="context_length_exceeded",
                    param="messages",
                ),
            )
        return None

    return respond


@pytest.mark.parametrize("streamed", [False, True])
def test_context_length_is_retried_once_with_half_the_budget(server, settings, card, streamed):
    wide = pd.DataFrame({f"column_{index}": range(20) for index in range(150)})
    wide_card = describe(wide, name="wide").to_dict()
    engine = OpenAICompatibleEngine(settings)
    # measure the full-budget prompt, then refuse anything that long
    engine.suggest([wide_card], "clean", budget=2000)
    full_length = len(server.chat_requests[-1].content("user"))
    server.responder = context_limit(full_length - 1)

    if streamed:
        result = engine.stream([wide_card], "clean", budget=2000)
        "".join(result)
    else:
        result = engine.suggest([wide_card], "clean", budget=2000)

    refused, accepted = server.chat_requests[-2:]
    assert len(refused.content("user")) == full_length
    assert estimate_tokens(card_block(accepted)) <= 1000 < estimate_tokens(card_block(refused))
    (note,) = result.notes
    assert "sent again with the data card cut to 1000 tokens (from 2000)" in note


def test_context_length_that_persists_after_the_retry(server, settings, card):
    server.responder = context_limit(10)
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean", budget=1000))
    assert error.kind == "context_length"
    assert "even with the data card cut to 500 tokens (from 1000)" in error.message
    assert "--budget 250" in error.message
    assert len(server.chat_requests) == 2


# --------------------------------------------------------------------------
# Failures and their messages


def test_missing_key_for_openai_is_caught_before_any_request(card):
    settings = LlmdsSettings(model="gpt-4o-mini")  # OpenAI's API, no key
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "missing_key"
    assert error.message.startswith("No API key for https://api.openai.com/v1: set OPENAI_API_KEY")
    assert "http://localhost:11434/v1" in error.message


def test_a_local_endpoint_needs_no_key(server, settings, card):
    OpenAICompatibleEngine(replace(settings, api_key=None)).suggest([card], "clean")
    assert server.chat_requests[0].headers["authorization"] == "Bearer no-key-set"


def test_no_model(server, settings, card):
    error = failure(lambda: OpenAICompatibleEngine(replace(settings, model=None)).suggest([card], "clean"))
    assert error.kind == "no_model" and "set LLMDS_MODEL" in error.message and "--model NAME" in error.message
    assert server.requests == []


def test_administrators_allow_lists_are_checked_before_any_request(server, settings, card):
    elsewhere = replace(settings, allowed_base_urls=("https://llm.internal.example/v1",))
    error = failure(lambda: OpenAICompatibleEngine(elsewhere).suggest([card], "clean"))
    assert error.kind == "not_allowed" and "reach only https://llm.internal.example/v1" in error.message
    other_model = replace(settings, allowed_models=("approved-model",))
    error = failure(lambda: OpenAICompatibleEngine(other_model).stream([card], "clean"))
    assert error.kind == "not_allowed" and "'test-model' is not one of them" in error.message
    assert server.requests == []
    # the endpoint is compared without its trailing slash (LlmdsConfig normalises the list the same way)
    allowed = replace(settings, base_url=server.base_url + "/", allowed_base_urls=(server.base_url,),
                      allowed_models=("test-model",))
    assert OpenAICompatibleEngine(allowed).suggest([card], "clean").cells


@pytest.mark.parametrize("key", [API_KEY, None])
def test_401(server, settings, card, key):
    server.default_reply = Reply(
        status=401,
        error=error_body(f"Incorrect API key provided: {API_KEY}. You can find your API key at ...",
                         code="invalid_api_key"),
    )
    error = failure(lambda: OpenAICompatibleEngine(replace(settings, api_key=key)).suggest([card], "clean"))
    assert error.kind == "auth" and error.status == 401
    if key:
        assert "refused the API key (401 Unauthorized). Check that OPENAI_API_KEY" in error.message
    else:
        assert "asks for an API key (401 Unauthorized) and none is set: set OPENAI_API_KEY" in error.message


def test_unknown_model_404(server, settings, card):
    server.default_reply = Reply(
        status=404,
        error=error_body("The model `test-model` does not exist or you do not have access to it.",
                         code="model_not_found"),
    )
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "unknown_model"
    assert error.message.endswith("does not know the model 'test-model' (404 Not Found). Set LLMDS_MODEL "
                                  "(or --model) to a model it serves.")


def test_wrong_base_url_path_404(server, settings, card):
    no_v1 = replace(settings, base_url=server.base_url[: -len("/v1")])
    error = failure(lambda: OpenAICompatibleEngine(no_v1).suggest([card], "clean"))
    assert error.kind == "not_found" and "usually serve under /v1" in error.message
    assert server.requests[0].path == "/chat/completions"


def test_unreachable_endpoint(settings, card):
    down = replace(settings, base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=0)
    error = failure(lambda: OpenAICompatibleEngine(down).suggest([card], "clean"))
    assert error.kind == "unreachable"
    assert "Is the model server running at http://127.0.0.1:" in error.message


def test_unreachable_ollama_asks_whether_it_runs():
    # The client's own connection error for Ollama's address, whatever
    # listens on that port on this machine (the real refused connection is
    # test_unreachable_endpoint's).
    import httpx
    import openai

    from jupyterlab_llmds.engines.openai_engine import RequestContext, failure_for

    where = "http://127.0.0.1:11434/v1"
    refused = openai.APIConnectionError(request=httpx.Request("POST", f"{where}/chat/completions"))
    context = RequestContext(base_url=where, model="llama3.1", timeout=5.0, retries=0, key_set=False, budget=2000)
    error = failure_for(refused, context)
    assert error.kind == "unreachable"
    assert "Is Ollama running at http://127.0.0.1:11434/v1? Start it with `ollama serve`" in error.message


def test_timeout(server, settings, card):
    server.default_reply = Reply(headers_delay=1.0)
    slow = replace(settings, request_timeout=0.3, max_retries=0)
    started = time.monotonic()
    error = failure(lambda: OpenAICompatibleEngine(slow).suggest([card], "clean"))
    assert time.monotonic() - started < 1.0
    assert error.kind == "timeout"
    assert "did not answer within 0.3 s. Try again; for a slow or local model raise LLMDS_REQUEST_TIMEOUT" in (
        error.message
    )


def test_a_stream_that_stalls_times_out(server, settings, card):
    server.default_reply = Reply(text="abcdefgh", chunk_size=2, delay=0.8)
    stalled = replace(settings, request_timeout=0.3, max_retries=0)
    error = failure(lambda: list(OpenAICompatibleEngine(stalled).stream([card], "clean")))
    assert error.kind == "timeout" and "stopped sending for 0.3 s in the middle of the answer" in error.message


def test_bad_json_in_the_stream(server, settings, card):
    server.default_reply = Reply(text="Start", raw_events=["{'not': json"])
    stream = OpenAICompatibleEngine(settings).stream([card], "clean")
    error = failure(lambda: list(stream))
    assert error.kind == "malformed_stream"
    assert "held an event that is not a JSON object" in error.message
    assert stream.text == "Start"  # what came before is kept


def test_a_stream_ending_without_done(server, settings, card):
    server.default_reply = Reply(text="Half an answer", send_done=False)
    stream = OpenAICompatibleEngine(settings).stream([card], "clean")
    error = failure(lambda: list(stream))
    assert error.kind == "malformed_stream"
    assert "ended without its end marker (data: [DONE])" in error.message
    assert stream.text == "Half an answer"


def test_an_error_event_in_the_stream(server, settings, card):
    server.default_reply = Reply(text="Start", raw_events=['{"error": {"message": "model crashed"}}'])
    error = failure(lambda: list(OpenAICompatibleEngine(settings).stream([card], "clean")))
    assert error.kind == "endpoint_error" and "model crashed" in error.message


def test_a_body_that_is_not_a_completion(server, settings, card):
    server.default_reply = Reply(body='{"hello": "world"}')
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "bad_response" and "answered without any text" in error.message


def test_a_bad_request_quotes_the_endpoint_without_the_key(server, settings, card):
    server.default_reply = Reply(
        status=400, error=error_body(f"temperature is not supported with this model (key {API_KEY})")
    )
    error = failure(lambda: OpenAICompatibleEngine(settings).suggest([card], "clean"))
    assert error.kind == "bad_request"
    assert "refused the request (400 Bad Request): temperature is not supported with this model (key <key>)" in (
        error.message
    )


# --------------------------------------------------------------------------
# Cancelling


def test_cancel_closes_the_stream_and_the_server_sees_it(server, settings, card):
    server.default_reply = Reply(forever=True, delay=0.02)
    cancel = threading.Event()
    stream = OpenAICompatibleEngine(settings).stream([card], "clean", cancel=cancel)
    started = time.monotonic()
    received = []
    for delta in stream:
        received.append(delta)
        if len(received) == 3:
            cancel.set()
    assert received == ["tick "] * 3 and stream.cancelled and not stream.done
    assert server.disconnected.wait(3), "the server never saw the client go"
    assert time.monotonic() - started < 3


def test_closing_the_stream_also_drops_the_connection(server, settings, card):
    server.default_reply = Reply(forever=True, delay=0.02)
    stream = OpenAICompatibleEngine(settings).stream([card], "clean")
    assert next(stream) == "tick "
    stream.close()
    assert server.disconnected.wait(3)


def test_cancel_set_before_the_request_sends_nothing(server, settings, card):
    cancel = threading.Event()
    cancel.set()
    stream = OpenAICompatibleEngine(settings).stream([card], "clean", cancel=cancel)
    assert list(stream) == [] and stream.cancelled
    assert server.requests == []


# --------------------------------------------------------------------------
# The key stays secret


def test_the_key_is_in_no_repr_and_no_log(server, settings, card, caplog):
    caplog.set_level(logging.DEBUG)
    engine = OpenAICompatibleEngine(settings)
    engine.suggest([card], "clean")
    list(engine.stream([card], "clean"))
    server.default_reply = Reply(status=401, error=error_body(f"Incorrect API key provided: {API_KEY}"))
    failure(lambda: engine.suggest([card], "clean"))
    assert API_KEY not in repr(settings) and API_KEY not in repr(engine)
    assert API_KEY not in caplog.text
    assert all(API_KEY not in str(record.args) for record in caplog.records)
