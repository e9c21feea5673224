"""QA analytics for screening decisions: consistency with blind second reviews, decision
patterns, findings and a self-contained report. Pure functions over pandas DataFrames
(see service.qa.frames for the two input tables)."""

from service.qa.findings import Finding, Thresholds, find_all
from service.qa.frames import validate_decisions, validate_reviews
from service.qa.report import QAReport, build_report

__all__ = ["Finding", "QAReport", "Thresholds", "build_report", "find_all", "validate_decisions", "validate_reviews"]
