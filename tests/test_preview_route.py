"""``POST /llmds/preview``: a real server, a real kernel and, for repairs, a real chat-completions server.

The answer is JSON lines: ``start``, then per attempt an optional ``safety``
line and an ``attempt`` line (``repairing`` before each repair), ``error``
when a step that is not the code's fault fails, and ``done`` last. The code
runs on a copy in the user's kernel; the user's frame, names, history and
execution count stay exactly as they were.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from chat_server import Reply
from conftest import kernel_session, post_stream, server_config
from jupyter_server.utils import url_path_join

from test_bridge import FRAME_UNCHANGED, STATE_EXPRESSIONS  # the same before/after snapshot as the bridge tests

API_KEY = "sk-test-preview-route-secret-0123456789"

FRAMES = """
import pandas as pd
df = pd.DataFrame({
    "email": ["ann.lee@example.com", "bob@corp.example.org", "cat@example.net", "dan@example.com"],
    "price": ["$1,234.50", "$12.00", "N/A", "$7.25"],
    "city": [" NY", "NY", "ny ", "Boston"],
})
df.attrs["source"] = "test"
df_before = df.copy(deep=True)
numbers = [1, 2, 3]
""".strip()

GOOD_CODE = """df_clean = df.copy()
df_clean["price"] = pd.to_numeric(df_clean["price"].str.replace(r"[$,]", "", regex=True), errors="coerce")
df_clean["city"] = df_clean["city"].str.strip().str.upper()"""

#: Fails on its second line, quoting a value of the frame (an email address) in the error.
FAILING_CODE = """df_clean = df.copy()
df_clean["email"] = df_clean["email"].astype(float)"""

FIXED_CODE = """df_clean = df.copy()
df_clean["email"] = df_clean["email"].str.strip().str.lower()"""

#: Runs, but with a call pandas deprecates (Pandas4Warning, a DeprecationWarning, on pandas 3).
WARNING_CODE = """df_clean = df.copy()
is_category = pd.api.types.is_categorical_dtype(df_clean["city"])"""

WARNING_FIXED = """df_clean = df.copy()
is_category = isinstance(df_clean["city"].dtype, pd.CategoricalDtype)"""


def fenced(code: str) -> str:
    """A model's answer holding ``code`` in one python block."""
    return f"The cell needed a fix.\n\n```python\n{code}\n```\n"


@pytest.fixture
def jp_server_config(model_settings, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    return server_config(model_settings)


async def post_preview(jp_http_port, jp_base_url, jp_auth_header, body, *, credentials=True):
    """POST the body; return ``(response, lines)``, the JSON lines of the answer."""
    response, raw_bytes, _ = await post_stream(
        jp_http_port, jp_base_url, jp_auth_header, "preview", body, credentials=credentials, timeout=120
    )
    raw = raw_bytes.decode("utf8")
    assert_no_server_traceback(raw)
    assert API_KEY not in raw
    return response, [json.loads(line) for line in raw.splitlines() if line.strip()]


def assert_no_server_traceback(text: str | bytes) -> None:
    """No Python traceback of the server or the kernel's own code in the answer.

    (Unlike the other routes' answers, a preview report does carry a
    traceback: the previewed cell's own frames, "Traceback (in the previewed
    code)", which is what the user needs to see.)
    """
    text = text.decode("utf8") if isinstance(text, bytes) else text
    assert "Traceback (most recent call last)" not in text
    assert 'File "' not in text


def types_of(lines: list[dict]) -> list[str]:
    return [line["type"] for line in lines]


@pytest.mark.parametrize("model_settings", [{}])
async def test_good_code_is_previewed_on_a_copy_and_nothing_in_the_kernel_changes(
    jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        await kernel.run("df.shape")
        before = await kernel.evaluate(STATE_EXPRESSIONS)

        body = {"kernel": kernel.kernel_id, "frame": "df", "code": GOOD_CODE, "task": "clean"}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)
        missing, missing_lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, {**body, "frame": "dff"})
        a_list, list_lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, {**body, "frame": "numbers"})

        after = await kernel.evaluate(STATE_EXPRESSIONS)
        unchanged = await kernel.evaluate({"frame": FRAME_UNCHANGED, "clean": "'df_clean' in globals()"})

    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/x-ndjson")
    assert types_of(lines) == ["start", "attempt", "done"]
    assert lines[0] == {
        "type": "start",
        "engine": "builtin",
        "model": None,
        "attempts_allowed": 1,
        "frame": "df",
        "max_rows": 100_000,
    }
    attempt = lines[1]
    assert (attempt["attempt"], attempt["status"], attempt["code"]) == (1, "ok", GOOD_CODE)
    report = attempt["report"]
    assert report["result"] == {"name": "df_clean", "how": "created"}
    assert report["diff"]["dtypes_changed"]["price"][1] == "float64"
    assert report["diff"]["nulls_changed"]["price"] == [0, 1]
    assert report["sample"] == {"rows": 4, "of": 4, "method": "all"}
    markdown = attempt["markdown"]
    assert "**Ran without error** on a copy of all 4 rows of `df`" in markdown
    assert "| `price` |" in markdown and "float64" in markdown and "0 → 1" in markdown
    assert "`city`: 4 distinct values became 2" in markdown
    assert "Changed rows" in markdown and "`df` itself was not changed" in markdown
    assert lines[2] == {
        "type": "done",
        "status": "ok",
        "code": GOOD_CODE,
        "attempts": 1,
        "attempt": 1,
        "repaired": False,
        "message": "The code ran without error on a copy of df; df itself was not changed.",
    }
    # the user's kernel: the same names, history, outputs and execution count; df as it was; no df_clean
    assert after == before
    assert unchanged == {"frame": "True", "clean": "False"}
    # an unknown frame, or a name that is not a DataFrame, is a 404 before any line
    assert missing.code == 404 and missing_lines[0]["error"] == "frame_not_found"
    assert "There is no DataFrame named 'dff' in this kernel; DataFrames here: df, df_before." == missing_lines[0]["message"]
    assert a_list.code == 404 and "no DataFrame named 'numbers'" in list_lines[0]["message"]


@pytest.mark.parametrize("model_settings", [{}])
async def test_failing_code_with_the_builtin_engine_is_one_failed_attempt_without_repair(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frame": "df", "code": FAILING_CODE, "task": "clean"}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)

    assert response.code == 200
    assert types_of(lines) == ["start", "attempt", "done"]
    assert lines[0]["attempts_allowed"] == 1
    attempt = lines[1]
    assert attempt["status"] == "failed"
    assert attempt["report"]["exception"]["type"] == "ValueError"
    assert attempt["report"]["exception"]["line"] == 2
    assert "**Failed**" in attempt["markdown"] and "`ValueError` (line 2)" in attempt["markdown"]
    done = lines[2]
    assert (done["status"], done["code"], done["attempts"], done["repaired"]) == ("failed", FAILING_CODE, 1, False)
    assert "Repair is not available offline" in done["message"]
    assert chat.requests == []  # no model was asked


@pytest.mark.parametrize("model_settings", [{}])
async def test_flagged_code_is_not_previewed_unless_the_user_allows_it(
    jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    flagged = 'import os\nhome = os.environ.get("HOME")\ndf_clean = df.copy()'
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frame": "df", "code": flagged}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)
        allowed, allowed_lines = await post_preview(
            jp_http_port, jp_base_url, jp_auth_header, {**body, "allow_flagged": True}
        )
        names = await kernel.evaluate({"home": "'home' in globals()"})

    assert response.code == 200
    assert types_of(lines) == ["start", "safety", "attempt", "done"]
    safety = lines[1]
    kinds = {finding["kind"] for finding in safety["findings"]}
    assert kinds == {"disallowed_import", "secret_access"}
    assert all({"line", "kind", "reason", "snippet"} <= set(finding) for finding in safety["findings"])
    assert "Not previewed" in safety["markdown"] and "os.environ" in safety["markdown"]
    attempt = lines[2]
    assert (attempt["status"], attempt["report"]) == ("flagged", None)
    assert lines[3]["status"] == "flagged" and "not run" in lines[3]["message"]

    # allowed: the findings are still shown, then the code runs on the copy
    assert types_of(allowed_lines) == ["start", "safety", "attempt", "done"]
    assert allowed_lines[2]["status"] == "ok"
    assert allowed_lines[2]["markdown"].startswith("You allowed this code although the safety check flags it")
    assert allowed_lines[3]["status"] == "ok"
    assert names == {"home": "False"}  # the code's own variables stayed in the preview's namespace


async def test_a_failing_cell_is_repaired_with_its_trimmed_traceback_and_the_card(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    chat.script(Reply(text=fenced(FIXED_CODE)))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        before = await kernel.evaluate(STATE_EXPRESSIONS)
        body = {"kernel": kernel.kernel_id, "frame": "df", "code": FAILING_CODE, "task": "clean"}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)
        after = await kernel.evaluate(STATE_EXPRESSIONS)

    assert response.code == 200
    assert types_of(lines) == ["start", "attempt", "repairing", "attempt", "done"]
    assert lines[0]["engine"] == "openai" and lines[0]["model"] == "test-model"
    assert lines[0]["attempts_allowed"] == 3  # the default: two repairs
    first, repairing, second, done = lines[1:]
    assert (first["attempt"], first["status"]) == (1, "failed")
    assert repairing == {"type": "repairing", "attempt": 2}
    assert (second["attempt"], second["status"], second["code"]) == (2, "ok", FIXED_CODE)
    assert second["markdown"].startswith("#### Attempt 2 of 3 (the model's repair) on a copy of `df`: ran without error")
    assert done["status"] == "ok" and done["code"] == FIXED_CODE and done["repaired"] is True
    assert (done["attempts"], done["attempt"]) == (2, 2)
    assert after == before

    # the model got the cell, the trimmed traceback and the card, within the privacy mode (redacted)
    (request,) = chat.chat_requests
    sent = request.content("user")
    assert "## Task: repair" in sent and "written to clean `df`" in sent
    assert FAILING_CODE in sent
    assert "Traceback (in the previewed code):" in sent
    assert 'line 2, in <module>: df_clean["email"] = df_clean["email"].astype(float)' in sent
    assert "ValueError: could not convert string to float: '<email_" in sent
    assert "site-packages" not in sent and "pandas/core" not in sent  # only the cell's own frames
    assert "Data card of the frame `df`" in sent and "numeric_string" in sent
    for address in ("ann.lee@example.com", "bob@corp.example.org", "cat@example.net", "dan@example.com"):
        assert address not in sent
    assert "ONE fenced ```python block" in request.content("system")


async def test_repairs_stop_after_the_configured_number_of_attempts(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    # two different fixes that both still fail
    chat.script(
        Reply(text=fenced('df_clean = df.copy()\ndf_clean["email"] = df_clean["email"].astype(int)')),
        Reply(text=fenced('df_clean = df.copy()\ndf_clean["missing_column"].sum()')),
    )
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frame": "df", "code": FAILING_CODE}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)

    assert response.code == 200
    assert types_of(lines) == ["start", "attempt", "repairing", "attempt", "repairing", "attempt", "done"]
    attempts = [line for line in lines if line["type"] == "attempt"]
    assert [attempt["status"] for attempt in attempts] == ["failed", "failed", "failed"]
    assert attempts[2]["report"]["exception"]["type"] == "KeyError"
    done = lines[-1]
    assert (done["status"], done["attempts"], done["code"], done["repaired"]) == ("failed", 3, FAILING_CODE, False)
    assert "still fails on a copy of df after 3 attempts" in done["message"]
    assert len(chat.chat_requests) == 2
    # the second request carries the first repair and its own error
    assert "astype(int)" in chat.chat_requests[1].content("user")


@pytest.mark.parametrize(
    "model_settings",
    [{"base_url": "http://127.0.0.1:9/v1", "model": "m", "max_retries": 0, "repair_attempts": 0}],
)
async def test_repair_attempts_zero_turns_repair_off(jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frame": "df", "code": FAILING_CODE}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)
    assert types_of(lines) == ["start", "attempt", "done"]
    assert lines[0]["attempts_allowed"] == 1
    assert lines[-1]["status"] == "failed" and "Repair is turned off" in lines[-1]["message"]


async def test_a_warning_cell_is_warned_and_repaired(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    chat.script(Reply(text=fenced(WARNING_FIXED)))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = {"kernel": kernel.kernel_id, "frame": "df", "code": WARNING_CODE, "task": "features"}
        response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)

    assert types_of(lines) == ["start", "attempt", "repairing", "attempt", "done"]
    first, second = lines[1], lines[3]
    assert first["status"] == "warned"
    assert first["report"]["status"] == "ok"
    assert first["report"]["warnings"][0]["kind"] == "deprecation"
    assert "Warnings (the code may break with a future pandas)" in first["markdown"]
    assert (second["status"], second["code"]) == ("ok", WARNING_FIXED)
    assert lines[-1]["status"] == "ok" and lines[-1]["repaired"] is True
    sent = chat.chat_requests[0].content("user")
    assert "Warnings it emitted" in sent and "(line 2): is_categorical_dtype is deprecated" in sent


async def test_a_client_that_hangs_up_stops_the_repair_request(
    chat, jp_fetch, jp_serverapp, jp_http_port, jp_base_url, jp_auth_header
):
    chat.script(Reply(forever=True, delay=0.05))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAMES)
        body = json.dumps({"kernel": kernel.kernel_id, "frame": "df", "code": FAILING_CODE}).encode("utf8")
        path = url_path_join(jp_base_url, "llmds", "preview")
        reader, writer = await asyncio.open_connection("127.0.0.1", jp_http_port)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: localhost:{jp_http_port}\r\n"
            f"Authorization: {jp_auth_header['Authorization']}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        writer.write(head.encode("ascii") + body)
        await writer.drain()
        received = b""
        deadline = time.monotonic() + 60
        while b'"type": "repairing"' not in received:
            assert time.monotonic() < deadline, received
            received += await asyncio.wait_for(reader.read(4096), timeout=60)
        # the model is answering (forever) when the client goes
        assert await asyncio.to_thread(lambda: _wait_for(lambda: chat.chat_requests, 10))
        writer.close()
        closed_at = time.monotonic()
        assert await asyncio.to_thread(chat.disconnected.wait, 10)
        assert time.monotonic() - closed_at < 10
    assert b"200 OK" in received.split(b"\r\n", 1)[0]
    assert_no_server_traceback(received)


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(
    "body, needle",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ({"frame": "df", "code": "x = 1"}, "'kernel'"),
        ({"kernel": "k", "code": "x = 1"}, "'frame'"),
        ({"kernel": "k", "frame": "df"}, '"code"'),
        ({"kernel": "k", "frame": "df", "code": "   "}, '"code"'),
        ({"kernel": "k", "frame": "df", "code": "x" * 100_001}, "at most 100,000 characters"),
        ({"kernel": "k", "frame": "df", "code": "x = 1", "repair": "yes"}, '"repair" must be true or false'),
        ({"kernel": "k", "frame": "df", "code": "x = 1", "allow_flagged": 1}, '"allow_flagged" must be true or false'),
        ({"kernel": "k", "frame": "df", "code": "x = 1", "task": "repair"}, "Unknown task 'repair'"),
        ({"kernel": "k", "frame": "df", "code": "x = 1", "task": 3}, '"task" must be the name'),
    ],
)
@pytest.mark.parametrize("model_settings", [{}])
async def test_a_bad_body_is_400_with_a_sentence(jp_fetch, jp_http_port, jp_base_url, jp_auth_header, body, needle):
    response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)
    assert response.code == 400
    assert response.headers["Content-Type"].startswith("application/json")
    (answer,) = lines
    assert answer["error"] == "bad_request" and needle in answer["message"]
    assert answer["message"].endswith(".")


@pytest.mark.parametrize("model_settings", [{}])
async def test_an_unknown_kernel_is_404_before_any_line(jp_fetch, jp_http_port, jp_base_url, jp_auth_header):
    body = {"kernel": "00000000-0000-0000-0000-000000000000", "frame": "df", "code": "x = 1"}
    response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body)
    assert response.code == 404
    assert lines[0]["error"] == "kernel_not_found"


@pytest.mark.parametrize("model_settings", [{}])
async def test_the_preview_route_needs_credentials(jp_fetch, jp_http_port, jp_base_url, jp_auth_header):
    body = {"kernel": "anything", "frame": "df", "code": "x = 1"}
    response, lines = await post_preview(jp_http_port, jp_base_url, jp_auth_header, body, credentials=False)
    assert response.code == 403
    assert lines[0]["error"] == "forbidden"
