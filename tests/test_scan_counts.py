"""How the card counts sampled values: lazily for many numbers, and a uniform text subset."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jupyterlab_llmds.kernel import scan
from jupyterlab_llmds.kernel.card import describe


def test_many_distinct_numbers_are_counted_lazily_but_read_like_a_dict():
    values = pd.Series(np.concatenate([np.arange(5000, dtype=float), np.full(7, 42.5)]))
    counts = scan.sample_counts(values)
    assert isinstance(counts, scan.ArrayCounts)
    assert len(counts) == 5001
    assert list(counts)[:3] == [0.0, 1.0, 2.0]
    assert counts[42.5] == 7 and counts[0.0] == 1
    assert sum(counts.values()) == 5007
    assert dict(counts.items()) == values.value_counts(sort=False).to_dict()
    assert 42.5 in counts and 0.25 not in counts


def test_few_distinct_values_stay_a_plain_dict():
    counts = scan.sample_counts(pd.Series([1, 2, 2, 3]))
    assert counts == {1: 1, 2: 2, 3: 1}
    assert type(counts) is dict


def test_a_card_of_many_distinct_dates_and_floats_reads_the_same_values():
    rows = 20_000
    frame = pd.DataFrame(
        {
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(rows), unit="min"),
            "amount": np.linspace(0, 1, rows),
        }
    )
    card = describe(frame, "frame").to_dict()
    when, amount = card["columns"]
    assert when["samples"][0] == "2024-01-01T00:00:00"
    assert amount["samples"][:2] == [0.0, frame["amount"].iloc[1]]
    assert when["distinct"]["count"] == amount["distinct"]["count"] > 1000


def test_the_text_subset_keeps_frequencies_and_the_limit():
    counts = {f"rare-{index}": 1 for index in range(9000)}
    counts.update({f"common-{index}": 30 for index in range(300)})
    subset, reduced = scan.bounded_text_counts(counts, limit=500, seed=3)
    assert reduced
    assert len(subset) == 500
    assert all(0 < subset[key] <= counts[key] for key in subset)
    common = sum(count for key, count in subset.items() if key.startswith("common"))
    # half the rows hold a common value, so about half of the subset does
    assert 0.4 < common / sum(subset.values()) < 0.6
    assert scan.bounded_text_counts(counts, limit=500, seed=3) == (subset, True)
    assert scan.bounded_text_counts({"a": 2, "b": 1}, limit=500) == ({"a": 2, "b": 1}, False)
