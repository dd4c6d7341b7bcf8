"""The built-in validate task: checks from the card that fail on dirty data and pass after cleaning.

Run with ``pytest -s`` to see, per frame, the share of checks failing before
cleaning and passing after it.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds import describe, suggest
from jupyterlab_llmds.engines.builtin import validation_for_cleaning
from shared_data import DATA
from test_clean_engine import messy_frame



def run_code(code: str, namespace: dict) -> tuple[AssertionError | None, str]:
    """Execute generated code in ``namespace``; FutureWarning/DeprecationWarning are errors.

    Returns the AssertionError the cell raised (None when it passed) and what it printed.
    """
    output = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        with contextlib.redirect_stdout(output):
            try:
                exec(compile(code, "<generated cell>", "exec"), namespace)
            except AssertionError as error:
                return error, output.getvalue()
    return None, output.getvalue()


def failing_checks(namespace: dict) -> list[tuple]:
    return [result for result in namespace["validation_results"] if result[2]]


def load(dataset: str) -> pd.DataFrame:
    return pd.read_csv(DATA / dataset / "dirty.csv")


FRAMES = {
    "messy": (messy_frame, "sales"),
    "hospital": (lambda: load("hospital"), "df"),
    "flights": (lambda: load("flights"), "df"),
}

# (check title start, column) pairs that must fail on the dirty frame
EXPECTED_FAILURES = {
    "messy": [
        ("no exact duplicate rows", "rows"),
        ("numeric dtype", "'price'"),
        ("no null tokens ('-', 'N/A')", "'price'"),
        ("numeric dtype", "'weight'"),
        ("numeric dtype", "'rate'"),
        ("datetime dtype", "'date'"),
        ("no leading/trailing whitespace", "'state'"),
        ("no case variants", "'state'"),
        ("has values (all-null: droppable)", "'notes'"),
        ("more than one value (constant 'web': droppable)", "'source'"),
    ],
    "hospital": [
        ("numeric dtype", "'score'"),
        ("no null tokens ('empty')", "'score'"),
        ("boolean dtype", "'emergency_service'"),
        ("no spelling variants", "'city'"),
        ("has values (all-null: droppable)", "'address_2'"),
    ],
    "flights": [
        ("times of day (datetime.time values)", "'act_dep_time'"),
        ("no null tokens ('Contact Airline', 'Not Available')", "'act_dep_time'"),
    ],
}


@pytest.fixture(scope="module", params=sorted(FRAMES))
def validated(request):
    """Validate the dirty frame; run the clean task's own cells: cleaning, then its validation; keep everything."""
    make, name = FRAMES[request.param]
    frame = make()
    original = frame.copy(deep=True)
    card = describe(frame, name=name).to_dict()
    suggestion = suggest(frame, task="validate", name=name)
    before_ns = {name: frame}
    before_error, before_printed = run_code(suggestion.code, before_ns)
    clean_cells = suggest(frame, task="clean", name=name).cells
    assert [cell.cell_type for cell in clean_cells] == ["markdown", "code", "markdown", "code"]
    after_cells = clean_cells[2:]
    # the clean task's validation cells are exactly validation_for_cleaning's
    assert [cell.source for cell in after_cells] == [cell.source for cell in validation_for_cleaning(card)]
    # the validation cell pointed at the frame before cleaning (<name>_clean = <name>): it has teeth
    promised_dirty_ns = {name: frame, f"{name}_clean": frame}
    promised_dirty_error, promised_dirty_printed = run_code(after_cells[1].source, promised_dirty_ns)
    clean_ns = {name: frame}
    clean_error, _ = run_code(clean_cells[1].source, clean_ns)
    assert clean_error is None
    after_error, after_printed = run_code(after_cells[1].source, clean_ns)
    before = before_ns["validation_results"]
    after = clean_ns["validation_results"]
    promised_dirty = promised_dirty_ns["validation_results"]
    print(
        f"\n{request.param}: validate on dirty: {len(failing_checks(before_ns))} of {len(before)} checks fail "
        f"({len(failing_checks(before_ns)) / len(before):.0%}); cleaning checks on dirty: "
        f"{len(failing_checks(promised_dirty_ns))} of {len(promised_dirty)} fail; "
        f"after cleaning: {len(after) - len(failing_checks(clean_ns))} of {len(after)} pass "
        f"({(len(after) - len(failing_checks(clean_ns))) / len(after):.0%})"
    )
    return {
        "key": request.param, "name": name, "frame": frame, "original": original, "card": card,
        "suggestion": suggestion, "before_ns": before_ns, "before_error": before_error,
        "before_printed": before_printed, "promised_dirty_error": promised_dirty_error,
        "promised_dirty_ns": promised_dirty_ns, "promised_dirty_printed": promised_dirty_printed,
        "clean_ns": clean_ns, "after_cells": after_cells, "after_error": after_error,
        "after_printed": after_printed,
    }


def test_dirty_frame_fails_naming_the_checks(validated):
    error = validated["before_error"]
    assert error is not None, validated["before_printed"]
    message = str(error)
    results = validated["before_ns"]["validation_results"]
    failing = failing_checks(validated["before_ns"])
    assert message.startswith(f"{len(failing)} of {len(results)} checks failed on {validated['name']}")
    for title, column in EXPECTED_FAILURES[validated["key"]]:
        assert any(check.startswith(title) and where == column for check, where, _, _ in failing), (title, column)
        assert title in message and f"[{column}]" in message
    # every failing check is listed, every passing one is not
    assert len(message.splitlines()) == len(failing) + 1
    # the table shows every check with PASS/FAIL and examples
    printed = validated["before_printed"]
    assert printed.count("FAIL") == len(failing)
    assert printed.count("PASS") == len(results) - len(failing)
    assert f"{len(results) - len(failing)} of {len(results)} checks pass" in printed


def test_cleaning_checks_fail_on_the_dirty_frame(validated):
    """The clean task's validation cell has teeth: run on the frame before cleaning, it fails naming the checks."""
    error = validated["promised_dirty_error"]
    assert error is not None, validated["promised_dirty_printed"]
    message = str(error)
    name = validated["name"]
    failing = failing_checks(validated["promised_dirty_ns"])
    results = validated["promised_dirty_ns"]["validation_results"]
    assert message.startswith(f"{len(failing)} of {len(results)} checks failed on {name}_clean:")
    # every failure the cleaning fixes is named, with the column and how many rows fail
    for title, column in EXPECTED_FAILURES[validated["key"]]:
        (rows,) = [rows for check, where, rows, _ in failing if check.startswith(title) and where == column]
        assert f"{title}" in message and f"[{column}]: {rows} failing" in message
    assert "fix: the clean step" in validated["promised_dirty_printed"]


def test_cleaned_frame_passes(validated):
    assert validated["after_error"] is None, validated["after_printed"]
    results = validated["clean_ns"]["validation_results"]
    assert results and not failing_checks(validated["clean_ns"])
    assert f"{len(results)} of {len(results)} checks pass on {validated['name']}_clean" in validated["after_printed"]
    markdown, code = (cell.source for cell in validated["after_cells"])
    assert f"`{validated['name']}_clean`" in markdown
    assert f"validation_checks({validated['name']}_clean)" in code


def test_cleaning_checks_leave_out_what_cleaning_does_not_do(validated):
    code = validated["after_cells"][1].source
    assert "outlier fences" not in code and "sentinel" not in code and "duplicate keys" not in code


def test_frames_untouched(validated):
    pd.testing.assert_frame_equal(validated["frame"], validated["original"])


def test_cells_shape_and_code_hygiene(validated):
    suggestion = validated["suggestion"]
    assert suggestion.task == "validate" and suggestion.engine == "builtin"
    assert [cell.cell_type for cell in suggestion.cells] == ["markdown", "code"]
    for code in (suggestion.code, validated["after_cells"][1].source):
        compile(code, "<validate>", "exec")
        assert "import pandas as pd" in code
        assert "inplace" not in code and "applymap" not in code and "assert " not in code
        assert ("datetime.time" in code) == ("import datetime" in code)


def test_markdown_names_columns_and_reasons():
    frame = messy_frame()
    markdown = suggest(frame, task="validate", name="sales").markdown
    for fragment in ("### Validating `sales`", "`price`", "`'N/A'` ×1", "`state`", "`'ny'` → `'NY'`",
                     "droppable", "AssertionError", "pd.to_numeric"):
        assert fragment in markdown, fragment


def test_facts_outliers_sentinels_and_keys():
    rng = np.random.default_rng(0)
    amount = rng.normal(50, 5, 200).round(1)
    amount[[3, 7]] = -999
    amount[10] = 5000
    frame = pd.DataFrame({
        "customer_id": list(range(199)) + [5],
        "amount": amount,
        "when": pd.to_datetime(["2021-01-01", "2021-02-01"] * 99 + ["2021-03-01", "1900-01-01"]),
        "state": [" NY", "ny"] + ["NY"] * 198,
    })
    original = frame.copy(deep=True)
    card = describe(frame, name="orders").to_dict()
    namespace = {"orders": frame}
    error, printed = run_code(suggest(frame, task="validate", name="orders").code, namespace)
    assert error is not None
    message = str(error)
    assert "no duplicate keys ['customer_id']: 2 failing" in message
    assert "no sentinel values ('-999') ['amount']: 2 failing" in message
    assert "no sentinel values ('1900-01-01') ['when']: 1 failing" in message
    assert "no values beyond the outlier fences [" in message
    fence = next(check for check, column, _, _ in namespace["validation_results"] if "fences" in check)
    assert fence.endswith("]") and "['amount']" in message
    pd.testing.assert_frame_equal(frame, original)
    # the cleaning does not touch outliers, sentinels or keys: its checks pass anyway
    run_code(suggest(frame, task="clean", name="orders").code, namespace)
    error, printed = run_code(validation_for_cleaning(card)[1].source, namespace)
    assert error is None, printed


def test_clean_frame_passes():
    frame = pd.DataFrame({"id": [1, 2, 3, 4], "amount": [1.5, 2.0, 2.5, 3.0], "name": ["a", "b", "c", "d"],
                          "day": pd.to_datetime(["2021-01-01", "2021-01-02", "2021-01-03", "2021-01-04"])})
    suggestion = suggest(frame, task="validate", name="tidy")
    error, printed = run_code(suggestion.code, {"tidy": frame})
    assert error is None, printed
    assert "FAIL" not in printed and "PASS" in printed
    card = describe(frame, name="tidy").to_dict()
    namespace = {"tidy": frame}
    run_code(suggest(frame, task="clean", name="tidy").code, namespace)
    error, printed = run_code(validation_for_cleaning(card)[1].source, namespace)
    assert error is None, printed


@pytest.mark.parametrize(
    "columns",
    [
        ["it's", 'say "hi"', "a b", "d"],
        [0, 1, 2, 3],
        ["dup", "dup", "other", "x"],
        [("a", "x"), ("a", "y"), ("b", "x"), ("b", "y")],
        [pd.Timestamp("2021-01-01"), "x", "y", "z"],
    ],
    ids=["quotes", "integers", "duplicates", "multiindex", "timestamp"],
)
def test_any_column_names(columns):
    # the constant column sits before a checked one, so positions shift when it is dropped
    frame = pd.DataFrame({"c0": [" a", "b", "b", "N/A"], "c1": ["k"] * 4, "c2": ["$1", "$2", "$3", "$4"],
                          "c3": ["x", "y", "z", "-"]})
    frame.columns = pd.MultiIndex.from_tuples(columns) if isinstance(columns[0], tuple) else columns
    original = frame.copy(deep=True)
    card = describe(frame, name="odd").to_dict()
    namespace = {"odd": frame}
    error, printed = run_code(suggest(frame, task="validate", name="odd").code, namespace)
    assert error is not None
    assert "numeric dtype" in str(error) and "droppable" in str(error)
    run_code(suggest(frame, task="clean", name="odd").code, namespace)
    assert namespace["odd_clean"].shape == (4, 3)
    error, printed = run_code(validation_for_cleaning(card)[1].source, namespace)
    assert error is None, printed
    pd.testing.assert_frame_equal(frame, original)


def test_series_and_odd_frame_names():
    series = pd.Series(["$1", "$2", "N/A", "$4"], name="price")
    card = describe(series, name="prices").to_dict()
    namespace = {"prices": series}
    error, _ = run_code(suggest(series, task="validate", name="prices").code, namespace)
    assert error is not None and "numeric dtype ['price']" in str(error)
    run_code(suggest(series, task="clean", name="prices").code, namespace)
    assert isinstance(namespace["prices_clean"], pd.Series)
    error, printed = run_code(validation_for_cleaning(card)[1].source, namespace)
    assert error is None, printed

    frame = pd.DataFrame({"a": ["$1", "$2", "$3", "$4"]})
    code = suggest(frame, task="validate", name="my frame").code
    assert "validation_checks(globals()['my frame'])" in code
    error, _ = run_code(code, {"my frame": frame})
    assert error is not None


@pytest.mark.parametrize("privacy", ["schema", "redacted"])
@pytest.mark.parametrize("dataset", ["messy", "flights", "hospital"])
def test_privacy_modes_and_raw_text_loads(dataset, privacy):
    """Cards with values withheld still give checks that fail before cleaning and pass after."""
    if dataset == "messy":
        frame = messy_frame()
    else:
        frame = pd.read_csv(DATA / dataset / "dirty.csv", dtype=str, keep_default_na=False)
    card = describe(frame, name="df", privacy=privacy).to_dict()
    from jupyterlab_llmds.suggestion import suggest_from_cards

    namespace = {"df": frame}
    error, printed = run_code(suggest_from_cards([card], task="validate").code, namespace)
    assert error is not None, printed
    run_code(suggest_from_cards([card], task="clean").code, namespace)
    error, printed = run_code(validation_for_cleaning(card)[1].source, namespace)
    assert error is None, printed
