"""QA tables: samples of decided referrals, the sampled items (each assigned to a blind second
reviewer) and the second reviews themselves.

Sample items and reviews are append-only (database triggers, migration 0002): a review is
recorded once and never changed. Like decisions, these rows hold ids, codes and levels only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.tables import Base


class QASample(Base):
    __tablename__ = "qa_samples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: drawn from the command line
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    size: Mapped[int] = mapped_column(Integer)  # places asked for
    seed: Mapped[int] = mapped_column(Integer)
    stratify_by: Mapped[list] = mapped_column(JSON)
    oversample_disagreement: Mapped[bool] = mapped_column(Boolean)
    unsure_below: Mapped[float | None] = mapped_column(Float)
    oversample_weight: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)  # decided referrals in the period when drawn
    strata: Mapped[list] = mapped_column(JSON)  # [{values, population, weight, allocated}]
    source: Mapped[str] = mapped_column(String(16), default="drawn")  # "drawn" or "simulated"


class QASampleItem(Base):
    """One sampled referral and its assigned blind second review (the review's id is this id)."""

    __tablename__ = "qa_sample_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sample_id: Mapped[int] = mapped_column(ForeignKey("qa_samples.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"))  # the decision under review
    stratum: Mapped[dict] = mapped_column(JSON)
    oversampled: Mapped[bool] = mapped_column(Boolean)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QAReview(Base):
    """A completed blind second review: the reviewer's own level, indicators, tools and outcome."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("qa_sample_items.id"), unique=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("referrals.id"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    level: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[list] = mapped_column(JSON)  # catalogue ids
    tools_required: Mapped[list] = mapped_column(JSON)
    outcome: Mapped[str] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)  # the reviewer's reasoning; never in a report
