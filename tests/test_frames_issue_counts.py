"""Issue counts in the frame listing: right numbers, within the time budget, nothing by default."""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from jupyterlab_llmds.kernel import frames as frames_module
from jupyterlab_llmds.kernel.card import describe
from jupyterlab_llmds.kernel.entry import frames_report
from jupyterlab_llmds.kernel.frames import list_frames


def dirty(rows: int, seed: int = 0) -> pd.DataFrame:
    """A small frame with a few issues (null tokens, whitespace, numbers as text)."""
    generator = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "city": generator.choice([" NY", "NY", "N/A", "Boston"], rows),
            "price": generator.choice(["$1.50", "$2.00", "$3.25"], rows),
            "n": generator.integers(0, 5, rows),
        }
    )


def test_without_issues_the_listing_is_as_before():
    namespace = {"df": dirty(10)}
    entries = list_frames(namespace)
    assert set(entries[0]) == {"name", "kind", "rows", "columns", "memory_bytes"}


def test_counts_match_the_cards():
    namespace = {
        "clean": pd.DataFrame({"a": [1, 2, 3]}),
        "dirty": dirty(200),
        "other": dirty(50, seed=3),
        "empty": pd.DataFrame(),
        "not_a_frame": [1, 2],
    }
    entries = list_frames(namespace, with_issues=True, issues_budget=30)
    assert [entry["name"] for entry in entries] == ["clean", "dirty", "empty", "other"]
    for entry in entries:
        expected = len(describe(namespace[entry["name"]], name=entry["name"]).to_dict()["issues"])
        assert entry["issues"] == expected, entry
    assert next(entry for entry in entries if entry["name"] == "dirty")["issues"] > 0


def test_a_frame_bound_to_two_names_is_described_once(monkeypatch):
    frame = dirty(100)
    calls = []
    real_describe = describe

    def counting_describe(value, **options):
        calls.append(options.get("name"))
        return real_describe(value, **options)

    monkeypatch.setattr(sys.modules["jupyterlab_llmds.kernel.card"], "describe", counting_describe)
    entries = list_frames({"a": frame, "b": frame}, with_issues=True, issues_budget=30)
    assert len(calls) == 1
    assert entries[0]["issues"] == entries[1]["issues"] is not None


def test_budget_holds_with_many_frames_smallest_first():
    namespace = {f"frame_{index:03d}": dirty(200 + 50 * index, seed=index) for index in range(300)}
    started = time.perf_counter()
    entries = list_frames(namespace, with_issues=True, issues_budget=0.5)
    elapsed = time.perf_counter() - started
    # one card may overrun the budget, never the whole listing by much
    assert elapsed < 0.5 + 1.0, elapsed
    counted = [entry for entry in entries if entry["issues"] is not None]
    skipped = [entry for entry in entries if entry["issues"] is None]
    assert counted and skipped
    # smallest first: every counted frame is no bigger than every skipped one
    assert max(entry["rows"] for entry in counted) <= min(entry["rows"] for entry in skipped)
    for entry in counted[:5]:
        assert entry["issues"] == len(describe(namespace[entry["name"]], name=entry["name"]).to_dict()["issues"])


def test_one_huge_frame_is_not_described_within_a_small_budget():
    # the prior rate predicts seconds for this frame: skipped, not stalled on
    huge = pd.DataFrame(np.zeros((3_000_000, 4)))
    started = time.perf_counter()
    entries = list_frames({"huge": huge, "small": dirty(20)}, with_issues=True, issues_budget=0.1)
    assert time.perf_counter() - started < 1.0
    by_name = {entry["name"]: entry for entry in entries}
    assert by_name["huge"]["issues"] is None
    assert by_name["small"]["issues"] is not None


def test_a_failing_card_gives_none(monkeypatch):
    def broken(value, **options):
        raise RuntimeError("card exploded")

    monkeypatch.setattr(sys.modules["jupyterlab_llmds.kernel.card"], "describe", broken)
    entries = list_frames({"df": dirty(10)}, with_issues=True)
    assert entries[0]["issues"] is None


def test_frames_report_asks_for_issue_counts():
    report = frames_report({"df": dirty(30)})
    assert report["status"] == "ok"
    assert isinstance(report["frames"][0]["issues"], int)


def test_card_work_grows_with_rows_and_columns():
    assert frames_module.card_work(10, 3) < frames_module.card_work(1_000_000, 3) < frames_module.card_work(1_000_000, 30)


def test_the_counts_follow_edits_between_refreshes():
    from jupyterlab_llmds.kernel import frames as frames_module

    frame = pd.DataFrame({"price": [float(value) for value in range(1, 201)], "city": ["Boston"] * 100 + ["Denver"] * 100})
    namespace = {"df": frame}
    first = list_frames(namespace, with_issues=True)[0]["issues"]
    assert list(frames_module.ISSUE_COUNT_CACHE) == [id(frame)]
    # an unchanged frame keeps its count (served from the fingerprint)
    assert list_frames(namespace, with_issues=True)[0]["issues"] == first
    # an in-place edit of a fingerprinted row (the first) is seen: padded text is a new issue
    frame.iloc[0, 1] = " Boston "
    edited = list_frames(namespace, with_issues=True)[0]["issues"]
    assert edited == len(describe(frame, name="df").to_dict()["issues"]) and edited > first
    # a new column changes the fingerprint too
    frame["note"] = ["N/A"] * 100 + ["ok"] * 100
    assert list_frames(namespace, with_issues=True)[0]["issues"] == len(describe(frame, name="df").to_dict()["issues"])


def test_frames_that_cannot_be_hashed_are_still_counted_and_the_cache_only_holds_listed_frames():
    from jupyterlab_llmds.kernel import frames as frames_module

    lists = pd.DataFrame({"tags": [["a"], ["b"], ["a"]], "n": [1, 2, 3]})
    plain = pd.DataFrame({"n": [1, 2, 3]})
    listing = list_frames({"lists": lists, "plain": plain}, with_issues=True)
    assert all(entry["issues"] is not None for entry in listing)
    assert id(lists) not in frames_module.ISSUE_COUNT_CACHE  # no fingerprint, no cache entry
    list_frames({"plain": plain}, with_issues=True)
    assert set(frames_module.ISSUE_COUNT_CACHE) <= {id(plain)}
