"""Privacy modes of the card: exactly what remains in full, redacted and schema modes, and exclusions."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

from jupyterlab_llmds.kernel.card import describe
from jupyterlab_llmds.kernel.detectors import FALSE_WORDS, TRUE_WORDS
from jupyterlab_llmds.kernel.pii import PLACEHOLDER
from jupyterlab_llmds.kernel.privacy import STRUCTURAL_EVIDENCE_KEYS, apply_privacy
from jupyterlab_llmds.suggestion import suggest_from_cards

RAW_PII = [
    "ann.lee@example.com", "bob@corp.example.org",
    "(555) 201-3344", "+44 20 7946 0958",
    "4111 1111 1111 1111", "5500-0000-0000-0004",
    "123-45-6789", "234-56-7890",
    "192.168.10.20", "2001:db8::8a2e:370:7334",
]


def people() -> pd.DataFrame:
    """Personal columns next to ordinary messy ones (8 rows)."""
    return pd.DataFrame(
        {
            "email": ["ann.lee@example.com", "bob@corp.example.org", "ann.lee@example.com", None] * 2,
            "phone": ["(555) 201-3344", "+44 20 7946 0958", "n/a", "(555) 201-3344"] * 2,
            "card": ["4111 1111 1111 1111", "5500-0000-0000-0004", "4111 1111 1111 1111", "5500-0000-0000-0004"] * 2,
            "ssn": ["123-45-6789", "234-56-7890", "123-45-6789", "234-56-7890"] * 2,
            "ip": ["192.168.10.20", "2001:db8::8a2e:370:7334", "192.168.10.20", "192.168.10.20"] * 2,
            "price": ["$1,234.50", "$12.00", "N/A", "$7.25", "$99.99", "$3,100.75", "$12.00", "$45.10"],
            "city": [" Springfield", "Springfield", "springfield ", "Shelbyville", "Shelbyville", "SHELBYVILLE", "Ogdenville", "Ogdenville"],
            "subscribed": ["Yes", "No", "Yes", "yes", "No", "No", "Yes", "no"],
            "signup": ["03/14/2023", "2023-04-01", "05/20/2023", "not known", "not known", "06/30/2023", "07/04/2023", "2023-08-15"],
            "amount": [1234.5678, 987.6543, np.nan, 4521.1234, 3311.4477, 5120.9981, 7781.2213, 6612.3344],
            "visits": [48213, 51877, 60231, 70419, 81233, 91127, 10357, 20483],
            "region": ["Northwestshire"] * 8,
        }
    )


def all_text(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def cell_values(frame: pd.DataFrame) -> set:
    """Every distinct non-null cell value that is not also a column name."""
    values = set()
    for column in frame.columns:
        for value in frame[column].dropna().unique().tolist():
            if str(value).strip() and str(value) not in frame.columns:
                values.add(value)
    return values


def value_forms(value) -> list[str]:
    """How a cell value would show up in card JSON or prompt text."""
    if isinstance(value, str):
        forms = [json.dumps(value, ensure_ascii=False), repr(value), json.dumps(value.strip())]
        if len(value.strip()) >= 4:
            forms.append(value.strip())
        return forms
    if isinstance(value, float):
        return [repr(value), f"{value:.4f}", f"{round(value, 6)}"]
    return [str(value)]


def test_full_mode_keeps_values():
    card = describe(people(), name="people", privacy="full").to_dict()
    assert card["privacy"] == {"mode": "full", "excluded": [], "masked": {}, "locked": False}
    text = all_text(card)
    for raw in RAW_PII:
        assert raw in text
    pii = {issue["column"]: issue for issue in card["issues"] if issue["kind"] == "pii"}
    assert sorted(pii) == ["card", "email", "ip", "phone", "ssn"]
    assert pii["email"]["evidence"] == {"kinds": {"email": 6}, "examples": ["ann.lee@example.com", "bob@corp.example.org"]}
    assert pii["ssn"]["evidence"]["kinds"] == {"national_id": 8}


def test_redacted_mode_replaces_every_raw_personal_value():
    frame = people()
    described = describe(frame, name="people")  # redacted is the default
    card = described.to_dict()
    text = all_text(card)
    prompt = described.to_prompt()
    for raw in RAW_PII:
        assert raw not in text
        assert raw not in prompt
    assert card["privacy"] == {
        "mode": "redacted",
        "excluded": [],
        "masked": {"email": 2, "card": 2, "national_id": 2, "phone": 2, "ip": 2},
        "locked": False,
    }
    columns = {column["name"]: column for column in card["columns"]}
    assert columns["email"]["top"] == [["<email_1>", 4], ["<email_2>", 2]]
    assert columns["ssn"]["samples"] == ["<national_id_1>", "<national_id_2>"]
    assert columns["phone"]["top"] == [["<phone_1>", 4], ["<phone_2>", 2], ["n/a", 2]]
    pii = {issue["column"]: issue for issue in card["issues"] if issue["kind"] == "pii"}
    assert pii["email"]["evidence"] == {"kinds": {"email": 6}, "examples": ["<email_1>", "<email_2>"]}
    # the same address has the same placeholder in top values and in evidence
    assert pii["ip"]["evidence"]["examples"] == ["<ip_1>", "<ip_2>"]
    assert columns["ip"]["top"][0] == ["<ip_1>", 6]
    # ordinary values are untouched
    assert columns["price"]["samples"][0] == "$1,234.50"
    assert columns["visits"]["stats"]["max"] == 91127.0
    tokens = next(issue for issue in card["issues"] if issue["column"] == "phone" and issue["kind"] == "null_tokens")
    assert tokens["evidence"]["tokens"] == {"n/a": 2}
    assert PLACEHOLDER.search(prompt)


def test_schema_mode_keeps_names_dtypes_counts_and_structure_only():
    frame = people()
    described = describe(frame, name="people", privacy="schema")
    card = described.to_dict()
    prompt = described.to_prompt()
    text = all_text(card)
    for value in cell_values(frame):
        for form in value_forms(value):
            assert form not in text, (value, form)
            assert form not in prompt, (value, form)
    assert card["privacy"] == {"mode": "schema", "excluded": [], "masked": {}, "locked": False}
    for column in card["columns"]:
        assert column["samples"] == [] and column["top"] == [] and column["stats"] == {}
        assert set(column) <= {"name", "position", "dtype", "semantic", "nulls", "null_share", "distinct",
                               "name_exact", "samples", "top", "stats"}
    columns = {column["name"]: column for column in card["columns"]}
    assert columns["amount"]["nulls"] == 1 and columns["amount"]["dtype"] == "float64"
    assert columns["price"]["semantic"] == "numeric_string"
    issues = {(issue["column"], issue["kind"]): issue for issue in card["issues"]}
    assert issues[("price", "numeric_string")]["evidence"] == {
        "currency": ["$"], "thousands": ",", "decimal": ".", "percent": False, "unit": None,
        "unit_variants": [], "parsed_share": 1.0, "withheld": ["examples", "null_words", "unparsed"],
    }
    assert issues[("price", "null_tokens")]["evidence"] == {"withheld": ["tokens"]}
    signup = issues[("signup", "datetime_string")]["evidence"]
    assert signup["formats"] == {"%m/%d/%Y": 4, "%Y-%m-%d": 2} and signup["value_kind"] == "date"
    assert issues[("city", "case_variants")]["evidence"] == {"withheld": ["groups"]}
    assert issues[("region", "constant")]["message"] == "every row holds the same value; values withheld by the privacy setting"
    assert issues[("email", "pii")]["evidence"] == {"kinds": {"email": 6}, "withheld": ["examples"]}
    for issue in card["issues"]:
        assert set(issue["evidence"]) <= STRUCTURAL_EVIDENCE_KEYS
    assert "Privacy: schema" in prompt


def test_excluded_columns_leak_nothing_even_in_full_mode():
    frame = people()
    frame["notes"] = ["Secret diagnosis alpha", "Secret diagnosis beta"] * 4
    described = describe(frame, name="people", privacy="full", exclude=["notes", "email", "not_a_column"])
    card = described.to_dict()
    text = all_text(card) + described.to_prompt()
    for secret in ["Secret diagnosis alpha", "Secret diagnosis beta", "ann.lee@example.com", "bob@corp.example.org"]:
        assert secret not in text
    assert card["privacy"]["excluded"] == ["email", "notes"]
    columns = {column["name"]: column for column in card["columns"]}
    assert columns["notes"] == {
        "name": "notes", "position": 12, "dtype": str(frame["notes"].dtype),  # "str" on pandas 3, "object" on 2.2
        "semantic": "category", "nulls": 0, "null_share": 0.0,
        "distinct": {"count": 2, "exact": True}, "stats": {}, "top": [], "samples": [], "excluded": True,
    }
    # other columns keep their values in full mode
    assert "(555) 201-3344" in text


def test_apply_privacy_returns_a_new_dict_and_leaves_the_input_alone():
    card = describe(people(), name="people", privacy="full").to_dict()
    before = copy.deepcopy(card)
    for mode in ("schema", "redacted", "full"):
        result = apply_privacy(card, mode, exclude=["ssn"])
        assert result is not card
        assert card == before
        assert result["privacy"]["mode"] == mode


def test_unknown_top_level_keys_are_dropped_in_schema_mode_and_redacted_otherwise():
    card = describe(people(), name="people", privacy="full").to_dict()
    card["future_key"] = {"contact": "ann.lee@example.com"}
    assert "future_key" not in apply_privacy(card, "schema")
    assert apply_privacy(card, "redacted")["future_key"] == {"contact": "<email_1>"}


def test_invalid_privacy_mode_names_the_valid_ones():
    with pytest.raises(ValueError, match="schema, redacted, full"):
        describe(people(), privacy="private")
    with pytest.raises(ValueError, match="schema, redacted, full"):
        apply_privacy({"columns": [], "issues": []}, "nothing")


@pytest.mark.parametrize("mode", ["full", "redacted", "schema"])
def test_builtin_engine_code_runs_on_the_real_frame_in_every_mode(mode):
    frame = people()
    original = frame.copy(deep=True)
    card = describe(frame, name="people", privacy=mode).to_dict()
    suggestion = suggest_from_cards([card], task="clean")
    code = suggestion.code
    assert not PLACEHOLDER.search(code), "placeholders are not data values"
    if mode == "schema":
        # the engine may write its own yes/no vocabulary (not read from the data)
        vocabulary = TRUE_WORDS | FALSE_WORDS
        for value in cell_values(frame):
            if isinstance(value, str) and value.casefold() not in vocabulary:
                assert json.dumps(value) not in code and repr(value) not in code, value
    namespace = {"people": frame}
    exec(compile(code, "<clean>", "exec"), namespace)  # noqa: S102 - the point is to run it
    pd.testing.assert_frame_equal(frame, original)
    cleaned = namespace["people_clean"]
    assert pd.api.types.is_numeric_dtype(cleaned["price"])
    assert cleaned["price"].max() == 3100.75
    assert pd.api.types.is_datetime64_any_dtype(cleaned["signup"])
    assert str(cleaned["subscribed"].dtype) == "boolean"
    assert cleaned["subscribed"].tolist() == [True, False, True, True, False, False, True, False]
    assert "region" not in cleaned.columns  # constant column dropped in every mode
    if mode == "schema":
        # the null tokens were withheld, so they stay in place (after stripping)
        assert "n/a" in cleaned["phone"].tolist()
    else:
        assert "n/a" not in cleaned["phone"].dropna().tolist()
        assert cleaned["city"].tolist()[:3] == ["Springfield"] * 3
    assert suggestion.markdown  # and the explanation renders without values


# --------------------------------------------------------------------------
# The settings that choose the mode: configuration, environment, magics, kernel entry


def test_settings_lock_wins_budget_is_capped_and_environment_fills_defaults(monkeypatch):
    from traitlets.config import Config

    from jupyterlab_llmds.config import ConfigurationError, LlmdsConfig, LlmdsSettings, settings_from_environment

    locked = LlmdsSettings(privacy_mode="schema", lock_privacy_mode=True, max_card_budget=500)
    assert locked.resolve_privacy("full") == ("schema", True)
    assert locked.resolve_budget(5000) == 500
    assert locked.resolve_budget(None) == 500
    open_settings = LlmdsSettings()
    assert open_settings.resolve_privacy("full") == ("full", False)
    assert open_settings.resolve_privacy(None) == ("redacted", False)
    with pytest.raises(ConfigurationError, match="schema, redacted, full"):
        locked.resolve_privacy("private")
    with pytest.raises(ConfigurationError, match="at least 100"):
        open_settings.resolve_budget(10)

    monkeypatch.setenv("LLMDS_PRIVACY", "schema")
    monkeypatch.setenv("LLMDS_CARD_BUDGET", "900")
    monkeypatch.setenv("LLMDS_EXCLUDE", "ssn, notes")
    assert settings_from_environment() == LlmdsSettings(
        privacy_mode="schema", excluded_columns=("ssn", "notes"), default_card_budget=900
    )
    # the server's configuration wins over the environment, which fills what it leaves out
    configured = LlmdsConfig(config=Config({"LlmdsConfig": {"privacy_mode": "full"}})).settings()
    assert (configured.privacy_mode, configured.default_card_budget) == ("full", 900)
    monkeypatch.setenv("LLMDS_PRIVACY", "private")
    with pytest.raises(ConfigurationError, match="LLMDS_PRIVACY='private'"):
        settings_from_environment()


def test_magic_options_choose_the_card_the_engine_sees(monkeypatch):
    from types import SimpleNamespace

    from IPython.core.error import UsageError

    from jupyterlab_llmds.magics import suggestion_payload

    shell = SimpleNamespace(user_ns={"people": people()})
    full_code = "\n".join(cell["source"] for cell in suggestion_payload(shell, "clean people --privacy full", None)["cells"])
    schema_code = "\n".join(
        cell["source"] for cell in suggestion_payload(shell, "clean people --privacy=schema --budget 500", None)["cells"]
    )
    assert "'N/A'" in full_code and "'N/A'" not in schema_code
    monkeypatch.setenv("LLMDS_PRIVACY", "schema")
    from_environment = suggestion_payload(shell, "clean people", None)["cells"]
    assert "'N/A'" not in "\n".join(cell["source"] for cell in from_environment)
    with pytest.raises(UsageError, match="llm: Unknown privacy mode 'secret'; the modes are: schema, redacted, full"):
        suggestion_payload(shell, "clean people --privacy secret", None)
    with pytest.raises(UsageError, match="llm: --budget needs a whole number of tokens, not 'many'"):
        suggestion_payload(shell, "clean people --budget many", None)
    with pytest.raises(UsageError, match="llm: --privacy needs a value"):
        suggestion_payload(shell, "clean people --privacy", None)


def test_kernel_entry_builds_card_and_prompt_in_the_requested_mode():
    from jupyterlab_llmds.kernel import entry

    namespace = {"people": people()}
    report = entry.card_report(namespace, "people", privacy="schema", exclude=["ssn"], budget=400)
    assert report["status"] == "ok"
    assert report["card"]["privacy"]["mode"] == "schema" and report["card"]["privacy"]["excluded"] == ["ssn"]
    assert report["budget"] == 400 and report["tokens"] <= 400
    assert "ann.lee@example.com" not in report["prompt"]
    refused = entry.card_report(namespace, "people", privacy="everything")
    assert refused["status"] == "error" and refused["error"] == "bad_request"
    assert entry.card_report(namespace, "people", budget=5)["error"] == "bad_request"
    assert entry.card_report(namespace, "people", exclude="ssn")["error"] == "bad_request"
