"""``%%llm`` with the openai engine: a real InteractiveShell, the real client, the local chat server."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from chat_server import ChatServer, Reply, error_body, isolated_settings_environment
from jupyterlab_llmds.kernel.prompt import estimate_tokens
from jupyterlab_llmds.magics import CELLS_MIMETYPE

CODE_ANSWER = "Copy first.\n\n```python\ndf_clean = df.copy()\n```\n"
PROSE_ANSWER = "The model mostly looks at **tenure**: longer customers churn less.\n\nTreat it as a first sketch."


class FittedForest:
    """Stands in for a fitted scikit-learn estimator (what explain reads: predict, names, importances)."""

    def __init__(self):
        self.feature_names_in_ = np.array(["tenure", "spend"])
        self.feature_importances_ = np.array([0.7, 0.3])

    def predict(self, frame):
        return np.zeros(len(frame))

    def __repr__(self):
        return "FittedForest(n_estimators=10)"


class FittedLinear:
    """A two-step "pipeline" whose last step has multi-class coefficients and no names of its own."""

    def __init__(self):
        final = type("Final", (), {"coef_": np.array([[0.5, -2.0], [-0.1, 1.0]])})()
        self.steps = [("scale", object()), ("model", final)]

    def predict(self, frame):
        return np.zeros(len(frame))


@pytest.fixture
def server():
    with ChatServer() as running:
        yield running


@pytest.fixture
def environment(monkeypatch, tmp_path, server):
    """No inherited settings; the openai engine configured (by environment) to the local server."""
    isolated_settings_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("LLMDS_MODEL", "test-model")
    monkeypatch.setenv("LLMDS_MAX_RETRIES", "0")
    monkeypatch.setenv("LLMDS_REQUEST_TIMEOUT", "5")


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext jupyterlab_llmds", store_history=False)
    shell.user_ns["df"] = pd.DataFrame(
        {
            "email": [f"user{index}@example.com" for index in range(8)],
            "tenure": [1, 5, 12, 30, 2, 8, 40, 3],
            "spend": ["$10", "$20", "N/A", "$15", "$7", "$30", "$12", "$9"],
            "churned": [1, 0, 0, 0, 1, 0, 0, 1],
        }
    )
    shell.user_ns["X_test"] = shell.user_ns["df"][["tenure"]].assign(spend=1.0)
    shell.user_ns["model"] = FittedForest()
    shell.user_ns["linear"] = FittedLinear()
    shell.user_ns["numbers"] = [1, 2]
    yield shell
    for name in ("df", "X_test", "model", "linear", "numbers", "df_more"):
        shell.user_ns.pop(name, None)


def run(shell, cell, store_history=False):
    with capture_output() as captured:
        result = shell.run_cell(cell, store_history=store_history)
    return result, captured


def usage_error(captured) -> str:
    text = captured.stderr.strip()
    assert text.startswith("UsageError: llm: "), text
    assert "\n" not in text and "Traceback" not in captured.stdout + captured.stderr
    return text[len("UsageError: "):]


def test_clean_with_the_openai_engine_by_environment(environment, server, shell):
    server.script(Reply(text=CODE_ANSWER))
    frame_before = shell.user_ns["df"].copy(deep=True)
    result, captured = run(shell, "%%llm clean df\nkeep the column order")

    assert result.success, captured.stderr
    (output,) = captured.outputs
    payload = output.data[CELLS_MIMETYPE]
    assert (payload["task"], payload["frame"], payload["engine"]) == ("clean", "df", "openai")
    assert payload["cells"] == [
        {"cell_type": "markdown", "source": "Copy first."},
        {"cell_type": "code", "source": "df_clean = df.copy()"},
    ]
    assert set(payload) == {"id", "task", "frame", "engine", "cells", "version"}
    (request,) = server.chat_requests
    user = request.content("user")
    assert request.body["model"] == "test-model"
    assert "'spend' (str, numeric_string)" in user and "user0@example.com" not in user
    assert user.rstrip().endswith("keep the column order")
    pd.testing.assert_frame_equal(shell.user_ns["df"], frame_before)
    assert "df_clean" not in shell.user_ns


@pytest.mark.parametrize("task", ["clean", "features", "validate", "ask", "model"])
def test_every_frame_task_is_accepted(environment, server, shell, task):
    result, captured = run(shell, f"%llm {task} df")
    assert result.success, captured.stderr
    assert f"## Task: {task}" in server.chat_requests[-1].content("user")


def test_model_with_a_named_target(environment, server, shell):
    result, captured = run(shell, "%%llm model df --target churned\nuse a simple model")
    assert result.success, captured.stderr
    user = server.chat_requests[-1].content("user")
    assert "The target to predict is 'churned'" in user
    assert "'churned' (int64, numeric) [target]" in user


def test_explain_a_fitted_model_shows_markdown(environment, server, shell):
    server.script(Reply(text=PROSE_ANSWER))
    result, captured = run(shell, "%%llm explain model --data X_test\nfor the sales team")
    assert result.success, captured.stderr
    (output,) = captured.outputs
    assert CELLS_MIMETYPE not in output.data
    assert output.data["text/markdown"].startswith(PROSE_ANSWER)
    assert "%llm explain X_test (openai engine)" in output.data["text/markdown"]
    user = server.chat_requests[-1].content("user")
    assert "Explain the trained model `model`" in user
    assert '<data>"FittedForest(n_estimators=10)"</data>' in user
    assert '<data>{"tenure":0.7,"spend":0.3}</data>' in user
    assert "Data card of the frame `X_test`" in user


def test_explain_reads_a_pipelines_last_step(environment, server, shell):
    result, captured = run(shell, "%llm explain linear --data X_test")
    assert result.success, captured.stderr
    user = server.chat_requests[-1].content("user")
    # several classes: the largest magnitude per feature; names from the data's columns
    assert '<data>{"spend":2.0,"tenure":0.5}</data>' in user


def test_an_answer_without_code_is_markdown_for_ask(environment, server, shell):
    server.script(Reply(text="It has 8 rows and no missing tenure."))
    result, captured = run(shell, "%%llm ask df\nhow many rows?")
    assert result.success
    (output,) = captured.outputs
    assert set(output.data) == {"text/markdown", "text/plain"}


def test_engine_and_model_options(monkeypatch, tmp_path, server, shell):
    isolated_settings_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result, captured = run(shell, "%llm clean df --engine openai --model other-model")
    assert result.success, captured.stderr
    assert server.chat_requests[-1].body["model"] == "other-model"


def test_model_option_alone_picks_the_openai_engine(monkeypatch, tmp_path, shell):
    # nothing configured: the default is builtin, yet --model asks for a language model, here OpenAI's API
    isolated_settings_environment(monkeypatch, tmp_path)
    result, captured = run(shell, "%llm features df --model gpt-4o-mini")
    assert usage_error(captured).startswith("llm: No API key for https://api.openai.com/v1: set OPENAI_API_KEY")


def test_the_config_file_configures_the_magic(monkeypatch, tmp_path, server, shell):
    isolated_settings_environment(monkeypatch, tmp_path)
    (tmp_path / "jupyter_llmds_config.json").write_text(
        f'{{"base_url": "{server.base_url}", "model": "file-model", "temperature": 0.1}}'
    )
    result, captured = run(shell, "%llm features df --budget 500")
    assert result.success, captured.stderr
    assert captured.outputs[0].data[CELLS_MIMETYPE]["engine"] == "openai"
    body = server.chat_requests[-1].body
    assert (body["model"], body["temperature"]) == ("file-model", 0.1)


def test_budget_option_bounds_the_card(environment, server, shell):
    run(shell, "%llm clean df --budget 150")
    user = server.chat_requests[-1].content("user")
    block = re.search(r"(`{3,})text\n(.*?)\n\1", user, re.S).group(2)
    assert estimate_tokens(block) <= 150


def test_recent_cells_that_use_the_frame_are_sent(environment, server, shell):
    run(shell, "df_more = df.assign(total=1)  # by ann@example.org", store_history=True)
    run(shell, "unrelated = 42", store_history=True)
    run(shell, "%%llm clean df\nplease", store_history=True)
    user = server.chat_requests[-1].content("user")
    assert "df_more = df.assign(total=1)" in user
    assert "ann@example.org" not in user and "<email_1>" in user
    assert "unrelated = 42" not in user and "run_cell_magic" not in user
    shell.user_ns.pop("unrelated", None)


def test_builtin_default_refuses_the_new_tasks_clearly(monkeypatch, tmp_path, shell):
    isolated_settings_environment(monkeypatch, tmp_path)
    result, captured = run(shell, "%llm model df --target churned")
    assert not result.success
    message = usage_error(captured)
    assert message.startswith("llm: unknown task 'model'; tasks: clean")
    assert "the openai engine does 'model': add --engine openai" in message
    result, captured = run(shell, "%llm tidy df")
    assert usage_error(captured) == "llm: unknown task 'tidy'; tasks: clean, validate"


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("%llm clean df --engine builtin --model m", "llm: --model is for the openai engine"),
        ("%llm explain model", "llm: explain needs the model's data: %llm explain model --data FRAME"),
        ("%llm clean df --data X_test", "llm: --data is for the explain task"),
        ("%llm explain numbers --data X_test", "llm: 'numbers' is a list, not a fitted model"),
        ("%llm explain nothing --data X_test", "llm: no variable named 'nothing' in this kernel"),
        ("%llm explain model --data numbers", "llm: 'numbers' is a list, not a pandas DataFrame"),
        ("%llm model df --target churn", "llm: df has no column 'churn'; columns: email, tenure, spend, churned"),
        ("%llm clean df --model", "llm: --model needs a name, e.g. --model gpt-4o-mini"),
    ],
)
def test_usage_errors(environment, server, shell, cell, message):
    result, captured = run(shell, cell)
    assert not result.success
    assert usage_error(captured).startswith(message)
    assert server.requests == []


def test_engine_failures_are_one_line_usage_errors(environment, server, shell, monkeypatch):
    secret = "sk-magic-SECRET-777"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    server.default_reply = Reply(status=401, error=error_body(f"Incorrect API key provided: {secret}"))
    result, captured = run(shell, "%llm clean df")
    assert not result.success
    message = usage_error(captured)
    assert "refused the API key (401 Unauthorized). Check that OPENAI_API_KEY" in message
    assert secret not in captured.stdout + captured.stderr


def test_missing_model_says_how_to_choose_one(monkeypatch, tmp_path, server, shell):
    isolated_settings_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    result, captured = run(shell, "%llm clean df")
    assert usage_error(captured).startswith("llm: No model chosen: set LLMDS_MODEL")


def test_a_smaller_card_retry_is_reported(environment, server, shell):
    attempts = []

    def first_too_long(request):
        attempts.append(request)
        if len(attempts) == 1:
            return Reply(status=400, error=error_body("maximum context length exceeded", code="context_length_exceeded"))
        return None

    server.responder = first_too_long
    result, captured = run(shell, "%llm clean df --budget 1000")
    assert result.success
    assert "llm: The prompt was too long for the context window of 'test-model'" in captured.stdout
    assert "cut to 500 tokens (from 1000)" in captured.stdout
    assert CELLS_MIMETYPE in captured.outputs[0].data
    assert "notes" not in captured.outputs[0].data[CELLS_MIMETYPE]


def test_help_lists_both_engines_and_the_new_options(monkeypatch, tmp_path, shell):
    isolated_settings_environment(monkeypatch, tmp_path)
    result, captured = run(shell, "%llm --help")
    assert "clean, validate   (builtin engine)" in captured.stdout
    assert "ask, clean, explain, features, model, validate   (openai engine)" in captured.stdout
    for option in ("--model NAME", "--target COLUMN", "--data FRAME", "%%llm explain model --data X_test"):
        assert option in captured.stdout


SPEND_FAILS = 'df_clean = df.copy()\ndf_clean["spend"] = df_clean["spend"].astype(float)'
SPEND_FIXED = (
    'df_clean = df.copy()\n'
    'df_clean["spend"] = pd.to_numeric(df_clean["spend"].str.replace("$", "", regex=False), errors="coerce")'
)


def test_preview_repairs_failing_code_and_publishes_the_repair(environment, server, shell):
    server.script(
        Reply(text=f"Convert spend.\n\n```python\n{SPEND_FAILS}\n```\n"),
        Reply(text=f"`$` is not a number.\n\n```python\n{SPEND_FIXED}\n```\n"),
    )
    frame_before = shell.user_ns["df"].copy(deep=True)
    result, captured = run(shell, "%%llm clean df --preview\nmake spend numeric")

    assert result.success, captured.stderr
    assert "llm: attempt 1 failed on a copy of df; asking the model for a repair (attempt 2 of 3)" in captured.stdout
    bundle, first, second = (output.data for output in captured.outputs)
    # the published cells carry the repaired code, under a markdown cell that says so
    cells = bundle[CELLS_MIMETYPE]["cells"]
    assert [cell["cell_type"] for cell in cells] == ["markdown", "markdown", "code"]
    assert cells[1]["source"].startswith("**Repaired after a preview on a copy of `df`**")
    assert "it raised ValueError: could not convert string to float" in cells[1]["source"]
    assert cells[2]["source"] == SPEND_FIXED
    assert SPEND_FIXED in bundle["text/markdown"] and SPEND_FAILS not in bundle["text/markdown"]
    # each attempt's report
    assert first["text/markdown"].startswith("#### Attempt 1 of 3 on a copy of `df`: failed")
    assert "`ValueError` (line 2)" in first["text/markdown"]
    assert second["text/markdown"].startswith("#### Attempt 2 of 3 (the model's repair) on a copy of `df`: ran without")
    assert "| `spend` | str → float64 |" in second["text/markdown"]
    # the repair request: the failing cell, its trimmed traceback, the same card
    first_request, repair_request = server.chat_requests
    sent = repair_request.content("user")
    assert "## Task: repair" in sent and SPEND_FAILS in sent
    assert "line 2, in <module>" in sent and "could not convert string to float: '$10'" in sent
    def card_section(text: str) -> str:
        return text.split("## Task:")[0].split("## Notebook context")[0]

    assert card_section(first_request.content("user")) == card_section(sent)  # the same card, unchanged
    assert "user0@example.com" not in sent
    pd.testing.assert_frame_equal(shell.user_ns["df"], frame_before)
    assert "df_clean" not in shell.user_ns


def test_preview_keeps_the_cells_when_the_repairs_do_not_pass(environment, server, shell, monkeypatch):
    monkeypatch.setenv("LLMDS_REPAIR_ATTEMPTS", "1")
    server.script(
        Reply(text=f"```python\n{SPEND_FAILS}\n```\n"),
        Reply(text='```python\ndf_clean = df.copy()\ndf_clean["no_such_column"].sum()\n```\n'),
    )
    result, captured = run(shell, "%llm clean df --preview")

    assert result.success, captured.stderr
    bundle, first, second = (output.data for output in captured.outputs)
    assert bundle[CELLS_MIMETYPE]["cells"] == [{"cell_type": "code", "source": SPEND_FAILS}]
    assert first["text/markdown"].startswith("#### Attempt 1 of 2 on a copy of `df`: failed")
    assert "`KeyError`" in second["text/markdown"]
    assert second["text/markdown"].endswith("still fails on a copy of df after 2 attempts; the code as first written is kept.")
    assert len(server.chat_requests) == 2


def test_repair_is_not_a_task_users_ask_for(environment, server, shell):
    result, captured = run(shell, "%llm repair df")
    assert usage_error(captured).startswith("llm: unknown task 'repair'; tasks: ask, clean, explain, features")
    assert server.requests == []


def test_preview_settings_bound_the_copy_and_the_report_says_it_sampled(monkeypatch, tmp_path, shell):
    isolated_settings_environment(monkeypatch, tmp_path)
    monkeypatch.setenv("LLMDS_PREVIEW_ROWS", "3")
    result, captured = run(shell, "%llm clean df --preview")
    assert result.success, captured.stderr
    report = captured.outputs[-1].data["text/markdown"]
    assert "on a copy of a sample of 3 of 8 rows of `df` (the first rows plus random ones)" in report
