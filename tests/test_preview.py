"""Preview on a copy: what generated code WOULD change, without touching the user's frame."""

from __future__ import annotations

import ast
import json
import time

import numpy as np
import pandas as pd
import pytest

import jupyterlab_llmds
from jupyterlab_llmds.kernel import entry
from jupyterlab_llmds.kernel.preview import preview
from test_bridge import STATE_EXPRESSIONS  # the same before/after snapshot as the bridge tests


def messy_frame(rows: int = 8) -> pd.DataFrame:
    base = pd.DataFrame(
        {
            "price": ["$1,234.50", "$12.00", "N/A", "$7.25", "$7.25", "$3.00", "$4.00", "$5.00"],
            "city": ["NY", "ny", "NY", "Boston", "Boston", "NY", "boston", "NY"],
            "qty": [1, 2, None, 4, 4, 6, 7, 8],
        }
    )
    if rows == len(base):
        frame = base
    else:
        frame = base.iloc[np.arange(rows) % len(base)].reset_index(drop=True)
        frame["qty"] = np.arange(rows, dtype="float64")  # only rows 3/4 of the first block repeat
        frame.loc[4, "qty"] = frame.loc[3, "qty"]
    frame.attrs["source"] = "test"
    return frame


def clean_code(frame: pd.DataFrame) -> str:
    suggestion = jupyterlab_llmds.suggest(frame, task="clean", name="df")
    return "\n\n".join(cell.source for cell in suggestion.cells if cell.cell_type == "code")


def assert_unchanged(frame: pd.DataFrame, before: pd.DataFrame, frame_id: int) -> None:
    assert id(frame) == frame_id
    assert frame.equals(before)
    assert list(frame.columns) == list(before.columns)
    assert frame.dtypes.equals(before.dtypes)
    assert frame.index.equals(before.index)
    assert frame.attrs == before.attrs


def test_clean_engine_code_is_previewed_and_the_frame_is_unchanged():
    df = messy_frame()
    before, frame_id = df.copy(deep=True), id(df)

    report = preview(clean_code(df), df, "df")

    assert_unchanged(df, before, frame_id)
    json.dumps(report, allow_nan=False)  # strict JSON
    assert report["status"] == "ok", report["message"]
    assert report["result"] == {"name": "df_clean", "how": "created"}
    assert report["sample"] == {"rows": 8, "of": 8, "method": "all"}
    diff = report["diff"]
    assert diff["dtypes_changed"]["price"][1] == "float64"
    assert diff["nulls_changed"]["price"] == [0, 1]  # "N/A" became missing
    assert diff["rows"] == {"by": "label", "dropped": 1, "added": 0, "dropped_labels": [4], "added_labels": []}
    assert diff["shape"] == {"before": [8, 3], "after": [7, 3]}
    merged = diff["values_merged"]["city"]
    assert merged["distinct"][1] < merged["distinct"][0]
    assert ["ny", "NY"] in merged["examples"]
    assert 0 < len(diff["changed_rows"]) <= 5
    row = next(row for row in diff["changed_rows"] if row["index"] == 1)
    assert row["before"] == {"price": "$12.00", "city": "ny", "qty": 2.0}
    assert row["after"] == {"price": 12.0, "city": "NY", "qty": 2.0}
    assert set(row["columns"]) == {"price", "city"}
    assert "df_clean" in report["message"] and report["seconds"] >= 0
    assert "rows x" in report["stdout"]["text"]  # the cell's own summary was captured


def test_code_that_modifies_the_frame_in_place_reports_df_and_leaves_the_users_alone():
    df = messy_frame()
    before, frame_id = df.copy(deep=True), id(df)
    report = preview("df['qty'] = df['qty'].fillna(0)\ndf.drop(columns=['city'], inplace=True)", df, "df")
    assert_unchanged(df, before, frame_id)
    assert report["result"] == {"name": "df", "how": "modified"}
    assert report["diff"]["columns"] == {"added": [], "removed": ["city"]}
    assert report["diff"]["nulls_changed"] == {"qty": [1, 0]}


def test_rebound_and_last_created_results():
    df = messy_frame()
    assert preview("df = df.head(3)", df)["result"] == {"name": "df", "how": "rebound"}
    report = preview("tmp = df.copy()\nsmall = tmp[tmp['qty'] > 2]", df)
    assert report["result"] == {"name": "small", "how": "last_created"}
    assert report["diff"]["rows"]["dropped"] == 3  # qty 1, 2 and the missing one


def test_non_unique_index_reports_rows_by_count():
    df = messy_frame().set_index("city")
    report = preview("df_clean = df.iloc[:5]", df)
    assert report["diff"]["rows"]["by"] == "count"
    assert report["diff"]["rows"]["dropped"] == 3


def test_code_that_raises_reports_the_exception_and_the_line():
    df = messy_frame()
    before, frame_id = df.copy(deep=True), id(df)
    report = preview("df_clean = df.copy()\n\ndf_clean['missing'].str.strip()\n", df)
    assert_unchanged(df, before, frame_id)
    assert report["status"] == "error"
    assert report["exception"]["type"] == "KeyError"
    assert report["exception"]["line"] == 3
    assert report["exception"]["traceback"][-1]["code"] == "df_clean['missing'].str.strip()"
    assert "line 3" in report["exception"]["text"]
    # only the code's frames, not pandas internals
    assert all(frame["function"] == "<module>" for frame in report["exception"]["traceback"])
    assert "KeyError" in report["message"] and "line 3" in report["message"]


def test_removed_fillna_method_is_an_error_in_pandas_3():
    # fillna(method=) was removed in pandas 3: it raises rather than warns.
    report = preview("df_clean = df.fillna(method='ffill')", messy_frame())
    assert report["status"] == "error"
    assert report["exception"]["type"] == "TypeError"


def test_syntax_error_is_reported_with_its_line():
    report = preview("x = 1\ndf_clean = df.copy(\n", messy_frame())
    assert report["status"] == "error"
    assert report["exception"]["type"] == "SyntaxError"


def test_deprecated_call_gives_a_deprecation_warning():
    # verified: pandas 3.1 warns Pandas4Warning (a DeprecationWarning) here
    code = "df_clean = df.copy()\nflag = pd.api.types.is_categorical_dtype(df_clean['city'])\n"
    report = preview(code, messy_frame())
    assert report["status"] == "ok"
    [warning] = report["warnings"]
    assert warning["kind"] == "deprecation"
    assert warning["line"] == 2
    assert "is_categorical_dtype" in warning["message"]
    assert issubclass(getattr(pd.errors, warning["category"]), (DeprecationWarning, FutureWarning))


def test_chained_assignment_warning_is_captured():
    report = preview("df['qty'][0] = 100", messy_frame())
    kinds = {warning["kind"] for warning in report["warnings"]}
    assert "chained_assignment" in kinds


def test_infinite_loop_times_out():
    df = messy_frame()
    started = time.perf_counter()
    report = preview("while True:\n    pass\n", df, timeout=1.0)
    elapsed = time.perf_counter() - started
    assert report["status"] == "timeout"
    assert elapsed < 2.0
    assert "1 s" in report["message"]
    assert report["stopped"] is True  # the pure-Python loop was asked to stop


def test_stdout_is_captured_and_truncated():
    report = preview("print('x' * 10000)", messy_frame())
    assert report["stdout"]["truncated"] is True
    assert report["stdout"]["chars"] == 10001
    assert len(report["stdout"]["text"]) <= 4000


def test_one_million_rows_are_previewed_on_a_sample():
    rows = 1_000_000
    df = messy_frame(rows)
    code = clean_code(df)
    before_id = id(df)
    started = time.perf_counter()
    report = preview(code, df, "df", max_rows=100_000)
    elapsed = time.perf_counter() - started
    print(f"\n1M-row preview: {elapsed:.2f} s (code {report['seconds']:.2f} s)")
    assert id(df) == before_id and len(df) == rows
    assert report["status"] == "ok", report["message"]
    assert report["sample"] == {"rows": 100_000, "of": rows, "method": "head+random"}
    assert "100,000-row sample" in report["message"]
    assert report["diff"]["shape"]["before"][0] == 100_000
    assert report["diff"]["dtypes_changed"]["price"][1] == "float64"


def test_preview_json_outside_a_kernel_reports_not_found():
    answer = json.loads(entry.preview_json("df_clean = df", "df"))
    assert answer["status"] == "error" and answer["error"] == "not_found"


# --------------------------------------------------------------------------- real kernel

SETUP_CELLS = [
    """
import pandas as pd
df = pd.DataFrame({
    "price": ["$1,234.50", "$12.00", "N/A", "$7.25", "$7.25"],
    "city": ["NY", "ny", "NY", "Boston", "Boston"],
})
df.attrs["source"] = "test"
df_before = df.copy(deep=True)
df_id = id(df)
numbers = [1, 2, 3]
""",
    "df.shape",
    "1 + 1",
]


FRAME_UNCHANGED = (
    "df.equals(df_before) and id(df) == df_id"
    " and list(df.columns) == list(df_before.columns)"
    " and df.dtypes.equals(df_before.dtypes)"
    " and df.index.equals(df_before.index)"
    " and df.attrs == df_before.attrs"
)

PREVIEW_CODE = """df_clean = df.copy()
df_clean = df_clean.drop_duplicates()
df_clean['city'] = df_clean['city'].str.upper()
df_clean['price'] = pd.to_numeric(df_clean['price'].str.replace('[$,]', '', regex=True), errors='coerce')
print("done")
"""


def silent_evaluate(client, expressions: dict) -> dict:
    reply = client.execute(
        "", silent=True, store_history=False, user_expressions=expressions, reply=True, timeout=60
    )
    results = reply["content"]["user_expressions"]
    for key, result in results.items():
        assert result["status"] == "ok", (key, result)
    return {key: result["data"]["text/plain"] for key, result in results.items()}


def preview_expression(code: str, name: str, **keywords) -> str:
    extra = "".join(f", {key}={value!r}" for key, value in keywords.items())
    return f'__import__("jupyterlab_llmds.kernel.entry", fromlist=["entry"]).preview_json({code!r}, {name!r}{extra})'


@pytest.fixture(scope="module")
def kernel():
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3", startup_timeout=60)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_preview_json_in_a_real_kernel_changes_nothing(kernel):
    for cell in SETUP_CELLS:
        reply = kernel.execute(cell, reply=True, timeout=60)
        assert reply["content"]["status"] == "ok"
    before = silent_evaluate(kernel, STATE_EXPRESSIONS)

    answers = silent_evaluate(
        kernel,
        {
            "ok": preview_expression(PREVIEW_CODE, "df"),
            "error": preview_expression("df_clean = df['nope']", "df"),
            "timeout": preview_expression("while True: pass", "df", timeout=1.0),
            "missing": preview_expression("x = 1", "dff"),
            "not_frame": preview_expression("x = 1", "numbers"),
        },
    )
    after = silent_evaluate(kernel, STATE_EXPRESSIONS)
    unchanged = silent_evaluate(kernel, {"frame": FRAME_UNCHANGED})

    assert after == before
    assert unchanged["frame"] == "True"
    assert ast.literal_eval(before["execution_count"]) == 4
    assert before["_"] == "'2'"
    assert "'df_clean'" not in after["names"]

    parsed = {key: json.loads(ast.literal_eval(text)) for key, text in answers.items()}
    ok = parsed["ok"]
    assert ok["status"] == "ok", ok["message"]
    assert ok["result"] == {"name": "df_clean", "how": "created"}
    assert ok["diff"]["rows"]["dropped"] == 1
    assert ok["diff"]["dtypes_changed"]["price"][1] == "float64"
    assert ["ny", "NY"] in ok["diff"]["values_merged"]["city"]["examples"]
    assert ok["stdout"]["text"] == "done\n"
    assert parsed["error"]["status"] == "error" and parsed["error"]["exception"]["type"] == "KeyError"
    assert parsed["timeout"]["status"] == "timeout"
    assert parsed["missing"]["error"] == "not_found"
    assert parsed["not_frame"]["error"] == "not_dataframe"
