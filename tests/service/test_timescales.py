"""MASH timescales: urgent 4 hours, complex child in need 7 hours, early help 24 hours;
referrer feedback within one working day."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from service.timescales import due_at, feedback_due, rag, urgency_for

MONDAY_9AM = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("level, risk, urgency, hours", [
    (4, False, "urgent", 4), (1, True, "urgent", 4), (3, False, "complex_cin", 7), (2, False, "early_help", 24),
    (1, False, "early_help", 24),
])
def test_the_suggested_level_sets_the_turnaround(level, risk, urgency, hours):
    assert urgency_for(level, risk) == urgency
    assert due_at(MONDAY_9AM, urgency) == MONDAY_9AM + timedelta(hours=hours)


def test_red_amber_green_against_the_due_time():
    due = due_at(MONDAY_9AM, "urgent")
    assert rag(due, "urgent", MONDAY_9AM) == "green"
    assert rag(due, "urgent", MONDAY_9AM + timedelta(hours=3, minutes=1)) == "amber"  # under an hour left
    assert rag(due, "urgent", due) == "red"
    assert rag(due, "urgent", due + timedelta(hours=5), decided=True) == "done"


def test_feedback_is_due_one_working_day_later():
    assert feedback_due(MONDAY_9AM) == MONDAY_9AM + timedelta(days=1)
    friday = MONDAY_9AM + timedelta(days=4)
    assert feedback_due(friday) == friday + timedelta(days=3)
    saturday = MONDAY_9AM + timedelta(days=5)
    assert feedback_due(saturday) == saturday + timedelta(days=2)
