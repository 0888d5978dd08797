"""Measurement for staff: record quality, relevant next steps, engagement and attribution
reports, exports (CSV, ADF leads for the dealership's CRM)."""

from bot.reports.next_steps import NextStepProblem, NextSteps, Suggestion, suggest
from bot.reports.quality import CHECKS, Quality, distribution, record_quality

__all__ = [
    "CHECKS",
    "NextStepProblem",
    "NextSteps",
    "Quality",
    "Suggestion",
    "distribution",
    "record_quality",
    "suggest",
]
