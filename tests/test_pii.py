"""PII recognisers, the pii detector and the redactor: found where they must be, silent elsewhere."""

from __future__ import annotations

import pytest

from jupyterlab_llmds.kernel.pii import (
    Redactor,
    contains_pii,
    detect_pii,
    find_pii,
    is_card_number,
    luhn_valid,
)

PERSONAL = [
    ("ann@example.com", "email", "ann@example.com"),
    ("Write to bob.smith+news@mail.corp.co.uk today", "email", "bob.smith+news@mail.corp.co.uk"),
    ("(555) 123-4567", "phone", "(555) 123-4567"),
    ("555-123-4567", "phone", "555-123-4567"),
    ("call 555.123.4567 after six", "phone", "555.123.4567"),
    ("555 123 4567", "phone", "555 123 4567"),
    ("+44 20 7946 0958", "phone", "+44 20 7946 0958"),
    ("+1-555-123-4567", "phone", "+1-555-123-4567"),
    ("+4930123456", "phone", "+4930123456"),
    ("4111 1111 1111 1111", "card", "4111 1111 1111 1111"),
    ("5500-0000-0000-0004", "card", "5500-0000-0000-0004"),
    ("4111111111111111", "card", "4111111111111111"),
    ("378282246310005", "card", "378282246310005"),
    ("card 6011 1111 1111 1117 on file", "card", "6011 1111 1111 1117"),
    ("123-45-6789", "national_id", "123-45-6789"),
    ("JG 10 37 64 A", "national_id", "JG 10 37 64 A"),
    ("AB123456C", "national_id", "AB123456C"),
    ("192.168.0.1", "ip", "192.168.0.1"),
    ("from 8.8.8.8 at noon", "ip", "8.8.8.8"),
    ("2001:db8::ff00:42:8329", "ip", "2001:db8::ff00:42:8329"),
    ("::1", "ip", "::1"),
    ("fe80::1ff:fe23:4567:890a", "ip", "fe80::1ff:fe23:4567:890a"),
    # a bare dotted quad is masked as an address (see the module docstring)
    ("1.2.3.4", "ip", "1.2.3.4"),
]

ORDINARY = [
    "2024-01-15", "01/02/2024", "15.01.2024", "2024/01/15 12:00:00", "2021-01-01 00:00:00",
    "2024-01-01T10:20:30+01:00", "12:30:45", "12:30", "9:00 AM", "$1,234.50", "1,234,567", "1 234 567",
    "€12,50", "45%", "+3.5%", "-0.5", "3.14159", "1e10", "12.5 kg", "02134", "12345-6789", "1.2.3",
    "v1.2.3.4", "version 1.2.3.4", "ver. 10.0.19041.1", "10.5.2.100.3", "256.1.1.1", "01.02.03.04",
    "1234567890", "123456789", "1234567812345678", "order 4111", "00:1A:2B:3C:4D:5E",
    "ISBN 978-3-16-148410-0", "000-12-3456", "666-12-3456", "123-00-4567", "123-45-0000",
    "user at example dot com", "a@b", "Room 101", "Q3 2024", "SKU-000123-AB", "2024-01-15 12:30:45.123",
]


@pytest.mark.parametrize(("text", "kind", "value"), PERSONAL)
def test_personal_data_is_found(text, kind, value):
    matches = find_pii(text)
    assert [(match.kind, match.value) for match in matches] == [(kind, value)]
    assert text[matches[0].start : matches[0].end] == value


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_values_are_not_personal_data(text):
    assert find_pii(text) == []
    assert not contains_pii(text)


def test_luhn_and_card_prefixes():
    assert luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")
    assert is_card_number("4111111111111111")
    # passes Luhn but no card network starts with 1
    assert luhn_valid("1234567812345670") and not is_card_number("1234567812345670")
    assert not is_card_number("411111111111")  # too short


def test_redactor_is_consistent_and_counts_distinct_values():
    redactor = Redactor()
    first = redactor.redact_text("mail ann@example.com or bob@example.com")
    again = redactor.redact_text("ann@example.com")
    phone = redactor.redact_text("(555) 123-4567")
    assert first == "mail <email_1> or <email_2>"
    assert again == "<email_1>"
    assert phone == "<phone_1>"
    assert redactor.masked == {"email": 2, "phone": 1}


def test_redactor_walks_keys_lists_and_card_numbers_stored_as_integers():
    redactor = Redactor()
    value = {"ann@example.com": 3, "plain": ["192.168.0.1", 4111111111111111, 42, 3.5, None, True]}
    assert redactor.redact_value(value) == {"<email_1>": 3, "plain": ["<ip_1>", "<card_1>", 42, 3.5, None, True]}


def test_truncated_values_do_not_leak_the_start_of_an_address():
    cut = "x" * 60 + " write to jane.doe@exam…"
    assert find_pii(cut) == []
    assert Redactor().redact_text(cut) == "x" * 60 + " write to <email_1>…"
    assert contains_pii(cut)
    assert Redactor().redact_text("a long note that simply ends…") == "a long note that simply ends…"


def test_detector_reports_kinds_with_value_counts_and_raw_examples():
    issue = detect_pii({"ann@example.com": 3, "call (555) 123-4567": 1, "nothing here": 5, "2024-01-15": 2})
    assert issue["kind"] == "pii"
    assert issue["count"] == 4
    assert issue["evidence"]["kinds"] == {"email": 3, "phone": 1}
    assert issue["evidence"]["examples"] == ["ann@example.com", "(555) 123-4567"]
    assert "ann@example.com" not in issue["message"]


def test_detector_is_silent_on_ordinary_text():
    assert detect_pii({text: 1 for text in ORDINARY if text != "1.2.3.4"}) is None
