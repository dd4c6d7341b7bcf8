"""``%llm`` / ``%%llm`` in a real in-process IPython shell, and once in a real ipykernel."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from jupyter_client.manager import start_new_kernel

import jupyterlab_llmds
from jupyterlab_llmds.magics import CELLS_MIMETYPE

#: Names IPython itself adds or changes for every cell it runs.
HISTORY_NAMES = {"_", "__", "___", "_i", "_ii", "_iii", "_oh", "_dh", "In", "Out", "_ih", "_exit_code"}


@pytest.fixture
def shell():
    """The process-wide InteractiveShell with the extension loaded and two frames defined."""
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext jupyterlab_llmds", store_history=False)
    shell.user_ns["df"] = pd.DataFrame(
        {
            "price": ["$1,234.50", "$12.00", "N/A", "$7.25"],
            "city": [" NY", "NY", "ny ", "Boston"],
        }
    )
    shell.user_ns["orders"] = shell.user_ns["df"].head(2)
    shell.user_ns["numbers"] = [1, 2, 3]
    yield shell
    for name in ("df", "orders", "numbers"):
        shell.user_ns.pop(name, None)


def namespace_snapshot(shell: InteractiveShell) -> dict:
    """The user's names (without IPython's history entries) mapped to the objects bound to them."""
    return {
        name: value
        for name, value in shell.user_ns.items()
        if name not in HISTORY_NAMES and not (name.startswith("_i") or name.lstrip("_").isdigit())
    }


def assert_same_names(shell: InteractiveShell, names_before: dict) -> None:
    """The same user names as before, each still bound to the very same object."""
    names_after = namespace_snapshot(shell)
    assert set(names_after) == set(names_before)
    assert all(names_after[name] is value for name, value in names_before.items())


def run_magic(shell: InteractiveShell, cell: str):
    """Run a cell and return (result, captured output)."""
    with capture_output() as captured:
        result = shell.run_cell(cell)
    return result, captured


def test_cell_magic_publishes_one_bundle_naming_the_columns(shell):
    frame_before = shell.user_ns["df"].copy(deep=True)
    names_before = namespace_snapshot(shell)

    result, captured = run_magic(shell, "%%llm clean df\nkeep it short")

    assert result.success
    assert result.result is None
    assert len(captured.outputs) == 1
    bundle = captured.outputs[0].data
    assert set(bundle) == {CELLS_MIMETYPE, "text/markdown", "text/plain"}
    payload = bundle[CELLS_MIMETYPE]
    assert set(payload) == {"id", "task", "frame", "engine", "cells", "version"}
    assert (payload["task"], payload["frame"], payload["engine"]) == ("clean", "df", "builtin")
    assert payload["version"] == jupyterlab_llmds.__version__
    assert len(payload["id"]) == 32 and int(payload["id"], 16) >= 0
    json.dumps(payload)  # the frontend gets it as JSON

    code_cells = [cell["source"] for cell in payload["cells"] if cell["cell_type"] == "code"]
    assert code_cells
    code = "\n".join(code_cells)
    assert "'price'" in code and "'city'" in code
    for source in code_cells:
        assert f"```python\n{source}\n```" in bundle["text/markdown"]
        assert source in bundle["text/plain"]

    # nothing ran and nothing was assigned: same names, same objects, same frame
    assert_same_names(shell, names_before)
    assert "df_clean" not in shell.user_ns
    pd.testing.assert_frame_equal(shell.user_ns["df"], frame_before)


def test_line_magic_works_too(shell):
    result, captured = run_magic(shell, "%llm clean orders --engine builtin")
    assert result.success
    assert len(captured.outputs) == 1
    assert captured.outputs[0].data[CELLS_MIMETYPE]["frame"] == "orders"


@pytest.mark.parametrize("cell", ["%%llm clean df", "%%llm clean df\n", "%%llm clean df\n   \n"])
def test_cell_magic_alone_in_a_cell_works_without_a_body(shell, cell):
    # IPython refuses an empty-bodied cell magic; `%%llm clean df` alone in a
    # cell is the documented way to ask, so it must work.
    result, captured = run_magic(shell, cell)
    assert result.success, result.error_in_exec or result.error_before_exec
    assert len(captured.outputs) == 1
    payload = captured.outputs[0].data[CELLS_MIMETYPE]
    assert (payload["task"], payload["frame"]) == ("clean", "df")


def test_reloading_the_extension_does_not_stack_input_transformers(shell):
    shell.run_cell("%reload_ext jupyterlab_llmds", store_history=False)
    shell.run_cell("%reload_ext jupyterlab_llmds", store_history=False)
    names = [getattr(transform, "__name__", "") for transform in shell.input_transformers_cleanup]
    assert names.count("llm_cell_magic_without_body") == 1


def test_each_run_has_its_own_id(shell):
    _, first = run_magic(shell, "%llm clean df")
    _, second = run_magic(shell, "%llm clean df")
    assert first.outputs[0].data[CELLS_MIMETYPE]["id"] != second.outputs[0].data[CELLS_MIMETYPE]["id"]


@pytest.mark.parametrize("cell", ["%llm", "%llm --help", "%%llm -h\nignored body"])
def test_help_prints_usage_and_publishes_nothing(shell, cell):
    result, captured = run_magic(shell, cell)
    assert result.success
    assert captured.outputs == []
    assert "%%llm TASK FRAME" in captured.stdout
    assert "clean" in captured.stdout
    assert "--engine" in captured.stdout
    assert "nothing is run" in captured.stdout


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("%%llm clean dff\nplease", "llm: no variable named 'dff' in this kernel; DataFrames here: df, orders"),
        ("%llm clean numbers", "llm: 'numbers' is a list, not a pandas DataFrame"),
        ("%llm tidy df", "llm: unknown task 'tidy'; tasks: clean"),
        ("%llm clean df --engine gpt", "llm: unknown engine 'gpt'; engines: builtin"),
        ("%llm clean", "llm: give a task and a DataFrame name"),
    ],
)
def test_usage_errors_are_one_line(shell, cell, message):
    names_before = namespace_snapshot(shell)
    result, captured = run_magic(shell, cell)
    assert not result.success
    assert captured.outputs == []
    error_text = captured.stderr.strip()
    assert error_text.startswith("UsageError: " + message)
    assert "\n" not in error_text
    assert "Traceback" not in captured.stdout + captured.stderr
    assert_same_names(shell, names_before)


def test_bundle_reaches_a_real_kernel_frontend_as_display_data():
    manager, client = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        cell = (
            "%load_ext jupyterlab_llmds\n"
            "import pandas as pd\n"
            "df = pd.DataFrame({'price': ['$1.00', '$2,000.50', 'N/A'], 'city': [' NY', 'NY', 'ny ']})"
        )
        assert client.execute_interactive(cell, timeout=60)["content"]["status"] == "ok"
        messages = []
        reply = client.execute_interactive(
            "%%llm clean df\nkeep the column order", timeout=60, output_hook=messages.append
        )
        assert reply["content"]["status"] == "ok"
        displays = [message for message in messages if message["msg_type"] == "display_data"]
        assert len(displays) == 1
        data = displays[0]["content"]["data"]
        assert set(data) == {CELLS_MIMETYPE, "text/markdown", "text/plain"}
        payload = data[CELLS_MIMETYPE]
        assert (payload["task"], payload["frame"]) == ("clean", "df")
        assert "'price'" in "\n".join(cell["source"] for cell in payload["cells"])
        # nothing was run: no execute_result, no df_clean in the kernel
        assert not [message for message in messages if message["msg_type"] == "execute_result"]
        check = client.execute_interactive(
            "", timeout=30, silent=True, user_expressions={"has_clean": "'df_clean' in globals()"}
        )
        assert check["content"]["user_expressions"]["has_clean"]["data"]["text/plain"] == "False"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_preview_shows_what_the_code_would_change_without_touching_the_frame(shell):
    frame_before = shell.user_ns["df"].copy(deep=True)
    names_before = namespace_snapshot(shell)

    result, captured = run_magic(shell, "%%llm clean df --preview")

    assert result.success, result.error_in_exec
    assert len(captured.outputs) == 2  # the cells bundle, then the report
    assert CELLS_MIMETYPE in captured.outputs[0].data
    report = captured.outputs[1].data["text/markdown"]
    assert "Preview on a copy of `df`" in report
    assert "Ran without error" in report and "`df_clean`" in report
    assert "| `price` | str → float64 |" in report or "| `price` | object → float64 |" in report
    # the preview ran elsewhere: no df_clean here, df as it was
    assert "df_clean" not in shell.user_ns
    assert_same_names(shell, names_before)
    pd.testing.assert_frame_equal(shell.user_ns["df"], frame_before)


def test_preview_report_for_failing_and_unsafe_code():
    from jupyterlab_llmds.engines.safety import check_code
    from jupyterlab_llmds.kernel.preview import preview
    from jupyterlab_llmds.preview_report import preview_markdown, safety_markdown

    frame = pd.DataFrame({"a": [1, 2]})
    failed = preview_markdown(preview("x = 1\ndf['missing'] + 1", frame, name="df"), "df")
    assert "**Failed**" in failed and "`KeyError`" in failed and "(line 2)" in failed

    findings = check_code("import os\nos.system('rm -rf data')\n")
    unsafe = safety_markdown(findings, "df")
    assert "Not previewed" in unsafe and "line 2" in unsafe and "os.system" in unsafe
