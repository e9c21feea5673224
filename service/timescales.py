"""MASH timescales (Tower Hamlets MASH factsheet, Appendix E): urgent cases turned round
in 4 hours, complex child in need in 7 hours, early help in 24 hours; the referrer hears
the outcome within one working day. Driven by the suggested level until a decision."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

Urgency = Literal["urgent", "complex_cin", "early_help"]
Rag = Literal["red", "amber", "green", "done"]

TURNAROUND = {"urgent": timedelta(hours=4), "complex_cin": timedelta(hours=7), "early_help": timedelta(hours=24)}
RAG_LABELS = {"red": "Overdue", "amber": "Due soon", "green": "On track", "done": "Decided"}
AMBER_SHARE = 0.25  # amber once less than a quarter of the turnaround is left


def urgency_for(level: int, immediate_risk: bool = False) -> Urgency:
    if immediate_risk or level >= 4:
        return "urgent"
    if level == 3:
        return "complex_cin"
    return "early_help"


def due_at(received_at: datetime, urgency: Urgency) -> datetime:
    return received_at + TURNAROUND[urgency]


def rag(due: datetime, urgency: Urgency, now: datetime, decided: bool = False) -> Rag:
    if decided:
        return "done"
    left = due - now
    if left <= timedelta(0):
        return "red"
    if left < TURNAROUND[urgency] * AMBER_SHARE:
        return "amber"
    return "green"


def next_working_day(moment: datetime) -> datetime:
    """One working day later (Saturday and Sunday skipped; bank holidays are not modelled)."""
    day = moment + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def feedback_due(decided_at: datetime) -> datetime:
    return next_working_day(decided_at)
