"""The REST routes against a real jupyter-server and real kernels started through its API."""

from __future__ import annotations

import json
import warnings

import pytest
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import JupyterServerAuthWarning, url_path_join
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from conftest import assert_no_traceback, kernel_session
import jupyterlab_llmds
from jupyterlab_llmds.server.app import route_handlers

MESSY_FRAME = """
import pandas as pd
df = pd.DataFrame({
    "price": ["$1,234.50", "$12.00", "$7.25", "$1,000.00", "$3.10", "$99.99"],
    "city": [" NY", "NY", "ny ", "Boston", "Boston ", "NY"],
    "units": [1, 2, 3, 4, 5, 6],
})
orders = df.head(3)
numbers = [1, 2, 3]
"""


async def error_answer(fetch_call) -> tuple[int, dict]:
    """Await a jp_fetch call expected to fail; return its status and JSON body."""
    with pytest.raises(HTTPClientError) as raised:
        await fetch_call
    body = raised.value.response.body
    assert_no_traceback(body)
    return raised.value.code, json.loads(body)


def frames(jp_fetch, kernel_id: str):
    """GET /llmds/frames?kernel=ID."""
    return jp_fetch("llmds", "frames", params={"kernel": kernel_id})


def suggest(jp_fetch, body) -> object:
    """POST /llmds/suggest with a JSON (or raw text) body."""
    return jp_fetch("llmds", "suggest", method="POST", body=body if isinstance(body, str) else json.dumps(body))


async def test_frames_lists_dataframes_with_shapes(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(MESSY_FRAME)
        response = await frames(jp_fetch, kernel.kernel_id)
    assert response.code == 200
    assert_no_traceback(response.body)
    answer = json.loads(response.body)
    assert answer["status"] == "ok"
    assert answer["message"] == ""
    by_name = {entry["name"]: entry for entry in answer["frames"]}
    assert sorted(by_name) == ["df", "orders"]
    assert (by_name["df"]["rows"], by_name["df"]["columns"]) == (6, 3)
    assert (by_name["orders"]["rows"], by_name["orders"]["columns"]) == (3, 3)
    assert by_name["df"]["kind"] == "DataFrame"
    assert by_name["df"]["memory_bytes"] > 0


async def test_frames_in_a_kernel_without_pandas(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        response = await frames(jp_fetch, kernel.kernel_id)
        # looking must not import pandas into the user's kernel
        imported = await kernel.evaluate({"pandas": "'pandas' in __import__('sys').modules"})
    answer = json.loads(response.body)
    assert response.code == 200
    assert answer["status"] == "no_pandas"
    assert answer["frames"] == []
    assert "pandas" in answer["message"]
    assert imported["pandas"] == "False"


async def test_frames_unknown_kernel_is_404(jp_fetch):
    status, answer = await error_answer(frames(jp_fetch, "00000000-0000-0000-0000-000000000000"))
    assert status == 404
    assert answer["error"] == "kernel_not_found"
    assert answer["message"]


async def test_frames_without_kernel_argument_is_400(jp_fetch):
    status, answer = await error_answer(jp_fetch("llmds", "frames"))
    assert status == 400
    assert answer["error"] == "bad_request"


async def test_routes_refuse_requests_without_credentials(jp_fetch, jp_base_url, jp_http_port):
    # jp_fetch is only requested so that the HTTP server is listening.
    client = AsyncHTTPClient()
    base = f"http://localhost:{jp_http_port}"
    listing = await client.fetch(
        base + url_path_join(jp_base_url, "llmds", "frames") + "?kernel=anything", raise_error=False
    )
    suggesting = await client.fetch(
        base + url_path_join(jp_base_url, "llmds", "suggest"),
        method="POST",
        body=json.dumps({"kernel": "anything", "frame": "df", "task": "clean"}),
        raise_error=False,
    )
    # jupyter-server's APIHandler answers 403 (not a login redirect) for API routes
    for response in (listing, suggesting):
        assert response.code == 403
        assert_no_traceback(response.body)
        assert json.loads(response.body)["error"] == "forbidden"


async def test_frames_busy_kernel_is_409(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        kernel.send("import time; time.sleep(5)")
        await kernel.wait_for_state("busy")
        status, answer = await error_answer(frames(jp_fetch, kernel.kernel_id))
    assert status == 409
    assert answer == {
        "error": "kernel_busy",
        "message": "The kernel is busy running a cell; the list refreshes when it finishes.",
    }


async def test_frames_not_python_kernel(jp_fetch, jp_serverapp, r_language_kernelspec):
    async with kernel_session(jp_fetch, jp_serverapp, kernel_name=r_language_kernelspec) as kernel:
        response = await frames(jp_fetch, kernel.kernel_id)
        status, suggest_answer = await error_answer(
            suggest(jp_fetch, {"kernel": kernel.kernel_id, "frame": "df", "task": "clean"})
        )
    answer = json.loads(response.body)
    assert response.code == 200
    assert answer["status"] == "not_python"
    assert "R" in answer["message"]
    assert answer["frames"] == []
    assert (status, suggest_answer["error"]) == (400, "not_python")


async def test_suggest_names_the_frame_columns(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(MESSY_FRAME)
        response = await suggest(jp_fetch, {"kernel": kernel.kernel_id, "frame": "df", "task": "clean"})
    assert response.code == 200
    assert_no_traceback(response.body)
    answer = json.loads(response.body)
    assert (answer["task"], answer["frame"]) == ("clean", "df")
    assert answer["engine"]
    assert answer["version"] == jupyterlab_llmds.__version__  # recorded in the inserted cells
    assert {cell["cell_type"] for cell in answer["cells"]} <= {"markdown", "code"}
    code = "\n".join(cell["source"] for cell in answer["cells"] if cell["cell_type"] == "code")
    assert "df" in code
    # the messy columns are named in the generated code
    assert "price" in code
    assert "city" in code


async def test_suggest_errors(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(MESSY_FRAME)
        unknown_frame = await error_answer(
            suggest(jp_fetch, {"kernel": kernel.kernel_id, "frame": "dff", "task": "clean"})
        )
        not_a_frame = await error_answer(
            suggest(jp_fetch, {"kernel": kernel.kernel_id, "frame": "numbers", "task": "clean"})
        )
        unknown_task = await error_answer(
            suggest(jp_fetch, {"kernel": kernel.kernel_id, "frame": "df", "task": "no-such-task"})
        )
    status, answer = unknown_frame
    assert (status, answer["error"]) == (404, "frame_not_found")
    assert "'dff'" in answer["message"] and "df, orders" in answer["message"]
    status, answer = not_a_frame
    assert (status, answer["error"]) == (400, "not_dataframe")
    assert "'numbers' is a list" in answer["message"]
    status, answer = unknown_task
    assert (status, answer["error"]) == (400, "unknown_task")
    assert "no-such-task" in answer["message"]


async def test_suggest_bad_bodies_are_400(jp_fetch):
    bodies = ("{not json", "[1, 2]", {"frame": "df", "task": "clean"}, {"kernel": "k", "frame": "", "task": "clean"})
    for body in bodies:
        status, answer = await error_answer(suggest(jp_fetch, body))
        assert status == 400
        assert answer["error"] == "bad_request"
        assert answer["message"]


async def test_suggest_unknown_kernel_is_404(jp_fetch):
    status, answer = await error_answer(
        suggest(jp_fetch, {"kernel": "00000000-0000-0000-0000-000000000000", "frame": "df", "task": "clean"})
    )
    assert (status, answer["error"]) == (404, "kernel_not_found")


def test_our_routes_raise_no_auth_warning(jp_serverapp):
    """Adding our routes to a server that refuses unauthenticated access does not warn."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_serverapp.web_app.add_handlers(".*$", route_handlers("/auth-check/"))
    assert not [warning for warning in caught if issubclass(warning.category, JupyterServerAuthWarning)]


def test_a_route_without_auth_fails_the_suite(jp_serverapp):
    """The pytest filter turns jupyter-server's warning for an unauthenticated route into an error."""

    class Unprotected(APIHandler):
        def get(self):
            self.finish("{}")

    with pytest.raises(JupyterServerAuthWarning, match="Unprotected"):
        jp_serverapp.web_app.add_handlers(".*$", [("/auth-check/unprotected", Unprotected)])
