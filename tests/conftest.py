"""Shared test set-up: a real jupyter-server with the extension, and real kernels.

pytest 9 refuses async fixtures without pytest-asyncio, so the async helpers
here are async context managers that tests enter themselves; pytest-jupyter's
own fixtures (``jp_fetch``, ``jp_serverapp``) are fine as they are.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from traitlets.config import Config

from jupyterlab_llmds.server.bridge import new_client

pytest_plugins = ["pytest_jupyter.jupyter_server"]

#: Seconds a kernel gets to start and answer kernel_info on this 2-core machine.
KERNEL_READY_TIMEOUT = 60
#: Seconds a test cell gets to run.
CELL_TIMEOUT = 30

#: Name of a kernel spec that runs ipykernel but declares the R language.
R_LANGUAGE_KERNEL = "fake_r"


def server_config(llmds_settings: dict | None = None) -> Config:
    """The test server's config: the extension enabled, unauthenticated access refused.

    ``allow_unauthenticated_access = False`` makes jupyter-server warn
    (``JupyterServerAuthWarning``, an error under our pytest filter) about any
    extension method without an authentication rule, and
    ``reraise_server_extension_failures`` lets that error fail the server
    fixture instead of being logged and swallowed by the extension loader.
    ``llmds_settings`` become ``c.LlmdsConfig`` traits.
    """
    config = Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"jupyterlab_llmds": True},
                "allow_unauthenticated_access": False,
                "reraise_server_extension_failures": True,
            }
        }
    )
    if llmds_settings:
        config.LlmdsConfig = Config(llmds_settings)
    return config


@pytest.fixture
def chat():
    """A real chat-completions server on 127.0.0.1 for one test (see ``chat_server.py``)."""
    from chat_server import ChatServer

    with ChatServer() as server:
        yield server


@pytest.fixture
def model_settings(chat):
    """``c.LlmdsConfig`` pointing at this test's chat server; a test may parametrize it (``{}``: no model)."""
    return {"base_url": chat.base_url, "model": "test-model", "request_timeout": 10.0, "max_retries": 0}


async def post_stream(
    port: int, base_url: str, auth_header: dict, route: str, body: Any, *, credentials: bool = True, timeout: float = 60
) -> tuple[Any, bytes, int]:
    """POST ``body`` to a streamed route; return ``(response, raw body, how many pieces arrived)``.

    The pieces tell a stream flushed line by line from one written at the end.
    """
    from jupyter_server.utils import url_path_join
    from tornado.httpclient import AsyncHTTPClient

    pieces: list[bytes] = []
    response = await AsyncHTTPClient().fetch(
        f"http://localhost:{port}" + url_path_join(base_url, "llmds", route),
        method="POST",
        body=body if isinstance(body, str) else json.dumps(body),
        headers=dict(auth_header) if credentials else {},
        streaming_callback=pieces.append,
        raise_error=False,
        request_timeout=timeout,
    )
    return response, b"".join(pieces), len(pieces)


@pytest.fixture
def jp_server_config():
    """The suite's server config (see :func:`server_config`)."""
    return server_config()


@pytest.fixture
def r_language_kernelspec(jp_kernel_dir: Path) -> str:
    """Install a kernel spec that runs ipykernel but says its language is R."""
    spec_dir = Path(jp_kernel_dir) / R_LANGUAGE_KERNEL
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Fake R (ipykernel)",
        "language": "R",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf8")
    return R_LANGUAGE_KERNEL


class KernelSession:
    """A kernel started through the server's REST API, plus a client to run cells in it."""

    def __init__(self, serverapp: Any, kernel_id: str, client: Any):
        self.serverapp = serverapp
        self.kernel_id = kernel_id
        self.client = client

    @property
    def manager(self) -> Any:
        """The server's manager of this kernel."""
        return self.serverapp.kernel_manager.get_kernel(self.kernel_id)

    def send(self, code: str, **options: Any) -> str:
        """Send an execute_request without waiting; return its msg_id."""
        return self.client.execute(code, **options)

    async def reply_to(self, message_id: str, timeout: float = CELL_TIMEOUT) -> dict:
        """Wait for the shell reply of one request."""
        deadline = time.monotonic() + timeout
        while True:
            reply = await self.client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.01))
            if reply["parent_header"].get("msg_id") == message_id:
                return reply

    async def finish(self, message_id: str, timeout: float = CELL_TIMEOUT) -> dict:
        """Wait for a request's reply, its idle status, and the server seeing the kernel idle.

        Waiting for the server's record too means the next request to our
        routes is not refused as "busy" because of a state that lags behind.
        """
        reply = await self.reply_to(message_id, timeout)
        deadline = time.monotonic() + timeout
        while True:
            message = await self.client.get_iopub_msg(timeout=max(deadline - time.monotonic(), 0.01))
            if (
                message["msg_type"] == "status"
                and message["parent_header"].get("msg_id") == message_id
                and message["content"]["execution_state"] == "idle"
            ):
                break
        # the server's own iopub socket may still hold the busy/idle pair
        await asyncio.sleep(0.1)
        await self.wait_for_state("idle")
        return reply

    async def run(self, code: str) -> dict:
        """Run a cell like a notebook would (stored in history); return its reply content."""
        reply = await self.finish(self.send(code))
        assert reply["content"]["status"] == "ok", reply["content"]
        return reply["content"]

    async def evaluate(self, expressions: dict[str, str]) -> dict:
        """Evaluate expressions silently (the way the bridge does); return their ``text/plain``."""
        reply = await self.finish(self.send("", silent=True, store_history=False, user_expressions=expressions))
        results = reply["content"]["user_expressions"]
        for key, result in results.items():
            assert result["status"] == "ok", (key, result)
        return {key: result["data"]["text/plain"] for key, result in results.items()}

    async def wait_until_started(self, timeout: float = KERNEL_READY_TIMEOUT) -> None:
        """Wait until the server no longer records the kernel as "starting".

        The server turns "starting" into "idle" on the first status message
        its own IOPub subscription sees. On a loaded machine that
        subscription may join after our kernel_info exchange, so keep asking
        for kernel_info until the server has seen one.
        """
        deadline = time.monotonic() + timeout
        while self.manager.execution_state == "starting":
            if time.monotonic() > deadline:
                raise AssertionError("the server still records the kernel as starting")
            self.client.kernel_info()
            await asyncio.sleep(0.25)
        await self.wait_for_state("idle")

    async def wait_for_state(self, state: str, timeout: float = CELL_TIMEOUT) -> None:
        """Wait until the server's record of the kernel's execution state is ``state``."""
        deadline = time.monotonic() + timeout
        while self.manager.execution_state != state:
            if time.monotonic() > deadline:
                raise AssertionError(f"kernel stayed {self.manager.execution_state!r}, expected {state!r}")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def kernel_session(jp_fetch: Any, serverapp: Any, kernel_name: str | None = None) -> AsyncIterator[KernelSession]:
    """Start a kernel through ``POST /api/kernels``; shut it down through ``DELETE`` afterwards.

    Parameters
    ----------
    jp_fetch, serverapp
        The pytest-jupyter fixtures of the test.
    kernel_name : str, optional
        Kernel spec name; the server's default (python3) when omitted.
    """
    body = json.dumps({"name": kernel_name} if kernel_name else {})
    response = await jp_fetch("api", "kernels", method="POST", body=body)
    kernel_id = json.loads(response.body)["id"]
    # a session of its own, like the bridge's (see new_client for why)
    client = new_client(serverapp.kernel_manager.get_kernel(kernel_id))
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=KERNEL_READY_TIMEOUT)
        session = KernelSession(serverapp, kernel_id, client)
        await session.wait_until_started()
        yield session
    finally:
        client.stop_channels()
        await jp_fetch("api", "kernels", kernel_id, method="DELETE")


def assert_no_traceback(body: bytes | str) -> None:
    """Fail if an answer body carries a Python traceback (or a traceback field)."""
    text = body.decode("utf8") if isinstance(body, bytes) else body
    assert "Traceback" not in text
    assert 'File "' not in text
    assert '"traceback"' not in text



def pytest_configure(config):
    """Keep a developer's OPENAI_* / LLMDS_* variables and config files out of the whole run.

    Setting OPENAI_BASE_URL switches the default engine to a model; the tests
    expect the built-in engine unless they configure one themselves. This
    runs before any fixture (module-scoped ones included), and tests that
    need settings set them with monkeypatch.
    """
    import os
    import tempfile

    from chat_server import SETTINGS_VARIABLES

    for variable in SETTINGS_VARIABLES:
        os.environ.pop(variable, None)
    isolated = tempfile.mkdtemp(prefix="llmds-jupyter-config-")
    os.environ["JUPYTER_CONFIG_DIR"] = isolated
    os.environ["JUPYTER_CONFIG_PATH"] = isolated
