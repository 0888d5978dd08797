"""Measurement for staff: record quality, relevant next steps, the engagement dashboard and
attribution, exports (CSV, and ADF leads for the dealership's CRM)."""

from bot.reports.adf import NotALead, adf_lead
from bot.reports.export import customers_csv, engagement_csv
from bot.reports.measurement import ATTRIBUTION_METHOD, attribution, dashboard
from bot.reports.next_steps import NextStepProblem, NextSteps, Suggestion, suggest
from bot.reports.quality import CHECKS, Quality, distribution, record_quality
from bot.reports.revenue import RepairOrderValues
from bot.reports.revenue import load as load_revenue

__all__ = [
    "ATTRIBUTION_METHOD",
    "CHECKS",
    "NextStepProblem",
    "NextSteps",
    "NotALead",
    "Quality",
    "RepairOrderValues",
    "Suggestion",
    "adf_lead",
    "attribution",
    "customers_csv",
    "dashboard",
    "distribution",
    "engagement_csv",
    "load_revenue",
    "record_quality",
    "suggest",
]
