"""``POST /llmds/chat``: a real server, a real kernel and a real chat-completions server.

The answer is JSON lines (``application/x-ndjson``) flushed as they are made:
``start``, ``delta``..., ``cells``, ``usage``, ``done``, or an ``error`` line
before ``done`` when the engine fails; a client that hangs up stops the
upstream stream to the model.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from chat_server import Reply
from conftest import assert_no_traceback, kernel_session, post_stream, server_config
from jupyter_server.utils import url_path_join

API_KEY = "sk-test-chat-route-secret-0123456789"

FRAMES = """
import pandas as pd
df = pd.DataFrame({
    "email": ["ann.lee@example.com", "bob@corp.example.org", "cat@example.net"],
    "price": ["$1,234.50", "$12.00", "N/A"],
})
orders = pd.DataFrame({"order_id": [1, 2, 3], "shipped_on": ["2024-01-02", "2024-01-05", "n/a"]})
"""

ANSWER = """Convert `price` to numbers.

```python
df_clean = df.copy()
df_clean["price"] = pd.to_numeric(df_clean["price"].str.replace(r"[$,]", "", regex=True), errors="coerce")
```
"""

QUESTION = "Which columns should become numbers before I join df to orders?"


@pytest.fixture
def jp_server_config(model_settings, monkeypatch):
    # the key comes from the environment only; the server reads it at load
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    return server_config(model_settings)


async def post_chat(jp_http_port, jp_base_url, jp_auth_header, body, *, credentials=True):
    """POST the body; return ``(response, lines, pieces)``: the JSON lines and how many pieces arrived."""
    response, raw, pieces = await post_stream(
        jp_http_port, jp_base_url, jp_auth_header, "chat", body, credentials=credentials
    )
    assert_no_traceback(raw)
    assert API_KEY not in raw.decode("utf8")
    lines = [json.loads(line) for line in raw.decode("utf8").splitlines() if line.strip()]
    return response, lines, pieces


def types_of(lines: list[dict]) -> list[str]:
    return [line["type"] for line in lines]


async def test_a_streamed_answer_arrives_as_deltas_then_cells_usage_and_done(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    chat.script(Reply(text=ANSWER, chunk_size=9, delay=0.02))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {
            "kernel": kernel.kernel_id,
            "frames": ["df", "orders"],
            "task": "ask",
            "message": QUESTION,
            "notebook_cells": ["orders.merge(df, how='left')"],
        }
        response, lines, pieces = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)

    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    kinds = types_of(lines)
    assert kinds[0] == "start" and kinds[-1] == "done"
    assert kinds[1:-1] == ["delta"] * kinds.count("delta") + ["cells", "usage"]
    assert kinds.count("delta") > 3
    assert pieces > 3  # flushed as produced, not in one piece at the end
    assert lines[0] == {
        "type": "start",
        "engine": "openai",
        "model": "test-model",
        "frames": ["df", "orders"],
        "privacy": "redacted",
    }
    assert "".join(line["text"] for line in lines if line["type"] == "delta") == ANSWER
    (cells,) = [line for line in lines if line["type"] == "cells"]
    assert [cell["cell_type"] for cell in cells["cells"]] == ["markdown", "code"]
    assert "pd.to_numeric" in cells["cells"][1]["source"]
    assert lines[-2] == {"type": "usage", "prompt_tokens": 321, "completion_tokens": 45}

    (request,) = chat.chat_requests
    assert request.body["stream"] is True and request.body["model"] == "test-model"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    sent = request.content("user")
    # the card of each frame named, in the server's (redacted) privacy mode, and the user's words
    assert "price" in sent and "numeric_string" in sent
    assert "shipped_on" in sent and "order_id" in sent
    assert "ann.lee@example.com" not in sent and "<email_1>" in sent
    assert QUESTION in sent
    assert "orders.merge" in sent


@pytest.mark.parametrize("model_settings", [{}])
async def test_the_builtin_engine_answers_clean_in_one_delta(jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frames": ["df"], "task": "clean", "message": ""}
        response, lines, _ = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)
        missing, missing_lines, _ = await post_chat(
            jp_http_port, jp_base_url, jp_auth_header, {**body, "frames": ["dff"]}
        )
        asking, asking_lines, _ = await post_chat(
            jp_http_port, jp_base_url, jp_auth_header, {**body, "task": "model", "message": "predict price"}
        )

    assert response.code == 200
    assert types_of(lines) == ["start", "delta", "cells", "done"]
    assert lines[0] == {"type": "start", "engine": "builtin", "model": None, "frames": ["df"], "privacy": "redacted"}
    cells = lines[2]["cells"]
    # the cleaning, then the checks of what it promised
    assert [cell["cell_type"] for cell in cells] == ["markdown", "code", "markdown", "code"]
    assert "validation_checks(df_clean)" in cells[3]["source"]
    text = lines[1]["text"]
    assert cells[0]["source"] in text and cells[2]["source"] in text
    assert "```python\n" + cells[1]["source"] + "\n```" in text
    assert "```python\n" + cells[3]["source"] + "\n```" in text
    # errors found before the stream starts are plain JSON answers with their status
    assert missing.code == 404 and missing_lines[0]["error"] == "frame_not_found"
    assert asking.code == 400 and asking_lines[0]["error"] == "unknown_task"
    assert "clean" in asking_lines[0]["message"]


UNREACHABLE = "http://127.0.0.1:9/v1"


@pytest.mark.parametrize("model_settings", [{"base_url": UNREACHABLE, "model": "m", "max_retries": 0}])
async def test_an_engine_error_is_an_error_line_then_done(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frames": ["df"], "task": "clean", "message": "tidy it"}
        response, lines, _ = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)
    assert response.code == 200
    assert types_of(lines) == ["start", "error", "done"]
    error = lines[1]
    assert set(error) == {"type", "error", "message"}
    assert error["error"] == "engine_unreachable"
    assert UNREACHABLE in error["message"] and "OPENAI_BASE_URL" in error["message"]
    assert chat.chat_requests == []


async def test_a_client_that_hangs_up_closes_the_upstream_stream(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    chat.script(Reply(forever=True, delay=0.05))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = json.dumps({"kernel": kernel.kernel_id, "frames": ["df"], "task": "clean"}).encode("utf8")
        path = url_path_join(jp_base_url, "llmds", "chat")
        reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: localhost:{jp_http_port}\r\n"
            f"Authorization: {jp_auth_header['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode("ascii") + body)
        await writer.drain()
        received = b""
        deadline = time.monotonic() + 30
        while received.count(b'"type": "delta"') < 3:
            assert time.monotonic() < deadline, received
            received += await asyncio.wait_for(reader.read(4096), timeout=30)
        assert b"200 OK" in received.split(b"\r\n", 1)[0]
        assert not chat.disconnected.is_set()
        writer.close()
        closed_at = time.monotonic()
        assert await asyncio.to_thread(chat.disconnected.wait, 5)
        assert time.monotonic() - closed_at < 5
    assert_no_traceback(received)
    assert API_KEY.encode() not in received


@pytest.mark.parametrize(
    "body, needle",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"frames": ["df"], "task": "ask", "message": "hi"}, "'kernel'"),
        ({"kernel": "k", "task": "ask", "message": "hi"}, '"frames"'),
        ({"kernel": "k", "frames": [], "task": "ask", "message": "hi"}, '"frames"'),
        ({"kernel": "k", "frames": ["df", 3], "task": "ask", "message": "hi"}, '"frames"'),
        ({"kernel": "k", "frames": ["df"], "task": "tidy"}, "the tasks are: ask, clean"),
        ({"kernel": "k", "frames": ["df"], "task": "ask"}, '"message"'),
        ({"kernel": "k", "frames": ["df"], "task": "ask", "message": 5}, '"message"'),
        ({"kernel": "k", "frames": ["df"], "task": "clean", "notebook_cells": "df.head()"}, '"notebook_cells"'),
    ],
)
async def test_a_bad_body_is_400_with_a_sentence(jp_fetch, jp_http_port, jp_base_url, jp_auth_header, body, needle):
    response, lines, _ = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)
    assert response.code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    (answer,) = lines
    assert answer["error"] == "bad_request" and needle in answer["message"]
    assert set(answer) == {"error", "message"}


async def test_the_chat_route_needs_credentials(chat, jp_fetch, jp_http_port, jp_base_url, jp_auth_header):
    body = {"kernel": "anything", "frames": ["df"], "task": "clean"}
    response, lines, _ = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body, credentials=False)
    assert response.code == 403
    assert lines == [{"error": "forbidden", "message": lines[0]["message"]}]
    assert chat.requests == []


async def test_an_unknown_kernel_is_404_before_any_line(jp_fetch, jp_http_port, jp_base_url, jp_auth_header):
    body = {"kernel": "00000000-0000-0000-0000-000000000000", "frames": ["df"], "task": "clean"}
    response, lines, _ = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)
    assert response.code == 404
    assert lines[0]["error"] == "kernel_not_found"


async def test_an_unexpected_failure_mid_stream_is_an_internal_error_line(
    jp_fetch, jp_http_port, jp_base_url, jp_auth_header, monkeypatch
):
    from jupyterlab_llmds.engines.builtin import BuiltinEngine
    from jupyterlab_llmds.server import service

    async def prepared(bridge, request, settings=None):
        return service.ChatPlan(engine=BuiltinEngine(), cards=[{"name": "df"}], privacy="redacted", model=None)

    def failing(plan, request, cancel):
        yield {"type": "delta", "text": "first "}
        raise RuntimeError("boom in the engine thread")

    monkeypatch.setattr(service, "prepare_chat", prepared)
    monkeypatch.setattr(service, "chat_engine_events", failing)
    body = {"kernel": "k", "frames": ["df"], "task": "clean"}
    response, lines, _ = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)
    assert response.code == 200
    assert types_of(lines) == ["start", "delta", "error", "done"]
    assert lines[2]["error"] == "internal" and "server log" in lines[2]["message"]
    assert "boom" not in json.dumps(lines)
