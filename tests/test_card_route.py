"""``GET /llmds/card`` against a real jupyter-server and real kernels, with the administrator's settings."""

from __future__ import annotations

import json

import pytest
from jupyter_server.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient

from conftest import assert_no_traceback, kernel_session, server_config
from jupyterlab_llmds.kernel.prompt import estimate_tokens
from test_server_routes import error_answer

FRAME = """
import pandas as pd
df = pd.DataFrame({
    "email": ["ann.lee@example.com", "bob@corp.example.org", "ann.lee@example.com", "cat@example.net"],
    "price": ["$1,234.50", "$12.00", "N/A", "$7.25"],
    "notes": ["Secret diagnosis alpha", "Secret diagnosis beta", "Secret diagnosis alpha", "none"],
    "visits": [48213, 51877, 60231, 70419],
})
"""
RAW_EMAILS = ["ann.lee@example.com", "bob@corp.example.org", "cat@example.net"]
#: Every cell value of FRAME that is not a column name, as it would appear in JSON.
CELL_VALUES = RAW_EMAILS + ["$1,234.50", "$12.00", "N/A", "$7.25", "Secret diagnosis alpha", "Secret diagnosis beta",
                            "48213", "51877", "60231", "70419"]


@pytest.fixture
def jp_server_config(request):
    """The suite's server config plus ``c.LlmdsConfig`` settings given through ``indirect`` parametrisation."""
    return server_config(getattr(request, "param", {}))


def card(jp_fetch, kernel_id: str, frame: str = "df", **query):
    return jp_fetch("llmds", "card", params={"kernel": kernel_id, "frame": frame, **query})


def suggest(jp_fetch, kernel_id: str):
    body = json.dumps({"kernel": kernel_id, "frame": "df", "task": "clean"})
    return jp_fetch("llmds", "suggest", method="POST", body=body)


@pytest.mark.parametrize("jp_server_config", [{"excluded_columns": ["notes"]}], indirect=True)
async def test_card_route_answers_prompt_and_tokens_in_the_requested_mode(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        default = await card(jp_fetch, kernel.kernel_id)
        small = await card(jp_fetch, kernel.kernel_id, privacy="redacted", budget="300")
        full = await card(jp_fetch, kernel.kernel_id, privacy="full")
    for response in (default, small, full):
        assert response.code == 200
        assert_no_traceback(response.body)
    answer = json.loads(default.body)
    assert set(answer) == {"status", "card", "prompt", "tokens", "budget"}
    assert answer["status"] == "ok"
    assert answer["budget"] == 2000
    assert answer["tokens"] == estimate_tokens(answer["prompt"]) <= 2000
    assert answer["card"]["privacy"] == {
        "mode": "redacted", "excluded": ["notes"], "masked": {"email": 3}, "locked": False,
    }
    assert answer["prompt"].startswith("DataFrame `df`: 4 rows x 4 columns")
    assert "<email_1>" in answer["prompt"]
    # redacted: no raw address anywhere in the answer, in the card or the prompt
    for body in (default.body, small.body):
        for email in RAW_EMAILS:
            assert email.encode() not in body
    small_answer = json.loads(small.body)
    assert small_answer["budget"] == 300 and small_answer["tokens"] <= 300
    # full was asked for and is not locked; the administrator's exclusions still hold
    full_text = full.body.decode()
    assert "ann.lee@example.com" in full_text
    assert "Secret diagnosis" not in full_text and "Secret diagnosis" not in default.body.decode()
    assert json.loads(full.body)["card"]["privacy"]["mode"] == "full"


@pytest.mark.parametrize(
    "jp_server_config",
    [{"privacy_mode": "schema", "lock_privacy_mode": True, "max_card_budget": 500}],
    indirect=True,
)
async def test_locked_schema_mode_and_budget_cap_win_over_the_request(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        response = await card(jp_fetch, kernel.kernel_id, privacy="full", budget="5000")
        suggestion = await suggest(jp_fetch, kernel.kernel_id)
    answer = json.loads(response.body)
    assert answer["card"]["privacy"] == {"mode": "schema", "excluded": [], "masked": {}, "locked": True}
    assert answer["budget"] == 500
    assert answer["tokens"] <= 500
    assert "Privacy: schema" in answer["prompt"]
    for value in CELL_VALUES:
        assert value not in response.body.decode()
        assert value not in answer["prompt"]
    # the suggestion was written from the same schema-only card
    cells = json.loads(suggestion.body)["cells"]
    text = "\n".join(cell["source"] for cell in cells)
    assert "'price'" in text and "pd.to_numeric" in text
    for value in RAW_EMAILS + ["N/A", "$1,234.50"]:
        assert value not in text


async def test_card_route_refuses_bad_queries(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        bad_mode = await error_answer(card(jp_fetch, kernel.kernel_id, privacy="private"))
        bad_budget = await error_answer(card(jp_fetch, kernel.kernel_id, budget="lots"))
        tiny_budget = await error_answer(card(jp_fetch, kernel.kernel_id, budget="10"))
        missing = await error_answer(card(jp_fetch, kernel.kernel_id, frame="dff"))
    assert bad_mode[0] == 400 and bad_mode[1]["error"] == "bad_request"
    assert "schema, redacted, full" in bad_mode[1]["message"]
    assert bad_budget[0] == 400 and "whole number" in bad_budget[1]["message"]
    assert tiny_budget[0] == 400 and "at least 100" in tiny_budget[1]["message"]
    assert missing[0] == 404 and missing[1]["error"] == "frame_not_found"
    no_frame = await error_answer(jp_fetch("llmds", "card", params={"kernel": "anything"}))
    assert no_frame == (400, {"error": "bad_request", "message": "Pass the DataFrame's name as &frame=NAME."})
    unknown = await error_answer(card(jp_fetch, "00000000-0000-0000-0000-000000000000"))
    assert unknown[0] == 404 and unknown[1]["error"] == "kernel_not_found"


async def test_card_route_needs_credentials(jp_fetch, jp_base_url, jp_http_port):
    url = f"http://localhost:{jp_http_port}" + url_path_join(jp_base_url, "llmds", "card") + "?kernel=a&frame=df"
    response = await AsyncHTTPClient().fetch(url, raise_error=False)
    assert response.code == 403
    assert json.loads(response.body)["error"] == "forbidden"


def test_entry_expression_writes_only_checked_literals():
    from jupyterlab_llmds.server.bridge import entry_expression

    expression = entry_expression(
        "card_json", "df", privacy="schema", exclude=["a'b", "x\\y"], budget=500, target=None
    )
    assert expression == (
        "__import__('jupyterlab_llmds.kernel.entry', fromlist=['entry'])"
        ".card_json('df', privacy='schema', exclude=[\"a'b\", 'x\\\\y'], budget=500)"
    )
    for bad in ({"budget": True}, {"budget": 1.5}, {"exclude": [1]}, {"privacy": object()}):
        with pytest.raises(TypeError):
            entry_expression("card_json", "df", **bad)
