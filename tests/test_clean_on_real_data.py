"""The clean engine on real dirty tables, scored by cell agreement with their ground truth.

The tables live next to the checkout (``../shared/data``), not in the repo.
Run with ``pytest -s`` to see the before/after agreement numbers.
"""

from __future__ import annotations

import contextlib
import io
import warnings

import pandas as pd
import pytest

from cell_agreement import cell_agreement
from jupyterlab_llmds import suggest
from shared_data import DATA


LOAD_MODES = {
    "default": {},
    "raw_text": {"dtype": str, "keep_default_na": False},
}


def load(dataset: str, mode: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(dirty as a user would load it, truth as raw text)."""
    dirty = pd.read_csv(DATA / dataset / "dirty.csv", **LOAD_MODES[mode])
    truth = pd.read_csv(DATA / dataset / "clean.csv", dtype=str, keep_default_na=False)
    return dirty, truth


def clean_with_generated_code(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Run the built-in engine's code on ``frame``; warnings are errors."""
    suggestion = suggest(frame, task="clean", name="df")
    namespace = {"df": frame}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(suggestion.code, "<generated clean cell>", "exec"), namespace)
    return namespace["df_clean"], suggestion.code


@pytest.mark.parametrize("mode", sorted(LOAD_MODES))
@pytest.mark.parametrize("dataset", ["flights", "hospital"])
def test_cleaning_raises_agreement_with_truth(dataset, mode):
    dirty, truth = load(dataset, mode)
    assert dirty.shape == truth.shape
    original = dirty.copy(deep=True)
    cleaned, code = clean_with_generated_code(dirty)
    pd.testing.assert_frame_equal(dirty, original)
    before = cell_agreement(dirty, dirty, truth)
    after = cell_agreement(cleaned, dirty, truth)
    print(f"\n{dataset} ({mode} load): cell agreement before {before}, after {after}")
    assert after.agreeing >= before.agreeing
    if dataset == "flights":
        assert after.agreeing > before.agreeing


def test_flights_code_fits_the_flights_data():
    dirty, _ = load("flights", "raw_text")
    cleaned, code = clean_with_generated_code(dirty)
    for column in ("sched_dep_time", "act_dep_time", "sched_arr_time", "act_arr_time"):
        assert repr(column) in code
    assert "'Contact Airline'" in code and "'Not Available'" in code
    assert "format='%I:%M %p'" in code
    # the odd spellings now read as times
    position = dirty.index[dirty["act_dep_time"] == "11:43aDec 1"][0]
    assert str(cleaned.at[position, "act_dep_time"]) == "11:43:00"


def test_hospital_code_fits_the_hospital_data():
    dirty, _ = load("hospital", "default")
    cleaned, code = clean_with_generated_code(dirty)
    assert "address_2" not in cleaned.columns and "address_3" not in cleaned.columns
    assert "'empty'" in code and "patients" in code and "/ 100" in code
    assert cleaned["score"].max() == pytest.approx(1.0)
    assert str(cleaned["emergency_service"].dtype) == "boolean"
