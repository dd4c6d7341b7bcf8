"""Column-role detectors: identifiers, duplicate keys, high-cardinality text,
near-constant columns, mixed Python types, and the likely target.

Each fires on a dirty column with the right evidence and stays quiet on clean
columns of the same kind; then every column of real tables goes through the
card and what fires is pinned down.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds import describe
from jupyterlab_llmds.kernel import detect_keys
from test_detect_numbers import real_tables

KEY_KINDS = {"id_like", "duplicate_keys", "high_cardinality", "near_constant", "mixed_types"}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def column(values, name) -> pd.Series:
    return pd.Series(values, name=name)


def issues_of(card: dict, kinds=KEY_KINDS) -> dict:
    return {(issue["column"], issue["kind"]): issue for issue in card["issues"] if issue["kind"] in kinds}


# identifiers ------------------------------------------------------------------


def test_shuffled_integers_named_like_an_id():
    ids = column(rng().permutation(np.arange(10_000, 11_000)), "order_id")
    issue = detect_keys.detect_id_like(ids, ids)
    assert issue["kind"] == "id_like"
    assert issue["evidence"]["unique_share"] == 1.0 and issue["evidence"]["reason"] == "name"


def test_row_number_sequence_without_an_id_name():
    numbers = column(np.arange(1, 501), "Unnamed: 0")
    issue = detect_keys.detect_id_like(numbers, numbers)
    assert issue["evidence"] == {"unique_share": 1.0, "reason": "sequence", "sampled": False}


def test_string_codes_and_integers_with_missing_values():
    codes = column([f"C{number:05d}" for number in range(300)], "CustomerCode")
    assert detect_keys.detect_id_like(codes, codes)["evidence"]["reason"] == "name"
    with_gaps = column([float(number) if number % 10 else np.nan for number in range(300)], "tailnum")
    assert detect_keys.detect_id_like(with_gaps, with_gaps)["evidence"]["unique_share"] == 1.0


@pytest.mark.parametrize(
    "values, name",
    [
        (rng().integers(1, 11, 1_000), "store_id"),  # a foreign key with ten values
        (rng().integers(0, 10**9, 1_000), "amount"),  # unique, but neither named nor counting up
        (np.sort(rng().integers(0, 10**9, 1_000)), "population"),  # sorted and unique, but sparse
        (rng().normal(size=1_000), "id"),  # real numbers are measurements
        ([f"free text number {number}" for number in range(1_000)], "comment"),
        (np.arange(5), "id"),  # too few rows to tell
        (pd.date_range("2020-01-01", periods=100), "event_id"),
        ([True, False] * 50, "is_id"),
    ],
    ids=["low_cardinality", "unique_unnamed", "sorted_sparse", "floats", "text", "tiny", "dates", "booleans"],
)
def test_not_identifiers(values, name):
    series = column(values, name)
    assert detect_keys.detect_id_like(series, series) is None


def test_unique_share_is_exact_over_all_rows_not_the_sample():
    # 2,000 keys each used five times: a small sample looks unique, the column is not
    keys = column(np.repeat(np.arange(2_000), 5), "account_id")
    sample = keys.sample(200, random_state=0)
    assert detect_keys.detect_id_like(keys, sample) is None


def test_id_names():
    named = [
        "order_id", "CustomerID", "customerid", "tailnum", "Sample Number", "sku", "index", "userKey", "productcode",
    ]
    unnamed = ["humid", "paid", "valid", "flight", "price", "android_version", "zipcode"]
    assert [name for name in named if not detect_keys.looks_like_id_name(name)] == []
    assert [name for name in unnamed if detect_keys.looks_like_id_name(name)] == []


# duplicate keys ----------------------------------------------------------------


def test_duplicate_keys_in_an_id_column_counted_exactly_on_a_sampled_frame():
    ids = [f"A{number}" for number in range(50_000)]
    ids[40_000] = ids[40_001] = "A12"  # "A12" three times, far from the head
    ids[45_000] = "A7"
    frame = pd.DataFrame({"order_id": ids, "amount": rng().uniform(1, 100, 50_000)})
    card = describe(frame, name="orders", sample_rows=1_000).to_dict()
    assert card["likely_id_columns"] == ["order_id"]
    duplicates = issues_of(card)[("order_id", "duplicate_keys")]
    assert duplicates["evidence"]["duplicated"] == {"A12": 3, "A7": 2}
    assert duplicates["evidence"]["rows"] == 5 and duplicates["count"] == 5
    assert duplicates["evidence"]["sampled"] is False and duplicates["position"] == 0
    # frame-level issues come first
    assert [issue["kind"] for issue in card["issues"]][0] == "duplicate_keys"


def test_no_duplicate_keys_in_unique_ids_or_in_non_id_columns():
    frame = pd.DataFrame(
        {"order_id": np.arange(1_000), "customer_id": rng().integers(0, 50, 1_000), "x": rng().normal(size=1_000)}
    )
    card = describe(frame).to_dict()
    assert card["likely_id_columns"] == ["order_id"]
    assert not [issue for issue in card["issues"] if issue["kind"] == "duplicate_keys"]


# high cardinality ---------------------------------------------------------------


def test_high_cardinality_text_in_the_card():
    names = [f"{first} {last}" for first in ("Ann", "Bob", "Cy", "Di", "Ed") for last in range(120)]
    frame = pd.DataFrame({"full_name": names, "city": ["Boston", "Denver", "Austin"] * 200})
    card = describe(frame).to_dict()
    issue = issues_of(card)[("full_name", "high_cardinality")]
    assert issue["evidence"] == {"distinct": 600, "share": 1.0}
    assert ("city", "high_cardinality") not in issues_of(card)


def test_high_cardinality_thresholds():
    assert detect_keys.detect_high_cardinality(99, 100) is None  # too few distinct values to matter
    assert detect_keys.detect_high_cardinality(300, 10_000) is None  # a large category set, repeated
    assert detect_keys.detect_high_cardinality(2_500, 10_000)["evidence"] == {"distinct": 2_500, "share": 0.25}


def test_identifiers_numbers_and_dates_as_text_are_not_high_cardinality():
    frame = pd.DataFrame(
        {
            "ticket_code": [f"T-{number:06d}" for number in range(600)],
            "amount": [f"${number},{number % 1000:03d}.00" for number in range(600)],
            "when": [f"2021-{1 + number % 12:02d}-{1 + number % 28:02d} 10:{number % 60:02d}" for number in range(600)],
        }
    )
    assert not [kind for _, kind in issues_of(describe(frame).to_dict()) if kind == "high_cardinality"]


# near constant -------------------------------------------------------------------


def test_near_constant():
    issue = detect_keys.detect_near_constant({"a": 995, "b": 5})
    assert issue["evidence"] == {"value": "a", "share": 0.995}
    assert issue["count"] == 5


@pytest.mark.parametrize(
    "counts",
    [{"a": 980, "b": 20}, {"a": 1_000}, {"a": 49, "b": 1}, {"N/A": 995, "b": 5}],
    ids=["ninety_eight_percent", "constant", "too_few_rows", "dominant_null_token"],
)
def test_not_near_constant(counts):
    assert detect_keys.detect_near_constant(counts) is None


def test_card_reports_constant_not_near_constant():
    frame = pd.DataFrame({"flag": ["x"] * 1_000, "rare": ["a"] * 997 + ["b"] * 3})
    kinds = {(issue["column"], issue["kind"]) for issue in describe(frame).to_dict()["issues"]}
    assert ("flag", "constant") in kinds and ("flag", "near_constant") not in kinds
    assert ("rare", "near_constant") in kinds


# mixed types -----------------------------------------------------------------------


def test_mixed_types_with_counts_and_examples():
    issue = detect_keys.detect_mixed_types(["a", "b", 3, 4.5, "c", 7, np.int64(8)])
    assert issue["evidence"] == {
        "types": {"str": 3, "int": 3, "float": 1}, "examples": {"str": "a", "int": 3, "float": 4.5},
    }
    assert issue["count"] == 4


def test_pure_or_numeric_object_columns_are_not_mixed():
    assert detect_keys.detect_mixed_types([1, 2, 3, np.int64(4)]) is None
    assert detect_keys.detect_mixed_types([1, 2.5, 3]) is None
    assert detect_keys.detect_mixed_types(["a", "b"]) is None


def test_card_reports_mixed_types_in_object_columns():
    frame = pd.DataFrame(
        {
            "m": pd.Series(["1", 2, 3.0, None, "four"] * 10, dtype=object),
            "ints": pd.Series([1, 2, 3, 4, 5] * 10, dtype=object),
            "lists": pd.Series([[1], {"a": 1}] * 25, dtype=object),
        }
    )
    issues = issues_of(describe(frame).to_dict(), {"mixed_types"})
    assert issues[("m", "mixed_types")]["evidence"]["types"] == {"str": 20, "float": 10, "int": 10}
    assert issues[("lists", "mixed_types")]["evidence"]["types"] == {"dict": 25, "list": 25}
    assert ("ints", "mixed_types") not in issues


# likely target ----------------------------------------------------------------------


def test_likely_target():
    assert detect_keys.likely_target(["a", "churned"], target="a") == {"column": "a", "reason": "named by the user"}
    assert detect_keys.likely_target(["age", "isFraud"]) == {
        "column": "isFraud", "reason": "name looks like a target (churn, label, target, y, ...)"
    }
    assert detect_keys.likely_target(["age", "Churn"])["column"] == "Churn"
    assert detect_keys.likely_target(["age", "yield", "classroom", "default_rate"]) is None
    # a target that is not a column falls back to the names
    assert detect_keys.likely_target(["y", "x"], target="missing")["column"] == "y"
    assert detect_keys.likely_target([0, 1], target=1) == {"column": 1, "reason": "named by the user"}
    assert detect_keys.likely_target([1, "x"], target=True) is None


def test_card_likely_target_and_ids():
    frame = pd.DataFrame({"customer_id": np.arange(200), "tenure": rng().integers(1, 60, 200), "churned": [0, 1] * 100})
    assert describe(frame).to_dict()["likely_target"]["column"] == "churned"
    named = describe(frame, target="tenure").to_dict()
    assert named["likely_target"] == {"column": "tenure", "reason": "named by the user"}
    assert named["likely_id_columns"] == ["customer_id"]
    assert describe(frame[["tenure"]]).to_dict()["likely_target"] is None


# real tables --------------------------------------------------------------------------


#: What the key detectors report on the real tables, each judged in the report:
#: row numbers and plane tail numbers are identifiers; penguins' "Individual ID"
#: (190 codes, repeated across study years) and flights' tail numbers (about
#: 4,000 codes) are high-cardinality codes, not categories to encode; airports'
#: faa codes and names are unique texts; 99.1% of planes are "Fixed wing multi
#: engine".
EXPECTED_KEY_ISSUES = {
    ("hospital", "index", "id_like"),
    ("hospital_text", "index", "id_like"),
    ("flights_csv", "tuple_id", "id_like"),
    ("flights_csv_text", "tuple_id", "id_like"),
    ("penguins", "Individual ID", "high_cardinality"),
    ("flights", "tailnum", "high_cardinality"),
    ("planes", "tailnum", "id_like"),
    ("planes", "type", "near_constant"),
    ("airports", "faa", "high_cardinality"),
    ("airports", "name", "high_cardinality"),
}


def test_real_tables():
    fired = set()
    targets = {}
    for table, frame in real_tables().items():
        card = describe(frame, name=table).to_dict()
        fired |= {(table, issue["column"], issue["kind"]) for issue in card["issues"] if issue["kind"] in KEY_KINDS}
        targets[table] = card["likely_target"]
        expected_ids = [column for (name, column, kind) in EXPECTED_KEY_ISSUES if (name, kind) == (table, "id_like")]
        assert card["likely_id_columns"] == expected_ids
    assert fired == EXPECTED_KEY_ISSUES
    assert set(targets.values()) == {None}
