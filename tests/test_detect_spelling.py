"""Likely misspellings of a category: found where they are, left alone where values are real."""

from __future__ import annotations

import warnings
from collections import Counter

import pandas as pd

from jupyterlab_llmds import describe, suggest
from jupyterlab_llmds.kernel.detect_spelling import bounded_edit_distance, detect_spelling_variants
from shared_data import DATA



def mapping_of(issue: dict) -> dict:
    """Variant -> canonical from a spelling_variants issue."""
    return {
        variant: group["canonical"]
        for group in issue["evidence"]["groups"]
        for variant in group["variants"]
    }


def test_bounded_edit_distance_counts_edits_and_gives_up_past_the_limit():
    assert bounded_edit_distance("birmingham", "birminghxm", 1) == 1
    assert bounded_edit_distance("florence", "flrence", 1) == 1
    assert bounded_edit_distance("kitten", "sitting", 3) == 3
    assert bounded_edit_distance("kitten", "sitting", 2) is None
    assert bounded_edit_distance("abc", "abcdef", 2) is None


def test_rare_typos_of_a_frequent_city_are_mapped_to_it():
    counts = Counter({"birmingham": 120, "birminghxm": 2, "birmingam": 1, "florence": 40, "flxrence": 1, "mobile": 30})
    issue = detect_spelling_variants(counts)
    assert issue["kind"] == "spelling_variants"
    assert mapping_of(issue) == {"birminghxm": "birmingham", "birmingam": "birmingham", "flxrence": "florence"}
    assert issue["count"] == 4


def test_case_and_spaces_do_not_count_as_spelling():
    # " Boston" and "boston" are case/whitespace variants, reported elsewhere
    counts = Counter({"Boston": 50, "boston": 3, " Boston ": 2, "Chicago": 40})
    assert detect_spelling_variants(counts) is None


def test_codes_differing_in_digits_or_short_words_are_different_values():
    counts = Counter({
        "scip-inf-1": 60, "scip-inf-9": 1,       # another code, not a typo
        "al_ami-1": 80, "ak_ami-1": 2,           # Alaska, not a mistyped Alabama
        "room 101": 50, "room 102": 1,
        "515 miranda st": 30, "515 miranda sx": 1,  # a two-letter word: could be anything
    })
    assert detect_spelling_variants(counts) is None


def test_similar_frequent_categories_are_not_merged():
    # both spellings are common: two real values (Austria / Australia style)
    counts = Counter({"austria": 40, "australia": 35, "bolton": 20, "boston": 25})
    assert detect_spelling_variants(counts) is None


def test_short_values_and_numbers_are_left_alone():
    assert detect_spelling_variants(Counter({"al": 500, "ax": 3, "yes": 400, "yxs": 2})) is None
    assert detect_spelling_variants(Counter({"35233": 300, "35234": 1})) is None


def test_values_too_long_for_the_evidence_are_never_mapped():
    # the card cuts evidence values at 80 characters; a cut value could not
    # match the data, so such values must not be proposed at all
    long_value = "surgery patients who were taking heart drugs called beta blockers before coming to the hospital"
    counts = Counter({long_value: 50, long_value.replace("called", "caxled"): 1})
    assert detect_spelling_variants(counts) is None


def test_the_clean_code_fixes_the_typos_and_nothing_else():
    frame = pd.DataFrame({
        "city": ["birmingham"] * 40 + ["birminghxm", "flxrence"] + ["florence"] * 20 + ["bolton"],
        "code": ["scip-inf-1"] * 62 + ["scip-inf-9"],
    })
    suggestion = suggest(frame, task="clean", name="sites")
    markdown = suggestion.cells[0].source
    assert "'birminghxm'" in markdown and "review this mapping" in markdown
    namespace = {"sites": frame}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        warnings.simplefilter("error", DeprecationWarning)
        for cell in suggestion.cells:
            if cell.cell_type == "code":
                exec(cell.source, namespace)
    cleaned = namespace["sites_clean"]
    assert set(cleaned["city"]) == {"birmingham", "florence", "bolton"}
    assert "scip-inf-9" in set(cleaned["code"])
    assert frame["city"].tolist().count("birminghxm") == 1  # the user's frame is untouched


def test_hospital_typos_found_without_touching_state_codes():
    frame = pd.read_csv(DATA / "hospital" / "dirty.csv")
    issues = [issue for issue in describe(frame, name="hospital").to_dict()["issues"] if issue["kind"] == "spelling_variants"]
    found = {issue["column"]: mapping_of(issue) for issue in issues}
    assert found["city"]["birminghxm"] == "birmingham"
    # Alaska's rows are real: no "ak_..." value may be mapped to "al_..."
    for mapping in found.values():
        assert not any(variant.startswith("ak_") for variant in mapping)
    assert sum(issue["count"] for issue in issues) >= 150
