"""The preview-and-repair loop (``jupyterlab_llmds.repair``) with the real preview and a real model endpoint.

The code runs on a copy through :func:`jupyterlab_llmds.kernel.preview.preview`
in this process; repairs go through the real ``openai`` client to the local
chat-completions server of ``chat_server.py``.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from chat_server import ChatServer, Reply
from jupyterlab_llmds.config import LlmdsSettings
from jupyterlab_llmds.engines.builtin import BuiltinEngine
from jupyterlab_llmds.engines.openai_engine import OpenAICompatibleEngine
from jupyterlab_llmds.kernel.card import describe
from jupyterlab_llmds.kernel.preview import preview
from jupyterlab_llmds.prompts import build_messages
from jupyterlab_llmds.repair import preview_and_repair, repaired_cells

FAILING = 'df_clean = df.copy()\ndf_clean["city"] = df_clean["city"].astype(int)'
FIXED = 'df_clean = df.copy()\ndf_clean["city"] = df_clean["city"].str.strip().str.title()'


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city": ["Springfield", " springfield", "Shelbyville", "Ogdenville"],
            "contact": ["ann@example.com", "bob@example.org", "cat@example.net", "dan@example.com"],
            "amount": ["$1,200.00", "$35.50", "N/A", "$8.00"],
        }
    )


def fenced(code: str) -> str:
    return f"Fixed.\n\n```python\n{code}\n```\n"


@pytest.fixture
def server():
    with ChatServer() as running:
        yield running


def openai_engine(server: ChatServer) -> OpenAICompatibleEngine:
    return OpenAICompatibleEngine(
        LlmdsSettings(base_url=server.base_url, model="test-model", max_retries=0, request_timeout=5.0)
    )


def run(code: str, *, engine, cards=None, privacy: str = "redacted", timeout: float = 30.0, **options) -> list[dict]:
    """Every event of one preview-and-repair on a copy of :func:`frame`."""
    df = frame()
    if cards is None:
        cards = [describe(df, name="df", privacy=privacy).to_dict()]
    events = preview_and_repair(
        code,
        frame="df",
        run_preview=lambda source: preview(source, df, name="df", timeout=timeout),
        engine=engine,
        cards=cards,
        **options,
    )
    return list(events)


def types_of(events: list[dict]) -> list[str]:
    return [event["type"] for event in events]


def test_the_builtin_engine_never_repairs_and_says_so():
    events = run(FAILING, engine=BuiltinEngine(), attempts=2)
    assert types_of(events) == ["attempt", "done"]
    assert events[0]["status"] == "failed"
    assert "#### Preview on a copy of `df`" in events[0]["markdown"]  # one attempt only: no attempt heading
    done = events[-1]
    assert (done["status"], done["code"], done["attempts"]) == ("failed", FAILING, 1)
    assert "Repair is not available offline" in done["message"]


def test_code_that_passes_asks_no_model_and_builds_no_card(server):
    built = []

    def cards():
        built.append(True)
        return [describe(frame(), name="df").to_dict()]

    events = run(FIXED, engine=openai_engine(server), cards=cards, attempts=2)
    assert types_of(events) == ["attempt", "done"]
    assert events[-1]["status"] == "ok"
    assert server.requests == [] and built == []


def test_schema_mode_withholds_the_values_an_error_quotes(server):
    server.script(Reply(text=fenced(FIXED)))
    events = run(FAILING, engine=openai_engine(server), privacy="schema", attempts=2, task="clean")
    assert types_of(events) == ["attempt", "repairing", "attempt", "done"]
    assert events[0]["report"]["exception"]["message"] == "invalid literal for int() with base 10: 'Springfield'"
    sent = server.chat_requests[0].content("user")
    assert "ValueError: invalid literal for int() with base <value>: '<value>'" in sent
    assert "Springfield" not in sent and "springfield" not in sent
    assert "values in these texts are withheld as <value>" in sent
    assert 'df_clean["city"].astype(int)' in sent  # the cell itself, with its line in the trimmed traceback
    assert events[-1]["status"] == "ok" and events[-1]["code"] == FIXED


def test_a_time_out_is_repaired_too(server):
    server.script(Reply(text=fenced(FIXED)))
    events = run("while True:\n    pass", engine=openai_engine(server), attempts=1, timeout=1.0)
    assert [event.get("status") for event in events if event["type"] == "attempt"] == ["timeout", "ok"]
    sent = server.chat_requests[0].content("user")
    assert "did not finish within 1 s on a copy of 4 rows" in sent


def test_a_repair_the_safety_check_flags_is_not_run(server):
    server.script(Reply(text=fenced('import subprocess\nsubprocess.run(["ls"])\n' + FIXED)))
    events = run(FAILING, engine=openai_engine(server), attempts=2)
    assert types_of(events) == ["attempt", "repairing", "safety", "attempt", "done"]
    safety, flagged, done = events[2], events[3], events[4]
    assert safety["attempt"] == 2 and {item["kind"] for item in safety["findings"]} >= {"shell_command"}
    assert (flagged["status"], flagged["report"]) == ("flagged", None)
    assert flagged["markdown"].startswith("#### Attempt 2 of 3 (the model's repair) on a copy of `df`: not run")
    # the repair is not offered: the code as written stays, with its own status
    assert (done["status"], done["code"], done["attempt"], done["repaired"]) == ("failed", FAILING, 1, False)


def test_allowed_findings_stay_allowed_but_new_ones_stop_the_repair(server):
    flagged = 'import os\nuser = os.environ.get("USER")\n' + FAILING
    server.script(
        Reply(text=fenced('import os\nuser = os.environ.get("USER")\ndf_clean = df.copy()\ndf_clean["x"].sum()')),
        Reply(text=fenced('import os\nos.remove("notes.txt")\n' + FIXED)),
    )
    events = run(flagged, engine=openai_engine(server), attempts=2, allow_flagged=True)
    attempts = [event for event in events if event["type"] == "attempt"]
    assert [event["status"] for event in attempts] == ["failed", "failed", "flagged"]
    assert "os.remove" in attempts[2]["markdown"] and "os.environ" not in attempts[2]["markdown"]
    assert events[-1]["status"] == "failed"


@pytest.mark.parametrize(
    "answer, kind",
    [
        ("I cannot fix this without more information.", "repair_without_code"),
        (fenced(FAILING), "repair_unchanged"),
    ],
)
def test_an_answer_that_cannot_be_previewed_stops_the_repair(server, answer, kind):
    server.script(Reply(text=answer))
    events = run(FAILING, engine=openai_engine(server), attempts=2)
    assert types_of(events) == ["attempt", "repairing", "error", "done"]
    assert events[2]["error"] == kind and events[2]["message"].endswith(".")
    assert events[-1]["status"] == "failed" and "Repair is" not in events[-1]["message"]


def test_a_model_failure_is_an_error_event_then_done(server):
    server.default_reply = Reply(status=500, error={"error": {"message": "overloaded", "type": "server_error"}})
    events = run(FAILING, engine=openai_engine(server), attempts=2)
    assert types_of(events) == ["attempt", "repairing", "error", "done"]
    assert events[2]["error"] == "engine_server_error"
    assert events[-1]["status"] == "failed" and events[-1]["attempts"] == 1


def test_the_best_attempt_wins_and_the_earliest_among_equals():
    # attempt 1 warns, the repairs fail: the user keeps the working (warning) code
    warned = 'df_clean = df.copy()\nflag = pd.api.types.is_categorical_dtype(df_clean["city"])'
    with ChatServer() as server:
        server.script(
            Reply(text=fenced('df_clean = df.copy()\ndf_clean["nope"].sum()')),
            Reply(text=fenced('df_clean = df.copy()\ndf_clean["nope2"].sum()')),
        )
        events = run(warned, engine=openai_engine(server), attempts=2)
        sent = server.chat_requests[0].content("user")
    assert [event["status"] for event in events if event["type"] == "attempt"] == ["warned", "failed", "failed"]
    done = events[-1]
    assert (done["status"], done["code"], done["attempt"], done["attempts"]) == ("warned", warned, 1, 3)
    assert "Warnings it emitted" in sent and "is_categorical_dtype is deprecated" in sent


def test_cancel_closes_the_model_request_in_flight_and_ends_the_events(server):
    server.script(Reply(forever=True, delay=0.05))
    cancel = threading.Event()
    events = []
    for event in preview_and_repair(
        FAILING,
        frame="df",
        run_preview=lambda source: preview(source, frame(), name="df"),
        engine=openai_engine(server),
        cards=[describe(frame(), name="df").to_dict()],
        attempts=2,
        cancel=cancel,
    ):
        events.append(event)
        if event["type"] == "repairing":
            threading.Timer(0.5, cancel.set).start()
    assert types_of(events) == ["attempt", "repairing"]  # nothing after the cancel, not even done
    assert server.disconnected.wait(5)


def test_repaired_cells_keep_the_markdown_and_replace_the_code():
    cells = [
        {"cell_type": "markdown", "source": "Plan"},
        {"cell_type": "code", "source": "a = 1"},
        {"cell_type": "markdown", "source": "Then"},
        {"cell_type": "code", "source": "b = 2"},
    ]
    assert repaired_cells(cells, "a = 1\nb = 3", "Repaired.") == [
        {"cell_type": "markdown", "source": "Plan"},
        {"cell_type": "markdown", "source": "Repaired."},
        {"cell_type": "code", "source": "a = 1\nb = 3"},
        {"cell_type": "markdown", "source": "Then"},
    ]


def test_the_repair_prompt_needs_the_code():
    card = describe(frame(), name="df").to_dict()
    with pytest.raises(ValueError, match="needs the cell to fix"):
        build_messages("repair", [card], extra={"error": "KeyError: 'x'"})
    with pytest.raises(ValueError, match="does not use 'notebook'"):
        build_messages("repair", [card], extra={"code": "x = 1", "notebook": "y"})


def test_failed_validation_checks_are_not_sent_for_repair(server):
    # a validation cell failing on data that is not clean yet is doing its job: no model may blunt it
    checks = 'df_clean = df.copy()\nassert df_clean["amount"].str.startswith("$").all(), "amount: 1 value without $"'
    events = run(checks, engine=openai_engine(server), attempts=2)
    assert types_of(events) == ["attempt", "done"]
    assert events[0]["status"] == "failed" and events[0]["report"]["exception"]["type"] == "AssertionError"
    assert events[-1]["status"] == "failed"
    assert "own checks failed" in events[-1]["message"] and "not sent for repair" in events[-1]["message"]
    assert server.requests == []


def test_the_preview_settings_come_from_the_config_file(monkeypatch, tmp_path):
    from chat_server import isolated_settings_environment
    from jupyterlab_llmds.config import ConfigurationError, settings_from_environment

    isolated_settings_environment(monkeypatch, tmp_path)
    config = tmp_path / "jupyter_llmds_config.json"
    config.write_text('{"repair_attempts": 1, "preview_rows": 5000, "preview_timeout": 2.5}')
    settings = settings_from_environment()
    assert (settings.repair_attempts, settings.preview_rows, settings.preview_timeout) == (1, 5000, 2.5)
    monkeypatch.setenv("LLMDS_REPAIR_ATTEMPTS", "0")  # the environment wins over the file
    assert settings_from_environment().repair_attempts == 0
    config.write_text('{"repair_attempts": 50}')
    with pytest.raises(ConfigurationError, match="'repair_attempts' must be between 0 \\(no repair\\) and 10"):
        settings_from_environment({})


def test_excluded_columns_make_the_error_withhold_its_values(server):
    # the error quotes a value of an excluded column; redacted mode alone would let it through
    server.script(Reply(text=fenced(FIXED)))
    cards = [describe(frame(), name="df", privacy="redacted", exclude=["city"]).to_dict()]
    events = run(FAILING, engine=openai_engine(server), cards=cards, attempts=1)
    assert events[-1]["status"] == "ok"
    sent = server.chat_requests[0].content("user")
    assert "Springfield" not in sent
    assert "invalid literal for int() with base <value>: '<value>'" in sent
