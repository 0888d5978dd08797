"""Measurement for staff: record quality, relevant next steps, the engagement dashboard and
attribution with the model of what engagement is worth, exports (CSV, and ADF leads for the
dealership's CRM).

The revenue model (`bot.reports.revenue_model`) is imported from its module by the web app only:
it loads scikit-learn, which the action server and the Rasa server have no use for."""

from bot.reports.adf import NotALead, adf_lead
from bot.reports.export import customers_csv, engagement_csv
from bot.reports.measurement import ATTRIBUTION_METHOD, attribution, dashboard
from bot.reports.next_steps import NextStepProblem, NextSteps, Suggestion, suggest
from bot.reports.quality import CHECKS, Quality, distribution, record_quality
from bot.reports.revenue import RepairOrderValues
from bot.reports.revenue import current as current_revenue

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
    "current_revenue",
    "customers_csv",
    "dashboard",
    "distribution",
    "engagement_csv",
    "record_quality",
    "suggest",
]
