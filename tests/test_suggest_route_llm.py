"""The sidebar's Clean through a configured model: the server's settings choose the engine,
the model sees the privacy-filtered card, and an endpoint failure is a sentence, not a 500."""

from __future__ import annotations

import json

import pytest
from chat_server import Reply
from conftest import assert_no_traceback, kernel_session, server_config

FRAME = """
import pandas as pd
df = pd.DataFrame({
    "email": ["ann.lee@example.com", "bob@corp.example.org", "cat@example.net"],
    "price": ["$1,234.50", "$12.00", "N/A"],
})
"""

ANSWER = """Convert `price` to numbers.

```python
df_clean = df.copy()
df_clean["price"] = pd.to_numeric(df_clean["price"].str.replace(r"[$,]", "", regex=True), errors="coerce")
```
"""


@pytest.fixture
def model_settings(chat):
    """``c.LlmdsConfig`` pointing at the test server; a test may change it before the server starts."""
    return {"base_url": chat.base_url, "model": "test-model", "request_timeout": 5.0, "max_retries": 0}


@pytest.fixture
def jp_server_config(model_settings):
    return server_config(model_settings)


def suggest(jp_fetch, kernel_id: str):
    body = json.dumps({"kernel": kernel_id, "frame": "df", "task": "clean"})
    return jp_fetch("llmds", "suggest", method="POST", body=body, raise_error=False)


async def test_clean_is_answered_by_the_configured_model_with_the_redacted_card(chat, jp_fetch, jp_serverapp):
    chat.script(Reply(text=ANSWER))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        response = await suggest(jp_fetch, kernel.kernel_id)
    assert response.code == 200
    answer = json.loads(response.body)
    assert answer["engine"] == "openai"
    assert [cell["cell_type"] for cell in answer["cells"]] == ["markdown", "code"]
    assert "pd.to_numeric" in answer["cells"][1]["source"]

    (request,) = chat.chat_requests
    sent = json.dumps(request.body)
    assert request.body["model"] == "test-model"
    assert "price" in sent and "numeric_string" in sent  # the card went along
    # the default privacy mode is redacted: the model never sees the addresses
    assert "ann.lee@example.com" not in sent and "<email_1>" in sent


@pytest.mark.parametrize("model_settings", [{"base_url": "http://127.0.0.1:9/v1", "model": "m", "max_retries": 0}])
async def test_an_unreachable_endpoint_is_a_502_that_says_what_to_do(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        response = await suggest(jp_fetch, kernel.kernel_id)
    assert response.code == 502
    assert_no_traceback(response.body)
    answer = json.loads(response.body)
    assert answer["error"] == "engine_unreachable"
    assert "http://127.0.0.1:9/v1" in answer["message"] and "OPENAI_BASE_URL" in answer["message"]


@pytest.mark.parametrize(
    "model_settings", [{"base_url": "http://127.0.0.1:9/v1", "model": "big-model", "allowed_models": ["small-model"]}]
)
async def test_the_administrators_model_list_applies_to_the_sidebar(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        response = await suggest(jp_fetch, kernel.kernel_id)
    assert response.code == 502
    answer = json.loads(response.body)
    assert answer["error"] == "engine_not_allowed"
    assert "small-model" in answer["message"]
