"""The data card: schema, exact null counts, read-only, sampling, JSON safety."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds import describe
from jupyterlab_llmds.kernel.card import DataCard

CARD_KEYS = {
    "schema_version", "name", "kind", "shape", "index", "memory_bytes", "sample",
    "duplicate_rows", "columns", "issues", "likely_id_columns", "likely_target", "privacy",
}
#: Documented keys a card may carry on top of CARD_KEYS (docs/architecture.md).
OPTIONAL_CARD_KEYS = {"timing"}
COLUMN_KEYS = {
    "name", "position", "dtype", "semantic", "nulls", "null_share", "distinct", "stats", "top", "samples",
}
ISSUE_KEYS = {"column", "kind", "count", "evidence", "message"}
SEMANTICS = {
    "numeric", "boolean", "datetime", "timedelta", "category", "text", "numeric_string",
    "datetime_string", "boolean_string", "empty", "mixed", "other",
}


def dirty_frame() -> pd.DataFrame:
    """A small frame with a bit of everything."""
    return pd.DataFrame(
        {
            "price": ["$1,234.50", "$12.00", "N/A", "$3.99", None, "$7.25"],
            "city": [" NY", "ny", "NY", "CA", "CA", "NY"],
            "count": [1, 2, np.nan, 4, 5, np.nan],
            "when": pd.to_datetime(["2021-01-01", None, "2021-01-03", "2021-01-04", "2021-01-05", "2021-01-06"]),
            "flag": [True, False, True, True, False, True],
        }
    )


def assert_unchanged(before: pd.DataFrame, after: pd.DataFrame) -> None:
    """Values, dtypes, columns, index, index names and attrs all as they were."""
    pd.testing.assert_frame_equal(after, before)
    assert list(after.dtypes) == list(before.dtypes)
    assert after.columns.equals(before.columns)
    assert after.index.equals(before.index)
    assert after.index.names == before.index.names
    assert after.attrs == before.attrs


def test_schema_keys_and_exact_null_counts():
    frame = dirty_frame()
    card = describe(frame, name="sales").to_dict()
    assert CARD_KEYS <= set(card) <= CARD_KEYS | OPTIONAL_CARD_KEYS
    assert card["schema_version"] == 1 and card["name"] == "sales" and card["kind"] == "DataFrame"
    assert card["shape"] == [6, 5]
    assert card["index"] == {"kind": "RangeIndex", "nlevels": 1, "name": None}
    assert card["sample"] == {"rows": 6, "of": 6, "method": "all"}
    for column in card["columns"]:
        assert COLUMN_KEYS <= set(column)
        assert column["semantic"] in SEMANTICS
    nulls = {column["name"]: column["nulls"] for column in card["columns"]}
    assert nulls == frame.isna().sum().to_dict()
    for issue in card["issues"]:
        assert ISSUE_KEYS <= set(issue)
    semantic = {column["name"]: column["semantic"] for column in card["columns"]}
    assert semantic == {
        "price": "numeric_string", "city": "category", "count": "numeric", "when": "datetime", "flag": "boolean",
    }
    count_stats = card["columns"][2]["stats"]
    assert count_stats["min"] == 1.0 and count_stats["max"] == 5.0 and count_stats["mean"] == 3.0
    assert card["columns"][3]["stats"] == {"min": "2021-01-01T00:00:00", "max": "2021-01-06T00:00:00"}
    kinds = {(issue["column"], issue["kind"]) for issue in card["issues"]}
    assert {("price", "numeric_string"), ("price", "null_tokens"), ("city", "whitespace"), ("city", "case_variants")} <= kinds


def test_describe_leaves_the_frame_untouched():
    frame = dirty_frame()
    frame.index.name = "row"
    frame.attrs["source"] = "test"
    before = frame.copy(deep=True)
    before.attrs = copy.deepcopy(frame.attrs)
    describe(frame, name="frame", sample_rows=3)
    assert_unchanged(before, frame)


def test_big_frame_is_sampled_and_labelled():
    rows = 5_000
    frame = pd.DataFrame(
        {
            "price": [f"${value:,}.00" for value in range(rows)],
            "id": np.arange(rows),
            "group": ["a", "b"] * (rows // 2),
        }
    )
    frame = pd.concat([frame, frame.iloc[:3]], ignore_index=True)  # three duplicate rows
    before = frame.copy(deep=True)
    card = describe(frame, name="big", sample_rows=1_000, seed=1).to_dict()
    assert_unchanged(before, frame)
    assert card["sample"] == {"rows": 1_000, "of": rows + 3, "method": "head+random"}
    assert all(column["distinct"]["exact"] is False for column in card["columns"])
    price = next(issue for issue in card["issues"] if issue["kind"] == "numeric_string")
    assert price["evidence"]["sampled"] is True
    assert price["count"] == 1_000
    # duplicates stay exact below 200k rows, whatever the sample
    assert card["duplicate_rows"] == {"count": 3, "exact": True}
    # null counts are exact, not sampled
    assert card["columns"][1]["nulls"] == 0
    again = describe(frame, name="big", sample_rows=1_000, seed=1).to_dict()
    # the same seed gives the same card; only the measured seconds differ
    assert again["timing"]["sampled_parts"] == card["timing"]["sampled_parts"]
    assert {**again, "timing": None} == {**card, "timing": None}


def robustness_frames() -> dict[str, object]:
    """The frames describe() must survive."""
    multi = pd.DataFrame(np.arange(6).reshape(2, 3), columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y"), ("b", "x")]))
    duplicate_names = pd.DataFrame([[1, "x"], [2, "y"]], columns=["same", "same"])
    return {
        "empty": pd.DataFrame({"a": pd.Series([], dtype=float), "b": pd.Series([], dtype=object)}),
        "zero_columns": pd.DataFrame(index=range(3)),
        "nothing": pd.DataFrame(),
        "all_nan": pd.DataFrame({"a": [np.nan] * 4, "b": [None] * 4, "c": [1, 2, 3, 4]}),
        "duplicate_names": duplicate_names,
        "non_string_names": pd.DataFrame({0: ["x", "y"], 1.5: [1, 2], pd.Timestamp("2021-01-01"): [3, 4], None: [5, 6]}),
        "categorical": pd.DataFrame({"c": pd.Categorical(["a", "b", "a", None])}),
        "tz_datetime": pd.DataFrame({"t": pd.date_range("2021-01-01", periods=3, tz="Europe/Paris")}),
        "mixed_object": pd.DataFrame({"m": [1, "two", 3.0, None, [4], {"five": 5}]}),
        "multiindex_columns": multi,
        "series": pd.Series(["yes", "no", " yes"], name="answer"),
        "unnamed_series": pd.Series([1.5, None, 2.5]),
        "timedelta_and_nullable": pd.DataFrame(
            {"d": pd.to_timedelta([1, 2], unit="D"), "i": pd.array([1, None], dtype="Int64"), "b": pd.array([True, None], dtype="boolean")}
        ),
    }


@pytest.mark.parametrize("case", sorted(robustness_frames()))
def test_describe_is_json_safe_and_read_only_on_odd_frames(case):
    frame = robustness_frames()[case]
    before = frame.copy(deep=True)
    card = describe(frame, name=case)
    assert isinstance(card, DataCard)
    data = card.to_dict()
    json.loads(json.dumps(data, allow_nan=False))
    assert isinstance(card.to_prompt(), str)
    assert [column.get("error") for column in data["columns"] if column.get("error")] == []
    if isinstance(frame, pd.Series):
        pd.testing.assert_series_equal(frame, before)
        assert data["kind"] == "Series" and data["shape"][1] == 1
    else:
        assert_unchanged(before, frame)
        assert data["shape"] == list(frame.shape)
        assert len(data["columns"]) == frame.shape[1]


def test_odd_frames_get_sensible_semantics():
    frames = robustness_frames()
    empty = describe(frames["empty"]).to_dict()
    assert [column["semantic"] for column in empty["columns"]] == ["empty", "empty"] and empty["issues"] == []
    all_nan = describe(frames["all_nan"]).to_dict()
    assert [column["semantic"] for column in all_nan["columns"]] == ["empty", "empty", "numeric"]
    assert [issue["kind"] for issue in all_nan["issues"]] == ["all_null", "all_null"]
    multi = describe(frames["multiindex_columns"]).to_dict()
    assert multi["columns"][0]["name"] == ["a", "x"]
    mixed = describe(frames["mixed_object"]).to_dict()
    assert mixed["columns"][0]["semantic"] == "mixed"
    named = describe(frames["non_string_names"]).to_dict()
    assert [column["name"] for column in named["columns"]][:2] == [0, 1.5]
    assert named["columns"][2].get("name_exact") is False
    categorical = describe(frames["categorical"]).to_dict()
    assert categorical["columns"][0]["semantic"] == "category" and categorical["columns"][0]["nulls"] == 1
    tz = describe(frames["tz_datetime"]).to_dict()
    assert tz["columns"][0]["semantic"] == "datetime"
    assert tz["columns"][0]["stats"]["min"].startswith("2021-01-01T00:00:00+01:00")
    series = describe(frames["series"], name="answer").to_dict()
    assert {issue["kind"] for issue in series["issues"]} == {"whitespace", "boolean_string"}


def test_to_prompt_names_columns_and_issues():
    prompt = describe(dirty_frame(), name="sales").to_prompt()
    assert prompt.splitlines()[0] == "DataFrame `sales`: 6 rows x 5 columns"
    assert "'price' (" in prompt and "numeric_string" in prompt
    assert "[case_variants] 'city'" in prompt
