"""Each detector fires on a small dirty column with the right evidence, and stays quiet on clean ones."""

from __future__ import annotations

from collections import Counter

import pandas as pd

from jupyterlab_llmds.kernel import detectors


def counts(*values: str) -> Counter:
    """Counter of text values, as the card passes them to the detectors."""
    return Counter(values)


# null tokens ----------------------------------------------------------------


def test_null_tokens_found_with_counts():
    issue = detectors.detect_null_tokens(counts("1", "N/A", "N/A", "-", "", "  ", "?", "2"))
    assert issue["kind"] == "null_tokens"
    assert issue["evidence"]["tokens"] == {"N/A": 2, "-": 1, "": 1, "  ": 1, "?": 1}
    assert issue["count"] == 6


def test_null_tokens_include_recurring_words_of_a_number_column():
    values = counts(*["12", "15", "18", "20"] * 3, "Not Available", "Not Available", "Contact Airline", "Contact Airline")
    numeric = detectors.detect_numeric_strings(values)
    assert numeric["evidence"]["null_words"] == {"Contact Airline": 2, "Not Available": 2}
    issue = detectors.detect_null_tokens(values, numeric["evidence"]["null_words"])
    assert issue["evidence"]["tokens"] == {"Contact Airline": 2, "Not Available": 2}


def test_a_lone_dot_is_a_missing_value_but_dotted_text_is_not():
    # "." is how SAS and Stata exports write missing values
    issue = detectors.detect_null_tokens(counts("MALE", "FEMALE", ".", "MALE"))
    assert issue["evidence"]["tokens"] == {".": 1}
    assert detectors.detect_null_tokens(counts("Dr.", "St. Louis", "...", "a.b")) is None


def test_null_tokens_quiet_on_clean_text():
    assert detectors.detect_null_tokens(counts("New York", "Boston", "Nashville", "None of these")) is None


# whitespace -------------------------------------------------------------------


def test_whitespace_found():
    issue = detectors.detect_whitespace(counts(" NY", "ny ", "NY", "CA"))
    assert issue["count"] == 2
    assert set(issue["evidence"]["examples"]) == {" NY", "ny "}


def test_whitespace_quiet_on_clean_text_and_inner_spaces():
    assert detectors.detect_whitespace(counts("New York", "Los Angeles", "NY")) is None


# case variants ------------------------------------------------------------------


def test_case_variants_grouped_under_the_most_frequent_spelling():
    issue = detectors.detect_case_variants(counts(" NY", "ny", "NY", "NY", "Ny", "CA", "CA"))
    groups = issue["evidence"]["groups"]
    assert groups == [{"canonical": "NY", "variants": {"Ny": 1, "ny": 1}}]
    assert issue["count"] == 2


def test_case_variants_quiet_when_spellings_are_consistent():
    assert detectors.detect_case_variants(counts("NY", "NY ", "CA", "TX", "N/A", "n/a")) is None


# numeric strings ---------------------------------------------------------------


def test_numeric_strings_currency_and_thousands():
    issue = detectors.detect_numeric_strings(counts("$1,234.50", "$12.00", "$3.99", "$1,000.00", "1xx"))
    evidence = issue["evidence"]
    assert evidence["currency"] == ["$"]
    assert evidence["thousands"] == ","
    assert evidence["decimal"] == "."
    assert evidence["percent"] is False and evidence["unit"] is None
    assert evidence["parsed_share"] == 0.8
    assert evidence["unparsed"] == {"1xx": 1}
    assert issue["count"] == 4


def test_numeric_strings_units_percent_and_european_decimals():
    weights = detectors.detect_numeric_strings(counts("12.0 oz", "3 oz", "8oz", "16.5 oz"))
    assert weights["evidence"]["unit"] == "oz"
    rates = detectors.detect_numeric_strings(counts("45%", "12.5%", "100%", "0%"))
    assert rates["evidence"]["percent"] is True
    euros = detectors.detect_numeric_strings(counts("1.234,50 €", "12,00 €", "3,99 €"))
    assert euros["evidence"]["decimal"] == "," and euros["evidence"]["thousands"] == "."
    assert euros["evidence"]["currency"] == ["€"]


def test_numeric_strings_misspelt_unit_is_still_the_unit():
    issue = detectors.detect_numeric_strings(counts("12 patients", "3 patients", "7 patients", "619 paxienxs", "2 kg"))
    assert issue["evidence"]["unit"] == "patients"
    assert issue["evidence"]["unit_variants"] == ["paxienxs"]
    assert issue["evidence"]["unparsed"] == {"2 kg": 1}


def test_numeric_strings_quiet_on_text_codes_and_minority_numbers():
    assert detectors.detect_numeric_strings(counts("apple", "pear", "12 Main Street", "plum")) is None
    # leading zeros make these codes: converting would lose the zero
    assert detectors.detect_numeric_strings(counts("02134", "10001", "00501")) is None
    assert detectors.detect_numeric_strings(counts("12", "abc", "def", "ghi", "jkl")) is None


# date/time strings --------------------------------------------------------------


def test_datetime_strings_two_date_formats():
    issue = detectors.detect_datetime_strings(counts("2021-03-04", "2021-04-01", "03/05/2021", "12/31/2020", "soon"))
    evidence = issue["evidence"]
    assert evidence["formats"] == {"%Y-%m-%d": 2, "%m/%d/%Y": 2}
    assert evidence["value_kind"] == "date"
    assert evidence["normalize"] == []
    assert evidence["unparsed"] == {"soon": 1}
    assert evidence["parsed_share"] == 0.8


def test_datetime_strings_messy_times_of_day():
    values = counts(
        "7:10 a.m.", "7:45 p.m.", "11:43aDec 1", "7:15 p.m. (Estimated)", "12:00noon",
        "Thu  20:00", "2:45P 12-01-11", "10:39 p.m.&nbsp(Estimated)", "6:55 a.m.  Fri 02-Dec-2011",
        "Not Available", "Not Available",
    )
    issue = detectors.detect_datetime_strings(values)
    evidence = issue["evidence"]
    assert evidence["value_kind"] == "time"
    assert evidence["formats"] == {"%I:%M %p": 8, "%H:%M": 1}
    for step in ("ampm_dots", "strip_parenthetical", "html_entities", "noon_midnight", "time_of_day_only"):
        assert step in evidence["normalize"]
    assert evidence["null_words"] == {"Not Available": 2}
    assert evidence["parsed_share"] == 1.0
    assert detectors.normalize_datetime_text("11:43aDec 1", evidence["normalize"]) == "11:43 AM"


def test_datetime_strings_quiet_on_text_numbers_and_ids():
    assert detectors.detect_datetime_strings(counts("AA-3859-IAH-ORD", "UA-12-SFO-JFK", "DL-9-ATL-BOS")) is None
    assert detectors.detect_datetime_strings(counts("hello", "world", "again")) is None
    assert detectors.detect_datetime_strings(counts("2021-03-04", "not a date", "nope", "nah", "no")) is None


# boolean strings ---------------------------------------------------------------


def test_boolean_strings_found():
    issue = detectors.detect_boolean_strings(counts("yes", "no", "Yes", "Y", "N", "no"))
    assert issue["evidence"]["true"] == ["Y", "Yes", "yes"]
    assert issue["evidence"]["false"] == ["N", "no"]
    assert issue["count"] == 6
    ones = detectors.detect_boolean_strings(counts("1", "0", "1", "1"))
    assert ones["evidence"] == {"true": ["1"], "false": ["0"], "unparsed": {}}


def test_boolean_strings_quiet_on_other_text_and_single_truth_value():
    assert detectors.detect_boolean_strings(counts("yes", "maybe", "later", "no way")) is None
    assert detectors.detect_boolean_strings(counts("yes", "yes", "yes")) is None


# whole columns and frames -------------------------------------------------------


def test_all_null_and_constant():
    assert detectors.detect_all_null(0)["kind"] == "all_null"
    by_tokens = detectors.detect_all_null(3, {"empty": 3})
    assert by_tokens["evidence"] == {"null_tokens": ["empty"]}
    assert detectors.detect_all_null(3, {"empty": 2}) is None
    constant = detectors.detect_constant(["web"], rows=10, nulls=0)
    assert constant["evidence"] == {"value": "web"}
    assert detectors.detect_constant(["web", "app"], rows=10, nulls=0) is None
    assert detectors.detect_constant(["web"], rows=10, nulls=2) is None
    assert detectors.detect_constant(["web"], rows=1, nulls=0) is None


def test_duplicate_rows():
    frame = pd.DataFrame({"a": [1, 2, 1, 3], "b": ["x", "y", "x", "x"]})
    issue = detectors.detect_duplicate_rows(frame, exact=True)
    assert issue["count"] == 1
    assert issue["evidence"] == {"exact": True, "example_positions": [0, 2], "sampled": False}
    clean = pd.DataFrame({"a": [1, 2, 1], "b": ["x", "y", "z"]})
    assert detectors.detect_duplicate_rows(clean, exact=True) is None


def test_json_safe_value_truncates_and_converts():
    import numpy as np

    assert detectors.json_safe_value("x" * 100).endswith("…")
    assert len(detectors.json_safe_value("x" * 100)) == detectors.MAX_TEXT
    assert detectors.json_safe_value(np.int64(3)) == 3
    assert detectors.json_safe_value(float("nan")) is None
    assert detectors.json_safe_value(pd.NA) is None
    assert detectors.json_safe_value(pd.Timestamp("2021-01-02")) == "2021-01-02T00:00:00"
