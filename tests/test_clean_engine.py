"""The built-in clean engine: specific, valid, warning-free code that really cleans."""

from __future__ import annotations

import contextlib
import datetime
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds import describe, suggest
from jupyterlab_llmds.engines import Cell, Suggestion, UnknownTaskError, get_engine
from jupyterlab_llmds.suggestion import suggest_from_cards

TOKENS = {"N/A", "-", "?", ""}


def messy_frame() -> pd.DataFrame:
    """Prices, weights, rates, two date formats, tokens, case variants, a duplicate row,
    an all-null column and a constant column."""
    return pd.DataFrame(
        {
            "price": ["$1,234.50", "$12.00", "N/A", "$3.99", "$1,000.00", "-", "$7.25", "$8.00", "$19.99", "$12.00"],
            "weight": ["12.0 oz", "3.5 oz", "8 oz", "?", "16.0 oz", "12.0 oz", "", "4 oz", "10 oz", "3.5 oz"],
            "rate": ["45%", "12.5%", "100%", "0%", "N/A", "33%", "7%", "45%", "50%", "12.5%"],
            "date": ["2021-03-04", "03/05/2021", "2021-04-01", "-", "12/31/2020", "2021-01-15", "01/02/2022",
                     "2021-03-04", "2022-06-30", "03/05/2021"],
            "state": [" NY", "ny", "NY", "CA", "ca ", "NY", "TX", "Ny", "NY", "ny"],
            "notes": [np.nan] * 10,
            "source": ["web"] * 10,
        }
    )


def run_clean_code(code: str, name: str, frame) -> tuple[dict, str]:
    """Execute generated code in a fresh namespace, FutureWarning/DeprecationWarning as errors."""
    namespace = {name: frame}
    output = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        with contextlib.redirect_stdout(output):
            exec(compile(code, "<generated clean cell>", "exec"), namespace)
    return namespace, output.getvalue()


@pytest.fixture(scope="module")
def messy_result():
    frame = messy_frame()
    original = frame.copy(deep=True)
    suggestion = suggest(frame, task="clean", name="sales")
    namespace, printed = run_clean_code(suggestion.code, "sales", frame)
    return {"frame": frame, "original": original, "suggestion": suggestion, "namespace": namespace, "printed": printed}


def test_suggestion_shape_and_dict(messy_result):
    suggestion = messy_result["suggestion"]
    assert isinstance(suggestion, Suggestion)
    # the plan, the cleaning, then the checks of what the cleaning promised
    assert [cell.cell_type for cell in suggestion.cells] == ["markdown", "code", "markdown", "code"]
    assert suggestion.cells[2].source.startswith("### Validating `sales_clean`")
    assert "validation_checks(sales_clean)" in suggestion.cells[3].source
    data = suggestion.to_dict()
    assert data["task"] == "clean" and data["frame"] == "sales" and data["engine"] == "builtin"
    assert json.loads(json.dumps(data)) == data
    assert suggestion.code.startswith("import numpy as np\nimport pandas as pd")
    assert "sales_clean = sales.copy()" in suggestion.code


def test_code_is_valid_and_modern(messy_result):
    code = messy_result["suggestion"].code
    compile(code, "<clean>", "exec")
    assert "inplace" not in code
    assert "applymap" not in code and "infer_datetime_format" not in code


def test_original_frame_untouched(messy_result):
    pd.testing.assert_frame_equal(messy_result["frame"], messy_result["original"])


def test_result_is_clean(messy_result):
    clean = messy_result["namespace"]["sales_clean"]
    assert list(clean.columns) == ["price", "weight", "rate", "date", "state"]  # notes and source dropped
    assert len(clean) == 9  # the repeated last row of the first version is dropped
    assert clean.duplicated().sum() == 0
    assert pd.api.types.is_float_dtype(clean["price"])
    assert clean["price"].tolist()[:2] == [1234.5, 12.0]
    assert clean["price"].isna().sum() == 2
    assert clean["weight"].dropna().tolist() == [12.0, 3.5, 8.0, 16.0, 12.0, 4.0, 10.0]
    assert clean["rate"].iloc[0] == pytest.approx(0.45)
    assert pd.api.types.is_datetime64_any_dtype(clean["date"])
    assert clean["date"].iloc[1] == pd.Timestamp("2021-03-05")
    assert clean["date"].iloc[4] == pd.Timestamp("2020-12-31")
    assert clean["date"].isna().sum() == 1
    assert sorted(clean["state"].unique()) == ["CA", "NY", "TX"]
    for column in clean.columns:
        as_text = clean[column].dropna().astype(str).str.strip()
        assert not as_text.isin(TOKENS).any(), column


def test_code_and_markdown_name_the_actual_data(messy_result):
    suggestion = messy_result["suggestion"]
    code, markdown = suggestion.code, suggestion.markdown
    for name in ("'price'", "'weight'", "'rate'", "'date'", "'state'", "'notes'", "'source'"):
        assert name in code
    assert "['-', 'N/A']" in code and "['', '?']" in code
    assert "'$'" in code and "','" in code and r"\s*oz$" in code and "/ 100" in code
    assert "format='%Y-%m-%d'" in code and "format='%m/%d/%Y'" in code
    assert "{'Ny': 'NY', 'ca': 'CA', 'ny': 'NY'}" in code or "'ny': 'NY'" in code
    assert "drop_duplicates()" in code
    for fragment in ("`price`", "`'N/A'` ×1", "`%Y-%m-%d`", "`'ny'` → `'NY'`", "divided by 100", "`'web'`"):
        assert fragment in markdown, fragment


def test_printed_summary(messy_result):
    printed = messy_result["printed"]
    assert printed.splitlines()[0] == "10 rows x 7 columns -> 9 rows x 5 columns"
    assert "'price': text -> numbers" in printed
    assert "'notes': dropped: no values" in printed
    # the validation cell ran after the cleaning (run_clean_code runs every code cell) and every check passed
    checks = messy_result["namespace"]["validation_results"]
    assert checks and all(failing == 0 for _, _, failing, _ in checks)
    assert f"{len(checks)} of {len(checks)} checks pass on sales_clean" in printed
    assert "FAIL" not in printed
    assert "The validation cells after it check that `sales_clean` holds what this plan promises" in (
        messy_result["suggestion"].cells[0].source
    )


def test_unparsed_values_are_counted():
    frame = pd.DataFrame({"amount": ["$5", "$6", "$7", "$8", "$9", "12 xx"]})
    suggestion = suggest(frame, name="frame")
    namespace, printed = run_clean_code(suggestion.code, "frame", frame)
    assert "1 did not parse and are now missing" in printed
    assert "'12 xx'" in suggestion.markdown
    assert namespace["frame_clean"]["amount"].isna().sum() == 1


def test_times_of_day_become_times():
    frame = pd.DataFrame({"dep": ["7:10 a.m.", "11:43aDec 1", "7:15 p.m. (Estimated)", "Not Available", "Not Available", "12:30"]})
    suggestion = suggest(frame, name="flights")
    namespace, _ = run_clean_code(suggestion.code, "flights", frame)
    times = namespace["flights_clean"]["dep"].tolist()
    assert times[:3] == [datetime.time(7, 10), datetime.time(11, 43), datetime.time(19, 15)]
    assert pd.isna(times[3]) and pd.isna(times[4])
    assert times[5] == datetime.time(12, 30)
    assert "datetime.time" in suggestion.markdown and "'Not Available'" in suggestion.markdown


def test_boolean_strings_become_booleans():
    frame = pd.DataFrame({"active": ["yes", "no", "Yes", "N/A", "no"]})
    suggestion = suggest(frame, name="frame")
    namespace, _ = run_clean_code(suggestion.code, "frame", frame)
    result = namespace["frame_clean"]["active"]
    assert str(result.dtype) == "boolean"
    assert result.tolist()[:3] == [True, False, True] and pd.isna(result.iloc[3])


@pytest.mark.parametrize(
    "columns",
    [
        ["it's", 'say "hi"', "a b"],
        [0, 1, 2],
        ["dup", "dup", "other"],
        [("a", "x"), ("a", "y"), ("b", "x")],
        [pd.Timestamp("2021-01-01"), "x", "y"],
    ],
    ids=["quotes", "integers", "duplicates", "multiindex", "timestamp"],
)
def test_any_column_names_give_working_code(columns):
    frame = pd.DataFrame({"c0": [" a", "b", "b", "N/A"], "c1": ["$1", "$2", "$3", "$4"], "c2": ["k"] * 4})
    frame.columns = pd.MultiIndex.from_tuples(columns) if isinstance(columns[0], tuple) else columns
    original = frame.copy(deep=True)
    suggestion = suggest(frame, name="odd")
    namespace, _ = run_clean_code(suggestion.code, "odd", frame)
    pd.testing.assert_frame_equal(frame, original)
    clean = namespace["odd_clean"]
    assert clean.shape == (4, 2)  # the constant third column is dropped
    assert clean.iloc[:, 1].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert clean.iloc[:, 0].tolist()[:3] == ["a", "b", "b"] and pd.isna(clean.iloc[3, 0])


def test_series_is_cleaned_as_a_series():
    series = pd.Series(["$1", "$2", "N/A", "$4"], name="price")
    suggestion = suggest(series, name="prices")
    namespace, _ = run_clean_code(suggestion.code, "prices", series)
    result = namespace["prices_clean"]
    assert isinstance(result, pd.Series)
    assert result.tolist()[:2] == [1.0, 2.0] and pd.isna(result.iloc[2])


def test_clean_frame_gets_a_plain_cell():
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
    suggestion = suggest(frame, name="tidy")
    assert "No issues found" in suggestion.markdown
    namespace, printed = run_clean_code(suggestion.code, "tidy", frame)
    pd.testing.assert_frame_equal(namespace["tidy_clean"], frame)
    assert printed.startswith("3 rows x 2 columns -> 3 rows x 2 columns")


def test_suggest_from_cards_matches_suggest():
    frame = messy_frame()
    card = describe(frame, name="sales").to_dict()
    from_cards = suggest_from_cards([json.loads(json.dumps(card))])
    assert from_cards.to_dict() == suggest(frame, name="sales").to_dict()
    assert suggest_from_cards(card).frame == "sales"


def test_unknown_task_and_engine_errors():
    with pytest.raises(UnknownTaskError, match="supports: 'clean'"):
        suggest(messy_frame(), task="plot")
    assert issubclass(UnknownTaskError, ValueError)
    with pytest.raises(ValueError, match="Unknown engine 'gpt'"):
        get_engine("gpt")
    assert get_engine().name == "builtin" and get_engine("builtin").name == "builtin"
    with pytest.raises(ValueError, match="No data card"):
        get_engine().suggest([], "clean")


def test_instructions_are_acknowledged():
    suggestion = suggest(messy_frame(), name="sales", instructions="keep the weights in grams")
    assert "keep the weights in grams" in suggestion.markdown


def test_cell_to_dict():
    assert Cell("code", "x = 1").to_dict() == {"cell_type": "code", "source": "x = 1"}
