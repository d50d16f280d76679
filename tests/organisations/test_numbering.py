"""Certificate-number formats (backend/organisations/numbering.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.organisations.numbering import (
    DEFAULT_FORMAT,
    MAX_NUMBER_LENGTH,
    FormatError,
    parse_format,
    preview,
    render,
)

ON = date(2026, 3, 9)


def test_the_default_format_numbers_by_year_with_five_digits() -> None:
    assert preview(DEFAULT_FORMAT, ON) == ["FC-2026-00001", "FC-2026-00012", "FC-2026-00345"]


def test_every_placeholder_renders() -> None:
    fmt = parse_format("CN{yy}{month}/{scheme}-{seq:4}（服务）")
    assert render(fmt, 7, ON, "FW") == "CN2603/FW-0007（服务）"


def test_a_number_wider_than_its_padding_keeps_every_digit() -> None:
    assert render(parse_format("{seq:2}"), 12345, ON, "FW") == "12345"


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("FC-{year}", "{seq}"),
        ("{seq}-{seq:3}", "only once"),
        ("FC-{yaer}-{seq}", "{yaer}"),
        ("FC-{year:4}-{seq}", "no width"),
        ("FC-{seq:0}", "1 to 9"),
        ("FC-{seq:12}", "1 to 9"),
        ("FC-{seq}}", "braces"),
        ("FC-{ seq }", "braces"),
        ("FC<{seq}>", "not allowed: < >"),
        ("   ", "empty"),
        ("X" * 60 + "{seq:9}", f"exceed {MAX_NUMBER_LENGTH}"),
    ],
)
def test_a_wrong_format_is_refused_saying_why(template: str, fragment: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_format(template)
    assert any(fragment in message for message in caught.value.messages), caught.value.messages


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(FormatError) as caught:
        parse_format("{nope}<")
    assert len(caught.value.messages) == 3  # unknown placeholder, bad character, no {seq}


@given(st.integers(min_value=1, max_value=10**9 - 1), st.integers(min_value=1, max_value=9))
def test_running_numbers_give_distinct_numbers(seq: int, width: int) -> None:
    fmt = parse_format(f"FC-{{year}}-{{seq:{width}}}")
    assert render(fmt, seq, ON, "FW") != render(fmt, seq + 1, ON, "FW")
    assert render(fmt, seq, ON, "FW").endswith(str(seq))
