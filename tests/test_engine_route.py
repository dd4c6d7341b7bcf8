"""``GET /llmds/engine`` and the user's privacy choice on suggest and chat.

The sidebar asks the engine route before anything else: which engine and
model answer, which tasks they do, the privacy mode and whether it is
locked. The chat and suggest bodies then carry the privacy mode the user
chose, which applies unless an administrator locked another one.
"""

from __future__ import annotations

import json

import pytest
from chat_server import Reply
from conftest import kernel_session, post_stream, server_config

FRAME = """
import pandas as pd
people = pd.DataFrame({
    "email": ["ann.lee@example.com", "bob@corp.example.org", "cat@example.net", "dan@example.com"],
    "city": ["Oslo", "oslo", "Bergen", "N/A"],
})
"""


@pytest.fixture
def jp_server_config(model_settings):
    return server_config(model_settings)


async def get_engine(jp_fetch) -> dict:
    response = await jp_fetch("llmds", "engine")
    return json.loads(response.body)


async def post_chat(jp_http_port, jp_base_url, jp_auth_header, body) -> list[dict]:
    response, raw, _ = await post_stream(jp_http_port, jp_base_url, jp_auth_header, "chat", body)
    assert response.code == 200, raw
    return [json.loads(line) for line in raw.decode().splitlines() if line.strip()]


async def test_the_engine_route_names_the_model_and_every_user_task(jp_fetch):
    answer = await get_engine(jp_fetch)
    assert answer["engine"] == "openai" and answer["model"] == "test-model"
    assert answer["tasks"] == ["ask", "clean", "explain", "features", "model", "validate"]
    assert "repair" not in answer["tasks"]
    assert answer["privacy"] == {"mode": "redacted", "locked": False, "modes": ["schema", "redacted", "full"]}
    assert answer["budget"]["min"] <= answer["budget"]["default"] <= answer["budget"]["max"]
    assert answer["problem"] == ""


@pytest.mark.parametrize("model_settings", [{}])
async def test_without_a_model_the_offline_engine_does_clean_and_validate(jp_fetch):
    answer = await get_engine(jp_fetch)
    assert (answer["engine"], answer["model"], answer["tasks"]) == ("builtin", None, ["clean", "validate"])


@pytest.mark.parametrize(
    "model_settings",
    [{"base_url": "http://127.0.0.1:9/v1", "model": "test-model", "allowed_models": ["another-model"]}],
)
async def test_a_model_the_administrator_does_not_allow_is_said_before_any_request(jp_fetch):
    answer = await get_engine(jp_fetch)
    assert (answer["engine"], answer["model"]) == ("openai", "test-model")
    assert "another-model" in answer["problem"] and "'test-model' is not one of them" in answer["problem"]


async def test_the_chat_sends_the_card_in_the_privacy_mode_the_user_chose(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    chat.script(Reply(text="Fine."), Reply(text="Fine."), Reply(text="Fine."))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        body = {"kernel": kernel.kernel_id, "frames": ["people"], "task": "ask", "message": "What is in it?"}
        schema_lines = await post_chat(jp_http_port, jp_base_url, jp_auth_header, {**body, "privacy": "schema"})
        full_lines = await post_chat(jp_http_port, jp_base_url, jp_auth_header, {**body, "privacy": "full"})
        default_lines = await post_chat(jp_http_port, jp_base_url, jp_auth_header, body)
    assert [lines[0]["privacy"] for lines in (schema_lines, full_lines, default_lines)] == ["schema", "full", "redacted"]
    schema_sent, full_sent, default_sent = (request.content("user") for request in chat.chat_requests)
    assert "email" in schema_sent and "Bergen" not in schema_sent and "ann.lee" not in schema_sent
    assert "Bergen" in full_sent and "ann.lee@example.com" in full_sent
    assert "Bergen" in default_sent and "ann.lee@example.com" not in default_sent


@pytest.mark.parametrize(
    "model_settings",
    [{"privacy_mode": "schema", "lock_privacy_mode": True}],
)
async def test_a_locked_mode_wins_over_the_users_choice(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    answer = await get_engine(jp_fetch)
    assert answer["engine"] == "builtin" and answer["privacy"]["locked"] is True
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        lines = await post_chat(
            jp_http_port,
            jp_base_url,
            jp_auth_header,
            {"kernel": kernel.kernel_id, "frames": ["people"], "task": "clean", "privacy": "full"},
        )
        suggestion = await jp_fetch(
            "llmds",
            "suggest",
            method="POST",
            body=json.dumps({"kernel": kernel.kernel_id, "frame": "people", "task": "clean", "privacy": "full"}),
        )
    assert lines[0]["privacy"] == "schema"
    # the built-in engine writes from the schema card: no value of the column reaches its markdown
    cells = json.loads(suggestion.body)["cells"]
    assert cells and "ann.lee@example.com" not in json.dumps(cells)


async def test_a_bad_privacy_or_budget_is_400_with_a_sentence(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        base = {"kernel": kernel.kernel_id, "frames": ["people"], "task": "ask", "message": "hi"}
        answers = []
        for extra in ({"privacy": "everything"}, {"privacy": 3}, {"budget": "lots"}, {"budget": 5}):
            response = await jp_fetch(
                "llmds", "chat", method="POST", body=json.dumps({**base, **extra}), raise_error=False
            )
            answers.append((response.code, json.loads(response.body)))
    assert [code for code, _ in answers] == [400, 400, 400, 400]
    messages = [answer["message"] for _, answer in answers]
    assert "everything" in messages[0] and "schema" in messages[0]
    assert "privacy" in messages[1]
    assert "budget" in messages[2] and "budget" in messages[3]
