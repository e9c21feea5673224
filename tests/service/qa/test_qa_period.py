"""Report periods as a QA lead writes them."""

from __future__ import annotations

from datetime import date

import pytest

from service.qa.period import parse_period


@pytest.mark.parametrize("text, first, last", [
    ("2026-05", date(2026, 5, 1), date(2026, 5, 31)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2026-Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026-q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-01-10..2026-03-31", date(2026, 1, 10), date(2026, 3, 31)),
])
def test_periods(text, first, last):
    assert parse_period(text) == (first, last)


@pytest.mark.parametrize("text", ["last month", "2026-13", "2026-Q5", "2026-03-31..2026-01-01", ""])
def test_bad_periods_say_what_is_understood(text):
    with pytest.raises(ValueError, match="period"):
        parse_period(text)
