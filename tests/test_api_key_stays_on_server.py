"""The API key never reaches the browser: not in any route's answer, not even in errors.

The scripted model server answers 401 and 500 with bodies that echo the key
back (as some OpenAI-compatible servers do in their error messages); every
route of the extension is called in a success and a failure case, and the
key must appear in no response body and no response header. A route added
to the server without a case here fails the test.
"""

from __future__ import annotations

import json

import pytest
from chat_server import Reply, error_body
from conftest import kernel_session, server_config
from jupyter_server.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient

from jupyterlab_llmds.server.app import route_handlers

API_KEY = "sk-test-never-in-the-browser-9f8e7d6c5b4a"

FRAME = """
import pandas as pd
df = pd.DataFrame({"price": ["$1,234.50", "$12.00", "N/A", " 7 "], "city": ["Oslo", "oslo", "Bergen", None]})
"""

CODE = "df_clean = df.copy()\ndf_clean['price'] = df_clean['price'].str.strip()\n"


def requests_for(kernel_id: str) -> dict[str, tuple[str, str, dict | None]]:
    """One request per route name: ``(method, query, body)``."""
    return {
        "frames": ("GET", f"?kernel={kernel_id}", None),
        "engine": ("GET", "", None),
        "card": ("GET", f"?kernel={kernel_id}&frame=df", None),
        "suggest": ("POST", "", {"kernel": kernel_id, "frame": "df", "task": "clean"}),
        "chat": ("POST", "", {"kernel": kernel_id, "frames": ["df"], "task": "ask", "message": "Which columns are text?"}),
        "preview": ("POST", "", {"kernel": kernel_id, "frame": "df", "code": "df_clean = df['missing_column']\n"}),
    }


@pytest.fixture
def jp_server_config(chat, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    return server_config({"base_url": chat.base_url, "model": "test-model", "request_timeout": 5.0, "max_retries": 0})


def route_names() -> list[str]:
    return [pattern.rstrip("/").rsplit("/", 1)[-1] for pattern, _ in route_handlers("/")]


async def call(jp_http_port, jp_base_url, jp_auth_header, name: str, method: str, query: str, body) -> tuple[int, str]:
    url = f"http://localhost:{jp_http_port}" + url_path_join(jp_base_url, "llmds", name) + query
    response = await AsyncHTTPClient().fetch(
        url,
        method=method,
        body=None if body is None else json.dumps(body),
        headers=dict(jp_auth_header),
        raise_error=False,
        request_timeout=60,
    )
    text = (response.body or b"").decode("utf8", "replace")
    headers = "\n".join(f"{key}: {value}" for key, value in response.headers.get_all())
    return response.code, text + "\n" + headers


@pytest.mark.parametrize("upstream", ["answers", "refuses with the key in its error", "fails with the key in its error"])
async def test_no_route_ever_answers_with_the_api_key(
    chat, upstream, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    fix = f"```python\n{CODE}```"
    if upstream == "answers":
        replies = [Reply(text=f"Strip the prices.\n\n{fix}") for _ in range(20)]
    elif upstream.startswith("refuses"):
        replies = [
            Reply(status=401, error=error_body(f"Incorrect API key provided: {API_KEY}.", "invalid_request_error", "invalid_api_key"))
            for _ in range(20)
        ]
    else:
        replies = [Reply(status=500, error=error_body(f"upstream crashed while using key {API_KEY}", "server_error")) for _ in range(20)]
    chat.script(*replies)
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        cases = requests_for(kernel.kernel_id)
        missing = [name for name in route_names() if name not in cases]
        assert not missing, f"routes without a key check: {missing}"
        answers = {}
        for name in route_names():
            method, query, body = cases[name]
            answers[name] = await call(jp_http_port, jp_base_url, jp_auth_header, name, method, query, body)
    for name, (code, text) in answers.items():
        assert API_KEY not in text, f"the {name} route answered {code} with the API key"
        # not even a recognisable piece of it
        assert API_KEY[8:24] not in text, f"the {name} route answered {code} with part of the API key"
    # the model was really asked (suggest and chat at least), so the key had a chance to leak
    assert len(chat.chat_requests) >= 2
    assert all(request.headers["authorization"] == f"Bearer {API_KEY}" for request in chat.chat_requests)
