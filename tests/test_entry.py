"""The kernel entry points on plain namespaces, in this process and in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
from IPython.core.interactiveshell import InteractiveShell

from jupyterlab_llmds.kernel import entry


def frame() -> pd.DataFrame:
    return pd.DataFrame({"price": ["$1.00", "$2,000.50", None], "ratio": [0.5, np.nan, np.inf]})


def test_frames_report_lists_public_frames_only():
    data = frame()
    namespace = {"df": data, "same": data, "_hidden": data, "_5": data, "numbers": [1, 2]}
    report = entry.frames_report(namespace)
    assert report["status"] == "ok"
    assert report["message"] == ""
    assert [(item["name"], item["rows"], item["columns"]) for item in report["frames"]] == [
        ("df", 3, 2),
        ("same", 3, 2),
    ]
    assert set(namespace) == {"df", "same", "_hidden", "_5", "numbers"}


def test_card_report_outcomes():
    namespace = {"df": frame(), "orders": frame(), "numbers": [1, 2], "count": 3}
    ok = entry.card_report(namespace, "df")
    assert ok["status"] == "ok"
    assert ok["card"]["name"] == "df"
    assert [column["name"] for column in ok["card"]["columns"]] == ["price", "ratio"]

    assert entry.card_report(namespace, "dff") == {
        "status": "error",
        "error": "not_found",
        "message": "no variable named 'dff' in this kernel; DataFrames here: df, orders",
    }
    assert entry.card_report(namespace, "numbers") == {
        "status": "error",
        "error": "not_dataframe",
        "message": "'numbers' is a list, not a pandas DataFrame",
    }
    assert entry.card_report(namespace, "count")["message"] == "'count' is an int, not a pandas DataFrame"
    assert entry.card_report(namespace, 42)["error"] == "not_found"


def test_long_name_lists_are_cut_short():
    namespace = {f"frame_{index:02d}": frame() for index in range(12)}
    message = entry.missing_frame_message("x", namespace)
    assert message.endswith("frame_09 and 2 more")
    assert entry.missing_frame_message("x", {}) == "no variable named 'x' in this kernel; DataFrames here: none"


def test_json_is_strict_even_with_nan_and_numpy_values():
    text = entry.to_json({"a": float("nan"), "b": np.int64(3), "c": [np.float32(1.5), float("inf")], "d": object})
    decoded = json.loads(text)
    assert decoded["a"] is None
    assert decoded["b"] == 3
    assert decoded["c"] == [1.5, None]
    assert decoded["d"] == str(object)
    assert "NaN" not in text and "Infinity" not in text


def test_entry_points_read_the_running_shell_namespace():
    shell = InteractiveShell.instance()
    shell.user_ns["entry_test_frame"] = frame()
    try:
        names_before = set(shell.user_ns)
        count_before = shell.execution_count
        listing = json.loads(entry.frames_json())
        card = json.loads(entry.card_json("entry_test_frame"))
        missing = json.loads(entry.card_json("no_such_name"))
        assert set(shell.user_ns) == names_before
        assert shell.execution_count == count_before
    finally:
        del shell.user_ns["entry_test_frame"]
    assert "entry_test_frame" in [item["name"] for item in listing["frames"]]
    assert card["status"] == "ok" and card["card"]["shape"] == [3, 2]
    assert missing["error"] == "not_found"


def test_no_pandas_and_no_pandas_import_in_a_fresh_interpreter():
    """Listing in a process that never imported pandas says so, and still has not imported it."""
    script = (
        "import json, sys\n"
        "from jupyterlab_llmds.kernel import entry\n"
        "listing = json.loads(entry.frames_json())\n"
        "card = json.loads(entry.card_json('df'))\n"
        "print(json.dumps({'listing': listing, 'card': card, 'pandas': 'pandas' in sys.modules}))\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    result = json.loads(completed.stdout)
    assert result["pandas"] is False
    assert result["listing"]["status"] == "no_pandas"
    assert result["listing"]["frames"] == []
    assert "import pandas" in result["listing"]["message"]
    assert result["card"]["error"] == "not_found"
