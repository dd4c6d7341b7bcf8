"""``describe()`` never raises, never mutates the frame and always gives JSON-safe cards.

Odd frames users really hold in kernels: MultiIndex rows and columns,
duplicate and non-string column names, empty and all-missing frames, every
pandas extension dtype, nested and binary values, huge strings, and objects
whose ``repr``/``str``/``==``/``hash`` raise or are slow. For each one the card
must build, ``json.dumps(card.to_dict(), allow_nan=False)`` must work, the
prompt must be text, and the frame must be exactly as it was (values, dtypes,
columns, index, ``attrs`` and flags).
"""

from __future__ import annotations

import copy
import datetime
import decimal
import json
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import pandas as hypothesis_pandas

from jupyterlab_llmds.kernel import detectors
from jupyterlab_llmds.kernel.card import describe
from jupyterlab_llmds.kernel.prompt import estimate_tokens



# --------------------------------------------------------------------------
# Hostile objects


class RaisingRepr:
    """A cell whose ``repr`` and ``str`` raise."""

    def __repr__(self):
        raise RuntimeError("repr exploded")

    __str__ = __repr__


class SlowRepr:
    """A cell whose ``repr`` and ``str`` take a second (and count how often they ran)."""

    calls = 0

    def __repr__(self):
        type(self).calls += 1
        time.sleep(1.0)
        return "slow"

    __str__ = __repr__


class RaisingEquality:
    """A cell whose ``==``, ``!=`` and ``hash`` raise something other than TypeError."""

    def __eq__(self, other):
        raise ValueError("eq exploded")

    def __ne__(self, other):
        raise ValueError("ne exploded")

    def __hash__(self):
        raise RuntimeError("hash exploded")

    def __repr__(self):
        return "RaisingEquality()"


class ConstantHash:
    """Hashable, but every instance collides and ``==`` raises: dict look-ups blow up."""

    def __hash__(self):
        return 1

    def __eq__(self, other):
        raise RuntimeError("eq exploded on collision")

    def __repr__(self):
        return "ConstantHash()"


class ReprReturnsNumber:
    """``__str__`` returning a non-string makes ``str()`` raise TypeError."""

    def __str__(self):
        return 42  # type: ignore[return-value]

    def __repr__(self):
        return 42  # type: ignore[return-value]


# --------------------------------------------------------------------------
# Checks


def frame_state(frame):
    """Everything ``describe`` must leave as it was, deep-copied."""
    flags = {"allows_duplicate_labels": frame.flags.allows_duplicate_labels}
    return {
        "frame": frame.copy(deep=True),
        "attrs": copy.deepcopy(frame.attrs),
        "flags": flags,
        "dtypes": list(frame.dtypes) if isinstance(frame, pd.DataFrame) else [frame.dtype],
        "columns": frame.columns.copy(deep=True) if isinstance(frame, pd.DataFrame) else None,
        "index": frame.index.copy(deep=True),
        "index_names": list(frame.index.names),
    }


def values_equal(left, right) -> bool:
    """Frames equal cell by cell, falling back to identity for cells that refuse ``==``."""
    try:
        if isinstance(left, pd.DataFrame):
            pd.testing.assert_frame_equal(left, right, check_exact=True)
        else:
            pd.testing.assert_series_equal(left, right, check_exact=True)
        return True
    except AssertionError:
        return False
    except Exception:  # cells whose == raises: compare the objects themselves
        left_cells = left.to_numpy(dtype=object).ravel()
        right_cells = right.to_numpy(dtype=object).ravel()
        return len(left_cells) == len(right_cells) and all(a is b for a, b in zip(left_cells, right_cells))


def assert_unchanged(frame, state, original_cells=None) -> None:
    """The frame after ``describe`` matches the state taken before."""
    if original_cells is not None:
        # object cells must be the very same objects (nothing replaced them)
        for position, cells in original_cells.items():
            now = frame.iloc[:, position].to_numpy()
            assert len(now) == len(cells) and all(a is b for a, b in zip(now, cells))
    assert values_equal(frame, state["frame"])
    dtypes = list(frame.dtypes) if isinstance(frame, pd.DataFrame) else [frame.dtype]
    assert [str(dtype) for dtype in dtypes] == [str(dtype) for dtype in state["dtypes"]]
    if state["columns"] is not None:
        assert frame.columns.equals(state["columns"])
        assert list(frame.columns.names) == list(state["columns"].names)
    assert frame.index.equals(state["index"])
    assert list(frame.index.names) == state["index_names"]
    assert frame.attrs == state["attrs"]
    assert frame.flags.allows_duplicate_labels == state["flags"]["allows_duplicate_labels"]


def check_card(frame, **options):
    """Build the card, check JSON safety, prompt and read-only-ness; return the card dict."""
    object_cells = None
    state = frame_state(frame)
    if isinstance(frame, pd.DataFrame):
        object_cells = {
            position: frame.iloc[:, position].to_numpy().copy()
            for position, dtype in enumerate(frame.dtypes)
            if dtype == object
        }
    card = describe(frame, name="frame", **options)
    data = card.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["shape"] == data["shape"]
    prompt = card.to_prompt()
    assert isinstance(prompt, str) and prompt
    assert_unchanged(frame, state, object_cells)
    return data


# --------------------------------------------------------------------------
# Odd frames


def odd_frames() -> dict:
    """name -> frame (or Series) builder, one per odd case."""
    rng = np.random.default_rng(0)
    cases = {
        "multiindex rows and columns": lambda: pd.DataFrame(
            rng.normal(size=(6, 4)),
            index=pd.MultiIndex.from_product([["a", "b"], [1, 2, 3]], names=["letter", "number"]),
            columns=pd.MultiIndex.from_tuples([("x", 1), ("x", 2), ("y", "z"), ("y", None)]),
        ),
        "duplicate column names": lambda: pd.DataFrame([[1, "a", 2.5], [2, "b", np.nan]], columns=["v", "v", "v"]),
        "non-string column names": lambda: pd.DataFrame(
            {0: [1, 2], 1.5: [3.0, 4.0], ("t", 1): ["a", "b"], None: [True, False],
             pd.Timestamp("2024-01-01"): ["x", "y"], np.nan: [1, 1]}
        ),
        "empty frame": lambda: pd.DataFrame(),
        "zero columns, some rows": lambda: pd.DataFrame(index=range(5)),
        "zero rows, some columns": lambda: pd.DataFrame({"a": pd.Series([], dtype="int64"), "b": pd.Series([], dtype=object)}),
        "all NaN": lambda: pd.DataFrame({"a": [np.nan] * 5, "b": [None] * 5, "c": pd.Series([pd.NaT] * 5)}),
        "categoricals with unused categories": lambda: pd.DataFrame(
            {
                "c": pd.Categorical(["a", "b", "a", None], categories=["a", "b", "never"]),
                "ordered": pd.Categorical([3, 1, 2, 1], categories=[1, 2, 3, 4], ordered=True),
                "empty": pd.Categorical([None] * 4, categories=["x"]),
            }
        ),
        "tz-aware datetimes": lambda: pd.DataFrame(
            {"when": pd.date_range("2024-01-01", periods=30, freq="h", tz="Europe/Paris").insert(3, pd.NaT)}
        ),
        "timedeltas": lambda: pd.DataFrame({"took": pd.to_timedelta([1, 2, None, 4], unit="s")}),
        "periods": lambda: pd.DataFrame({"month": pd.period_range("2024-01", periods=5, freq="M")}),
        "intervals": lambda: pd.DataFrame({"bin": pd.interval_range(0, 5)}),
        "sparse": lambda: pd.DataFrame(
            {"s": pd.arrays.SparseArray([0, 0, 1, 0, np.nan]), "t": pd.arrays.SparseArray([0.0, 1.5, 0.0, 0.0, 0.0])}
        ),
        "nullable extension dtypes": lambda: pd.DataFrame(
            {
                "i": pd.array([1, None, 3, 4], dtype="Int64"),
                "f": pd.array([1.5, None, np.nan, 2.0], dtype="Float64"),
                "b": pd.array([True, None, False, True], dtype="boolean"),
                "s": pd.array(["a", None, "b", "a"], dtype="string"),
            }
        ),
        "nested lists and dicts": lambda: pd.DataFrame(
            {"lists": [[1, 2], [1, 2], [], None], "dicts": [{"a": 1}, {"a": [1]}, {}, {"b": {"c": 2}}],
             "sets": [{1}, set(), {2, 3}, frozenset([1])], "other": ["a", "b", "c", "d"]}
        ),
        "bytes": lambda: pd.DataFrame({"raw": [b"\x00\xff", b"abc", None, bytearray(b"x")], "n": [1, 2, 3, 4]}),
        "huge strings": lambda: pd.DataFrame({"text": ["x" * 1_000_000, "y" * 1_000_000 + " ", None, "short"]}),
        "infinities": lambda: pd.DataFrame(
            {"f": [np.inf, -np.inf, 1.0, np.nan], "all_inf": [np.inf] * 4, "ints": [1, 2, 3, 4]}
        ),
        "mixed types": lambda: pd.DataFrame(
            {"m": [1, "a", 2.5, None, True, b"b", datetime.date(2024, 1, 1), decimal.Decimal("1.5"), [1], (2,)]}
        ),
        "complex numbers": lambda: pd.DataFrame({"z": [1 + 2j, 3 - 1j, np.nan, 0j]}),
        "datetime index and period columns": lambda: pd.DataFrame(
            {"v": [1, 2, 3]}, index=pd.date_range("2024-01-01", periods=3, name="day")
        ),
        "huge and tiny numbers": lambda: pd.DataFrame(
            {"big": [1e308, -1e308, 5.0, 1e-308], "uint": np.array([0, 2**64 - 1, 5, 7], dtype="uint64"),
             "int8": np.array([-128, 127, 0, 1], dtype="int8")}
        ),
        "datetimes out of nanosecond range": lambda: pd.DataFrame(
            {"when": pd.Series([datetime.datetime(1, 1, 1), datetime.datetime(9999, 12, 31), None], dtype="datetime64[s]")}
        ),
        "series without a name": lambda: pd.Series([1, 2, 2, None]),
        "series of text": lambda: pd.Series([" a", "A", "a", "N/A"], name="letters"),
        "raising repr": lambda: pd.DataFrame({"obj": [RaisingRepr(), RaisingRepr(), 1, "x"]}),
        "raising equality and hash": lambda: pd.DataFrame({"obj": [RaisingEquality(), RaisingEquality(), "a", 1]}),
        "colliding hash with raising eq": lambda: pd.DataFrame({"obj": [ConstantHash(), ConstantHash(), ConstantHash()]}),
        "str returning a number": lambda: pd.DataFrame({"obj": [ReprReturnsNumber(), ReprReturnsNumber()]}),
        "attrs and flags": lambda: pd.DataFrame({"a": [1, 2]}).set_flags(allows_duplicate_labels=False),
        "many duplicate rows": lambda: pd.DataFrame({"a": [1, 1, 1, 2] * 50, "b": ["x", "x", "x", "y"] * 50}),
    }
    return cases


ODD_FRAMES = odd_frames()


@pytest.mark.parametrize("case", sorted(ODD_FRAMES))
def test_odd_frames_build_json_safe_cards_and_stay_untouched(case):
    frame = ODD_FRAMES[case]()
    if isinstance(frame, pd.DataFrame) and case == "attrs and flags":
        frame.attrs["source"] = {"file": "sales.csv", "rows": [1, 2]}
    card = check_card(frame)
    shape = list(frame.shape) if isinstance(frame, pd.DataFrame) else [len(frame), 1]
    assert card["shape"] == shape
    assert len(card["columns"]) == shape[1]


@pytest.mark.parametrize("privacy", ["schema", "redacted", "full"])
def test_every_privacy_mode_survives_hostile_cells(privacy):
    frame = pd.DataFrame(
        {"obj": [RaisingRepr(), RaisingEquality(), "a@b.com", [1]], "n": [1, 2, 3, 4], "t": ["a", "b", "a", "b"]}
    )
    check_card(frame, privacy=privacy)


def test_slow_repr_is_called_a_bounded_number_of_times():
    SlowRepr.calls = 0
    frame = pd.DataFrame({"obj": [SlowRepr() for _ in range(3000)], "n": range(3000)})
    started = time.perf_counter()
    check_card(frame)
    elapsed = time.perf_counter() - started
    # a card that rendered every cell would take 3000 s; a few calls are fine
    assert SlowRepr.calls <= 5, SlowRepr.calls
    assert elapsed < 15, elapsed


def test_cells_are_the_same_objects_afterwards():
    cells = [[1, 2], {"a": 1}, RaisingRepr(), "text"]
    frame = pd.DataFrame({"obj": cells})
    check_card(frame)
    assert all(frame["obj"].iloc[index] is cell for index, cell in enumerate(cells))
    assert cells[0] == [1, 2] and cells[1] == {"a": 1}


def test_arrow_backed_columns():
    import pyarrow as pa

    frame = pd.DataFrame(
        {
            "s": pd.array(["a", None, " a", "N/A"], dtype="string[pyarrow]"),
            "i": pd.array([1, None, 3, 4], dtype=pd.ArrowDtype(pa.int64())),
            "f": pd.array([1.5, None, float("inf"), 2.0], dtype=pd.ArrowDtype(pa.float64())),
            "l": pd.array([[1], [2, 3], None, []], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
            "t": pd.array([pd.Timestamp("2024-01-01"), None, pd.Timestamp("2024-01-02"), None],
                          dtype=pd.ArrowDtype(pa.timestamp("us"))),
        }
    )
    card = check_card(frame)
    assert [column["nulls"] for column in card["columns"]] == [1, 1, 1, 1, 2]


def test_null_counts_are_exact_on_every_dtype():
    frame = pd.DataFrame(
        {
            "f": [1.0, np.nan, np.nan, 4.0],
            "o": ["a", None, np.nan, "b"],
            "d": pd.to_datetime(["2024-01-01", None, "2024-01-03", None]),
            "td": pd.to_timedelta([1, None, None, None], unit="s"),
            "c": pd.Categorical(["a", None, "a", "b"]),
            "i": pd.array([1, None, 3, 4], dtype="Int64"),
            "b": [True, False, True, False],
            "s": pd.arrays.SparseArray([1.0, np.nan, 0.0, np.nan]),
            "p": pd.PeriodIndex(["2024-01", None, "2024-03", "2024-04"], freq="M"),
        }
    )
    card = check_card(frame)
    assert [column["nulls"] for column in card["columns"]] == [2, 2, 2, 3, 1, 1, 0, 2, 1]


def test_card_has_timing_and_says_what_was_sampled():
    rows = 30_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=rows),
            "text": [f"item {value}" for value in rng.integers(0, 20_000, rows)],
            "n": rng.integers(0, 5, rows),
        }
    )
    card = check_card(frame)
    timing = card["timing"]
    assert timing["seconds"] >= 0
    assert {"distinct counts", "quantiles", "text detectors"} <= set(timing["sampled_parts"])
    assert all(column["distinct"]["exact"] is False for column in card["columns"])
    small = check_card(frame.head(100))
    assert small["timing"]["sampled_parts"] == []
    assert all(column["distinct"]["exact"] is True for column in small["columns"])


def test_min_and_max_are_exact_beyond_the_sample():
    rows = 200_000
    values = np.arange(rows, dtype="float64")
    values[123_457] = 1e9  # one value the row sample almost surely misses
    values[5] = np.nan
    frame = pd.DataFrame({"v": values, "i": np.arange(rows)})
    card = check_card(frame)
    stats = card["columns"][0]["stats"]
    assert stats["max"] == 1e9 and stats["min"] == 0.0
    assert card["columns"][0]["nulls"] == 1
    assert card["columns"][1]["stats"]["max"] == rows - 1


def test_json_safe_value_is_bounded_for_hostile_objects():
    assert detectors.json_safe_value(RaisingRepr()) == "<RaisingRepr>"
    assert detectors.json_safe_value(ReprReturnsNumber()) == "<ReprReturnsNumber>"
    assert detectors.json_safe_value(RaisingEquality()) == "RaisingEquality()"
    assert len(detectors.json_safe_value("x" * 1_000_000)) == detectors.MAX_TEXT


# --------------------------------------------------------------------------
# Property test


def mixed_columns():
    """Column strategies of every kind the card handles."""
    text = st.one_of(
        st.sampled_from(["N/A", "", " x", "X", "$1,234.50", "12 oz", "2024-01-05", "01/02/2024", "yes", "no", "a@b.com"]),
        st.text(alphabet="aAb 1,.$-/:@Né\x00", max_size=12),
    )
    return [
        hypothesis_pandas.column("ints", dtype="int64", elements=st.integers(-(2**40), 2**40)),
        hypothesis_pandas.column("floats", dtype="float64", elements=st.floats(allow_nan=True, allow_infinity=True)),
        hypothesis_pandas.column("bools", dtype=bool),
        hypothesis_pandas.column("text", dtype=object, elements=st.one_of(st.none(), text)),
        hypothesis_pandas.column(
            "mixed",
            dtype=object,
            elements=st.one_of(
                st.none(), st.integers(-5, 5), st.floats(allow_nan=True), text, st.booleans(),
                st.lists(st.integers(0, 3), max_size=2), st.binary(max_size=3),
            ),
        ),
        hypothesis_pandas.column(
            "dates", dtype="datetime64[ns]",
            elements=st.datetimes(min_value=datetime.datetime(1900, 1, 1), max_value=datetime.datetime(2100, 1, 1)),
        ),
        hypothesis_pandas.column(3, dtype="float32"),
    ]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    frame=hypothesis_pandas.data_frames(mixed_columns(), index=hypothesis_pandas.range_indexes(min_size=0, max_size=40)),
    budget=st.integers(min_value=50, max_value=3000),
    columns=st.lists(st.integers(0, 6), max_size=5),
)
def test_any_mixed_frame_gives_a_json_safe_card_and_a_prompt_within_budget(frame, budget, columns):
    if columns:
        # repeated positions make duplicate column names too
        frame = frame.iloc[:, columns]
    state = frame_state(frame)
    card = describe(frame, name="frame")
    json.dumps(card.to_dict(), allow_nan=False)
    prompt = card.to_prompt(budget=budget)
    assert isinstance(prompt, str) and prompt
    assert estimate_tokens(prompt) <= budget
    assert_unchanged(frame, state)
