"""JupyterLab server configuration for the chat UI tests (port 8889, with a model).

Like ``jupyter_server_test_config.py`` (Galata's settings, root allowed, the
jupyterlab_llmds server extension loaded), on port 8889, plus a language
model: the repository's scripted chat-completions server
(``tests/chat_server.py``, real HTTP on 127.0.0.1) started in this process,
and ``c.LlmdsConfig`` pointing the openai engine at it.

The scripted server picks its answer from the request (``responder``), so
each UI test steers it with words in its question:

* ``stream slowly forever``: an answer that never ends (until the client goes);
* ``did the last client go``: says whether the last endless answer saw its
  client disconnect (``Upstream client gone: yes``);
* ``echo the frames``: names the frames whose cards the prompt carries;
* ``count the turns``: says how many earlier messages the request carried;
* ``broken code``: an answer whose code fails (a misspelt column);
* ``unsafe code``: an answer whose code the safety check flags (it reads
  the environment; harmless on a copy);
* ``refuse my key``: a 401 (the key is refused);
* a repair request for that code (its error names ``pricee``): the fix;
* anything else: a Markdown answer with a table and a code block, streamed
  in small pieces over about two seconds, ending with ``df_clean.dtypes``.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from jupyterlab.galata import configure_jupyter_server

# The scripted server lives with the Python tests: reuse it, do not copy it.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from chat_server import ChatServer, RecordedRequest, Reply, error_body  # noqa: E402

c = get_config()  # noqa: F821 - provided by the config loader

configure_jupyter_server(c)

c.ServerApp.port = 8889
c.ServerApp.allow_root = True
# update(), not assignment: keep the other enabled server extensions.
c.ServerApp.jpserver_extensions.update({"jupyterlab_llmds": True})

#: The answer most tests get: Markdown (a table), one code block, a last sentence.
ANSWER = """Here is what I see in `df`: `qty` holds numbers stored as text.

| column | problem |
| --- | --- |
| qty | numbers as text |

```python
df_clean = df.copy()
df_clean["qty"] = pd.to_numeric(df_clean["qty"], errors="coerce")
```

Run it, then check `df_clean.dtypes`."""

#: Code that fails on the test frame: the column is misspelt.
BROKEN_ANSWER = """This adds a total column.

```python
df_total = df.copy()
df_total["total"] = df_total["pricee"].str.len()
```
"""

#: Code the static safety check flags (it reads the environment), harmless on a copy.
UNSAFE_ANSWER = """This reads your home folder's path.

```python
import os
home = os.environ.get("HOME", "")
df_home = df.copy()
```
"""

#: The model's fix for BROKEN_ANSWER's code.
FIXED_ANSWER = """The column is `price`, not `pricee`.

```python
df_total = df.copy()
df_total["total"] = df_total["price"].str.len()
```
"""

#: Code about the second frame in play (its preview must run on that frame).
ORDERS_ANSWER = """This adds the order size.

```python
orders_sized = orders.copy()
orders_sized["size"] = orders_sized["qty"].map({1: "small", 2: "medium", 3: "large"})
```
"""

chat = ChatServer().start()


def last_user_text(request: RecordedRequest) -> str:
    """The content of the request's last user message (the question, with its cards)."""
    for message in reversed(request.messages):
        if message.get("role") == "user":
            content = message.get("content", "")
            return content if isinstance(content, str) else str(content)
    return ""


def respond(request: RecordedRequest) -> Reply:
    """Choose the scripted answer from what the request asks (see the module docstring)."""
    question = last_user_text(request)
    everything = "\n".join(str(message.get("content", "")) for message in request.messages)
    if "pricee" in everything and "KeyError" in everything:
        return Reply(text=FIXED_ANSWER, chunk_size=40)
    if "stream slowly forever" in question:
        chat.disconnected.clear()
        return Reply(forever=True, delay=0.05)
    if "did the last client go" in question:
        gone = "yes" if chat.disconnected.is_set() else "no"
        return Reply(text=f"Upstream client gone: {gone}.")
    if "echo the frames" in question:
        frames = re.findall(r"Data card of the frame `([^`]+)`", everything)
        return Reply(text="Frames in the prompt: " + ", ".join(frames) + ".")
    if "count the turns" in question:
        earlier = [message for message in request.messages[1:-1] if message.get("role") in ("user", "assistant")]
        return Reply(text=f"Earlier messages: {len(earlier)}.")
    if "broken code" in question:
        return Reply(text=BROKEN_ANSWER, chunk_size=40)
    if "size the orders" in question:
        return Reply(text=ORDERS_ANSWER, chunk_size=40)
    if "unsafe code" in question:
        return Reply(text=UNSAFE_ANSWER, chunk_size=40)
    if "refuse my key" in question:
        return Reply(status=401, error=error_body("Incorrect API key provided.", code="invalid_api_key"))
    return Reply(text=ANSWER, chunk_size=6, delay=0.06)


chat.responder = respond

c.LlmdsConfig.base_url = chat.base_url
c.LlmdsConfig.model = "test-model"
c.LlmdsConfig.max_retries = 0
c.LlmdsConfig.request_timeout = 30.0
