"""Report periods as a QA lead writes them: a month (2026-05), a quarter (2026-Q2), a year
(2026) or a range of days (2026-01-01..2026-03-31)."""

from __future__ import annotations

import calendar
import re
from datetime import date


def parse_period(text: str) -> tuple[date, date]:
    """First and last day (inclusive) of the period.

    Raises:
        ValueError: saying which forms are understood.
    """
    value = text.strip()
    try:
        if ".." in value:
            first, last = (date.fromisoformat(part.strip()) for part in value.split("..", 1))
        elif m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", value):
            year, quarter = int(m.group(1)), int(m.group(2))
            first = date(year, 3 * quarter - 2, 1)
            last = date(year, 3 * quarter, calendar.monthrange(year, 3 * quarter)[1])
        elif m := re.fullmatch(r"(\d{4})-(\d{2})", value):
            year, month = int(m.group(1)), int(m.group(2))
            first, last = date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
        elif re.fullmatch(r"\d{4}", value):
            first, last = date(int(value), 1, 1), date(int(value), 12, 31)
        else:
            raise ValueError(value)
    except ValueError:
        raise ValueError(
            f"period {text!r} not understood: use 2026-05 (month), 2026-Q2 (quarter), 2026 (year) "
            "or 2026-01-01..2026-03-31 (days)"
        ) from None
    if last < first:
        raise ValueError(f"period {text!r} ends before it starts")
    return first, last
