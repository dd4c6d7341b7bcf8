"""Checks written as a pandera schema (``--schema pandera``, ``"schema": "pandera"``).

The built-in engine renders the same validation plan as the plain pandas
cell: the schema fails on the raw frames (``SchemaErrors`` naming the
columns), passes after the built-in cleaning, and reports every failure at
once. A library the kernel lacks is refused with the ``%pip install`` to run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import warnings

import pandas as pd
import pandera.pandas as pa
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

from chat_server import ChatServer, Reply, isolated_settings_environment
from conftest import kernel_session, server_config
from jupyterlab_llmds import describe
from jupyterlab_llmds.engines.builtin import BuiltinEngine
from jupyterlab_llmds.engines.builtin.validate_plan import plan_validation
from jupyterlab_llmds.engines.safety import check_code
from jupyterlab_llmds.kernel.schema_libraries import schema_library_json, schema_library_problem, version_tuple
from jupyterlab_llmds.magics import CELLS_MIMETYPE
from test_clean_engine import messy_frame
from test_validate_engine import DATA, run_code

PANDERA = {"schema_library": "pandera"}

FRAMES = {
    "messy": (messy_frame, "sales"),
    "hospital": (lambda: pd.read_csv(DATA / "hospital" / "dirty.csv"), "df"),
    "flights": (lambda: pd.read_csv(DATA / "flights" / "dirty.csv"), "df"),
}


def run_schema(code: str, namespace: dict) -> tuple[pa.errors.SchemaErrors | None, str]:
    """Execute a schema cell (FutureWarning/DeprecationWarning as errors); the SchemaErrors it raised, and its output."""
    output = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        with contextlib.redirect_stdout(output):
            try:
                exec(compile(code, "<generated schema cell>", "exec"), namespace)
            except pa.errors.SchemaErrors as errors:
                return errors, output.getvalue()
    return None, output.getvalue()


def failing_columns(errors: pa.errors.SchemaErrors) -> set[str]:
    """Columns named by a failing column check (frame-wide checks name every column of a failing row)."""
    cases = errors.failure_cases
    return {column for column in cases.loc[cases["schema_context"] == "Column", "column"] if isinstance(column, str)}


@pytest.fixture(scope="module", params=sorted(FRAMES))
def cleaned(request):
    """The clean task in pandera: its cells, the schema run on the raw frame and after the cleaning."""
    make, name = FRAMES[request.param]
    frame = make()
    original = frame.copy(deep=True)
    card = describe(frame, name=name).to_dict()
    cells = BuiltinEngine().suggest([card], "clean", extra=PANDERA).cells
    schema_cell = cells[3].source
    raw_errors, raw_printed = run_schema(schema_cell, {name: frame, f"{name}_clean": frame})
    namespace = {name: frame}
    clean_error, _ = run_code(cells[1].source, namespace)
    assert clean_error is None
    after_errors, after_printed = run_schema(schema_cell, namespace)
    # the same checks in plain pandas, on the same raw frame, for comparison
    plain_ns = {name: frame, f"{name}_clean": frame}
    run_code(BuiltinEngine().suggest([card], "clean").cells[3].source, plain_ns)
    return {
        "key": request.param, "name": name, "frame": frame, "original": original, "cells": cells, "card": card,
        "raw_errors": raw_errors, "raw_printed": raw_printed, "after_errors": after_errors,
        "after_printed": after_printed, "plain_results": plain_ns["validation_results"],
    }


def test_the_clean_task_ends_with_a_pandera_schema(cleaned):
    cells = cleaned["cells"]
    name = cleaned["name"]
    assert [cell.cell_type for cell in cells] == ["markdown", "code", "markdown", "code"]
    code = cells[3].source
    assert "import pandera.pandas as pa" in code
    assert f"{name}_clean_schema = pa.DataFrameSchema(" in code
    assert f"{name}_clean_schema.validate({name}_clean, lazy=True)" in code
    assert "pandera `DataFrameSchema`" in cells[2].source and "`lazy=True`" in cells[2].source
    compile(code, "<schema>", "exec")
    assert check_code(code) == []  # the safety check lets pandera code through


def test_the_schema_fails_on_the_raw_frame_naming_columns_and_rows(cleaned):
    errors = cleaned["raw_errors"]
    assert errors is not None, cleaned["raw_printed"]
    # every column the plain pandas checks find failing is named by pandera too: the same plan
    frame_checks = {check.title for check in plan_validation(cleaned["card"], cleaned=True).checks if check.column is None}
    plain = {
        column.strip("'") for title, column, failing, _ in cleaned["plain_results"]
        if failing and title not in frame_checks
    }
    assert plain and failing_columns(errors) == plain
    printed = cleaned["raw_printed"]
    assert f"checks failed on {cleaned['name']}_clean:" in printed
    expected = {
        "messy": ["numeric dtype [price]: ", "no null tokens ('-', 'N/A') [price]: 2 failing rows",
                  "no exact duplicate rows [rows]: 1 failing row\n", "[state]: 4 failing rows"],
        "hospital": ["numeric dtype [score]: 1000 failing rows", "no null tokens ('empty') [score]: 167 failing rows",
                     "[emergency_service]: 1000 failing rows", "has values (all-null: droppable) [address_2]"],
        "flights": ["times of day (datetime.time values) [act_dep_time]: ",
                    "no null tokens ('Contact Airline', 'Not Available') [act_dep_time]: 32 failing rows"],
    }[cleaned["key"]]
    for line in expected:
        assert line in printed, line
    # pandera's own message names the columns too
    column = {"messy": "price", "hospital": "score", "flights": "sched_dep_time"}[cleaned["key"]]
    assert f"'{column}'" in str(errors) or f'"{column}"' in str(errors)


def test_the_schema_passes_after_the_builtin_cleaning(cleaned):
    assert cleaned["after_errors"] is None, cleaned["after_printed"]
    name = cleaned["name"]
    assert f"{name}_clean passes every check of {name}_clean_schema" in cleaned["after_printed"]
    pd.testing.assert_frame_equal(cleaned["frame"], cleaned["original"])


def test_validate_in_pandera_checks_the_frame_as_it_is():
    frame = pd.read_csv(DATA / "hospital" / "dirty.csv")
    card = describe(frame, name="df").to_dict()
    cells = BuiltinEngine().suggest([card], "validate", extra=PANDERA).cells
    assert [cell.cell_type for cell in cells] == ["markdown", "code"]
    code = cells[1].source
    # dtype, nullable and unique on the Column; the rest as named checks
    assert "'index': pa.Column('int64', nullable=False, unique=True)" in code
    assert "'emergency_service': pa.Column('boolean', nullable=True)" in code
    assert "pa.Check.notin([" in code
    errors, printed = run_schema(code, {"df": frame})
    assert errors is not None
    assert {"score", "sample", "emergency_service", "city", "address_2"} <= failing_columns(errors)
    assert "field_uniqueness" not in set(errors.failure_cases["check"])  # the index is unique in this table
    # a tidy frame passes its own schema
    tidy = pd.DataFrame({"id": [1, 2, 3], "amount": [1.5, 2.0, 2.5],
                         "day": pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-03"])})
    code = BuiltinEngine().suggest([describe(tidy, name="tidy").to_dict()], "validate", extra=PANDERA).cells[1].source
    errors, printed = run_schema(code, {"tidy": tidy})
    assert errors is None, printed
    assert "'day': pa.Column('datetime64[" in code


def test_outliers_sentinels_and_keys_become_in_range_notin_and_unique():
    amount = [50.0 + index % 7 for index in range(200)]
    amount[3] = amount[7] = -999.0
    amount[10] = 5000.0
    frame = pd.DataFrame({"customer_id": list(range(199)) + [5], "amount": amount})
    cells = BuiltinEngine().suggest([describe(frame, name="orders").to_dict()], "validate", extra=PANDERA).cells
    code = cells[1].source
    assert "unique=True" in code and "pa.Check.notin([-999.0]" in code and "pa.Check.in_range(" in code
    errors, printed = run_schema(code, {"orders": frame})
    assert errors is not None
    checks = set(errors.failure_cases["check"])
    assert "no sentinel values ('-999')" in checks and "field_uniqueness" in checks
    assert any(check.startswith("no values beyond the outlier fences") for check in checks)
    assert "no sentinel values ('-999') [amount]: 2 failing rows" in printed
    assert "field_uniqueness [customer_id]: 2 failing rows" in printed


def test_series_and_odd_frame_names_work_in_pandera():
    series = pd.Series(["$1", "$2", "N/A", "$4"], name="price")
    card = describe(series, name="prices").to_dict()
    cells = BuiltinEngine().suggest([card], "clean", extra=PANDERA).cells
    namespace = {"prices": series}
    run_code(cells[1].source, namespace)
    assert isinstance(namespace["prices_clean"], pd.Series)
    errors, printed = run_schema(cells[3].source, namespace)
    assert errors is None, printed
    frame = pd.DataFrame({"a": ["$1", "$2", "$3", "$4"]})
    code = BuiltinEngine().suggest([describe(frame, name="my frame").to_dict()], "validate", extra=PANDERA).cells[1].source
    assert "frame_schema.validate(globals()['my frame'], lazy=True)" in code
    errors, _ = run_schema(code, {"my frame": frame})
    assert errors is not None and failing_columns(errors) == {"a"}


def test_columns_reached_by_position_fall_back_to_pandas_and_say_why():
    frame = pd.DataFrame({"c0": [" a", "b"], "c1": ["$1", "$2"]})
    frame.columns = ["dup", "dup"]
    cells = BuiltinEngine().suggest([describe(frame, name="odd").to_dict()], "validate", extra=PANDERA).cells
    assert "pandera" not in cells[1].source and "validation_checks(odd)" in cells[1].source
    assert "These checks are plain pandas, not pandera" in cells[0].source
    assert "repeat or cannot be written as Python literals" in cells[0].source


def test_the_builtin_engine_refuses_libraries_it_does_not_write():
    card = describe(messy_frame(), name="sales").to_dict()
    with pytest.raises(ValueError, match="writes its checks in pandas or pandera, not great_expectations"):
        BuiltinEngine().suggest([card], "validate", extra={"schema_library": "great_expectations"})
    with pytest.raises(ValueError, match="Unknown schema library 'yaml'; choose one of: pandas, pandera"):
        BuiltinEngine().suggest([card], "clean", extra={"schema_library": "yaml"})
    # plain pandas is the default and what "pandas" asks for
    plain = BuiltinEngine().suggest([card], "clean", extra={"schema_library": "pandas"})
    assert plain.to_dict() == BuiltinEngine().suggest([card], "clean").to_dict()


def test_the_kernel_side_check_finds_pandera_and_names_the_missing_library():
    assert schema_library_problem("pandera") is None and schema_library_problem(None) is None
    answer = json.loads(schema_library_json("pandera"))
    assert answer == {"status": "ok", "library": "pandera", "available": True, "message": ""}
    # great_expectations is not part of the test environment
    missing = json.loads(schema_library_json("great_expectations"))
    assert missing["available"] is False
    assert "%pip install great_expectations" in missing["message"]
    assert json.loads(schema_library_json("yaml"))["error"] == "bad_request"
    assert version_tuple("0.35.0") == (0, 35, 0) and version_tuple("1.2rc1") == (1, 2)


# -- the magic ------------------------------------------------------------------------------


@pytest.fixture
def shell(monkeypatch, tmp_path):
    isolated_settings_environment(monkeypatch, tmp_path)
    shell = InteractiveShell.instance()
    shell.run_cell("%load_ext jupyterlab_llmds", store_history=False)
    shell.user_ns["df"] = pd.DataFrame({"price": ["$1,234.50", "$12.00", "N/A", "$7.25"],
                                        "city": [" NY", "NY", "ny ", "Boston"]})
    yield shell
    shell.user_ns.pop("df", None)


def run_magic(shell, cell):
    with capture_output() as captured:
        result = shell.run_cell(cell, store_history=False)
    return result, captured


def usage_error(captured) -> str:
    text = captured.stderr.strip()
    assert text.startswith("UsageError: llm: "), text
    assert "\n" not in text and "Traceback" not in captured.stdout + captured.stderr
    return text[len("UsageError: "):]


@pytest.mark.parametrize("task", ["validate", "clean"])
def test_the_magic_writes_a_pandera_schema(shell, task):
    result, captured = run_magic(shell, f"%llm {task} df --schema pandera")
    assert result.success
    cells = captured.outputs[0].data[CELLS_MIMETYPE]["cells"]
    code = cells[-1]["source"]
    assert "pa.DataFrameSchema(" in code and "lazy=True" in code
    assert "df_clean" not in shell.user_ns  # nothing ran


@pytest.mark.parametrize(
    "line, needle",
    [
        ("validate df --schema yaml", "llm: unknown schema library 'yaml'; --schema takes pandas, pandera, great_expectations"),
        ("validate df --schema", "llm: --schema needs a value, e.g. --schema pandera"),
        ("ask df --schema pandera --engine openai", "llm: --schema is for the tasks that write checks: clean, features, validate"),
        ("validate df --schema great_expectations", "llm: The builtin engine writes its checks in pandas or pandera, not great_expectations"),
        ("validate df --schema great_expectations --engine openai",
         "llm: great_expectations is not installed in this kernel: run `%pip install great_expectations` in a notebook cell"),
    ],
)
def test_the_magic_refuses_a_schema_it_cannot_honour(shell, line, needle):
    result, captured = run_magic(shell, f"%llm {line}")
    assert not result.success or captured.stderr
    assert usage_error(captured).startswith(needle)
    assert not captured.outputs


def test_the_magic_tells_the_model_to_write_pandera(shell, monkeypatch):
    with ChatServer() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("LLMDS_MODEL", "test-model")
        monkeypatch.setenv("LLMDS_MAX_RETRIES", "0")
        server.script(Reply(text="Checks.\n\n```python\nimport pandera.pandas as pa\n```\n"))
        result, captured = run_magic(shell, "%llm clean df --schema pandera")
        assert result.success, captured.stderr
        (request,) = server.chat_requests
    sent = request.content("user")
    assert "pandera schema (`import pandera.pandas as pa`)" in sent
    assert "schema.validate(df_clean, lazy=True)" in sent
    assert "plain pandas `assert`" not in sent


# -- the suggest and chat routes ---------------------------------------------------------------------

FRAME = """
import pandas as pd
df = pd.DataFrame({"price": ["$1,234.50", "$12.00", "N/A", "$7.25"], "city": [" NY", "NY", "ny ", "Boston"]})
"""


def post(jp_fetch, route: str, body: dict):
    return jp_fetch("llmds", route, method="POST", body=json.dumps(body), raise_error=False)


async def test_the_suggest_route_writes_pandera_and_checks_the_kernel(jp_fetch, jp_serverapp):
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        body = {"kernel": kernel.kernel_id, "frame": "df", "task": "validate", "schema": "pandera"}
        schema = await post(jp_fetch, "suggest", body)
        plain = await post(jp_fetch, "suggest", {**body, "schema": "pandas"})
        refused = await post(jp_fetch, "suggest", {**body, "schema": "great_expectations"})
        unknown = await post(jp_fetch, "suggest", {**body, "schema": "yaml"})
        chatted = await post(jp_fetch, "chat", {"kernel": kernel.kernel_id, "frames": ["df"], "task": "clean",
                                                "schema": "pandera"})
        # the kernel's own answer, as the bridge reads it
        answer = await kernel.evaluate({"check": "__import__('jupyterlab_llmds.kernel.schema_libraries', "
                                                 "fromlist=['x']).schema_library_json('pandera')"})
        names = await kernel.evaluate({"names": "sorted(name for name in globals() if not name.startswith('_'))"})
    assert schema.code == 200
    code = json.loads(schema.body)["cells"][1]["source"]
    assert "df_schema = pa.DataFrameSchema(" in code and "df_schema.validate(df, lazy=True)" in code
    assert "validation_checks(df)" in json.loads(plain.body)["cells"][1]["source"]
    assert refused.code == 400
    assert json.loads(refused.body)["error"] == "bad_request"
    assert "pandas or pandera, not great_expectations" in json.loads(refused.body)["message"]
    assert unknown.code == 400 and '"schema" must be one of pandas, pandera, great_expectations' in json.loads(
        unknown.body)["message"]
    # the chat with the built-in engine: the cleaning, then its checks as a schema
    lines = [json.loads(line) for line in chatted.body.decode().splitlines()]
    (cells,) = [line["cells"] for line in lines if line["type"] == "cells"]
    assert len(cells) == 4 and "df_clean_schema.validate(df_clean, lazy=True)" in cells[3]["source"]
    assert json.loads(ast.literal_eval(answer["check"]))["available"] is True
    assert "pandera" not in ast.literal_eval(names["names"])  # asking never imports anything into the user's namespace


@pytest.fixture
def jp_server_config(request):
    """A configured model for the tests that take ``chat``; the built-in engine otherwise."""
    if "chat" not in request.fixturenames:
        return server_config()
    chat = request.getfixturevalue("chat")
    return server_config({"base_url": chat.base_url, "model": "test-model", "request_timeout": 10.0, "max_retries": 0})


async def test_a_library_missing_in_the_kernel_is_409_before_the_model_is_asked(chat, jp_fetch, jp_serverapp):
    chat.script(Reply(text="never sent"))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        body = {"kernel": kernel.kernel_id, "frame": "df", "task": "validate", "schema": "great_expectations"}
        missing = await post(jp_fetch, "suggest", body)
        chat_body = {"kernel": kernel.kernel_id, "frames": ["df"], "task": "clean", "schema": "great_expectations"}
        chat_missing = await post(jp_fetch, "chat", chat_body)
    for response in (missing, chat_missing):
        assert response.code == 409
        answer = json.loads(response.body)
        assert answer["error"] == "schema_not_installed"
        assert "%pip install great_expectations" in answer["message"]
    assert chat.chat_requests == []


async def test_the_model_is_told_which_library_to_use(chat, jp_fetch, jp_serverapp):
    chat.script(Reply(text="Checks.\n\n```python\nimport pandera.pandas as pa\n```\n"),
                Reply(text="Checks.\n\n```python\nimport pandera.pandas as pa\n```\n"))
    async with kernel_session(jp_fetch, jp_serverapp) as kernel:
        await kernel.run(FRAME)
        suggested = await post(jp_fetch, "suggest", {"kernel": kernel.kernel_id, "frame": "df", "task": "features",
                                                     "schema": "pandera"})
        chatted = await post(jp_fetch, "chat", {"kernel": kernel.kernel_id, "frames": ["df"], "task": "validate",
                                                "schema": "pandera"})
    assert suggested.code == 200 and chatted.code == 200
    features, validate = (request.content("user") for request in chat.chat_requests)
    assert "schema.validate(df_features, lazy=True)" in features
    assert "Write data validation checks for `df` with pandera" in validate
