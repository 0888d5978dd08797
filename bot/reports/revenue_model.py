"""What engagement is worth in service revenue: a model of each customer's engagement against a
paid service visit in the next 90 days, checked on customers it never saw, with bootstrap intervals.

A snapshot is taken at a cut-off 90 days ago (the latest moment whose next 90 days are over):
for each customer who existed then, how often each kind of engagement happened in the 90 days
before it, and whether a paid service visit followed in the 90 days after. Kinds of engagement
event are counted as they come (`event_kind`), so new ones (emails opened, links clicked, website
pages viewed) join the model without a change here.

A paid service visit is a service booking marked attended whose services are worth more than
nothing in `knowledge/revenue.yml` (the project records no invoices; recall repairs and free
inspections are worth 0 there, so they don't count).

Fitting takes seconds, so it never runs in a request: `RevenueModel.keep_fitted` runs in the web
app's background and pages show its latest fit (or that the first one is still running).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.booking import reminders
from bot.booking.models import Booking
from bot.channels.sms.models import OutboxMessage
from bot.profile.models import Customer, EngagementEvent, HandoffRequest
from bot.reports.revenue import RepairOrderValues
from bot.reports.revenue import current as current_revenue

if TYPE_CHECKING:
    from bot.services import Services

logger = logging.getLogger(__name__)

LOOKBACK = timedelta(days=90)
HORIZON = timedelta(days=90)
HELD_OUT = 0.25
RESAMPLES = 200
MIN_CUSTOMERS = 100
MIN_OUTCOMES = 20  # customers with, and without, a paid visit: fewer and the fit means nothing
DECILES = 10
REFIT_EVERY = timedelta(days=1)
CHECK_SECONDS = 600.0
PRIOR_VISITS = "paid_visit_before"  # a control, not engagement: regular customers come back anyway
SUGGESTION = "suggestion"
LABELS = {
    "answer": "feature questions answered",
    "clinic_attended": "clinics attended",
    "reminder": "booking reminders texted",
    SUGGESTION: "suggestions texted by staff",
    "handoff": "handoffs to a person",
    "email_opened": "emails opened",
    "email_clicked": "email links clicked",
    "page_view": "website pages viewed",
    PRIOR_VISITS: "paid service visits in the 90 days before (for comparison)",
}
METHOD = (
    "We looked back to a day 90 days ago (the cut-off). For every customer we had by then, we "
    "counted each kind of engagement in the 90 days before the cut-off, and noted whether they "
    "came in for a paid service visit in the 90 days after it. We don't see invoices, so a paid "
    "visit is a service booking marked attended, valued with the average repair-order values in "
    "knowledge/revenue.yml (visits worth nothing there, like recalls, don't count). A logistic "
    "regression learned from three quarters of these customers how the counts go with coming "
    "back. It was then tested on the quarter it never saw: the AUC is the chance that it ranks a "
    "customer who came back above one who didn't (0.5 is guessing, 1 is perfect), and the "
    "calibration table compares, for ten groups from least to most likely, how many it expected "
    "to come back with how many did. The odds per event say how one more event of a kind changes "
    "the odds of a paid visit (x1.5: the odds half as high again). Its worth is how much one more "
    "such event raises a customer's predicted chance of a paid visit, averaged over customers, times "
    "the average paid visit. The model also knows who came in before the cut-off, so the other "
    "figures aren't just regular customers being regular. The ranges come from refitting on 200 "
    "resamples of the customers (95 of 100 refits fell inside them); a range that spans no effect "
    "(odds x1, worth 0) means we can't tell. This is association, not cause: customers who open "
    "emails may be the kind who service their car anyway."
)


def event_kind(
    direction: str, action: str | None, topic: str | None, articles: Collection[str]
) -> str | None:
    """The kind of engagement an engagement event is: an event from the customer that names its
    kind in `action` (email_opened, email_clicked, page_view, ...) is that kind; the assistant's
    answer from a feature article is `answer`. Plain messages aren't a kind of their own: every
    kind of conversation has them, so they would only blur the kinds above."""
    if direction == "in":
        return action
    return "answer" if topic in articles else None


@dataclass(frozen=True)
class Snapshot:
    """Each customer's engagement counts before a cut-off and whether a paid visit followed."""

    cutoff: datetime  # naive UTC
    kinds: list[str]
    counts: np.ndarray  # customers x kinds
    paid: np.ndarray  # a paid visit in the horizon, per customer
    visit_values: list[float]  # each paid visit in the horizon, by revenue.yml
    demo_customers: int


def snapshot(
    sessions: sessionmaker[Session], values: RepairOrderValues, cutoff: datetime, articles: Collection[str]
) -> Snapshot:
    """At `cutoff`; `articles` are the feature articles' ids (an answer's topic)."""
    cutoff = _utc(cutoff)
    low, high = cutoff - LOOKBACK, cutoff + HORIZON
    with sessions() as session:
        customers = dict(
            session.execute(select(Customer.id, Customer.demo).where(Customer.created_at < cutoff)).all()
        )
        events: Counter[tuple[int, str]] = Counter()
        for row in session.execute(
            select(
                EngagementEvent.customer_id,
                EngagementEvent.direction,
                EngagementEvent.action,
                EngagementEvent.topic,
            ).where(EngagementEvent.ts >= low, EngagementEvent.ts < cutoff)
        ):
            kind = event_kind(row.direction, row.action, row.topic, articles)
            if kind:
                events[row.customer_id, kind] += 1
        for (customer_id,) in session.execute(
            select(Booking.customer_id).where(
                Booking.kind == "clinic",
                Booking.status == "attended",
                Booking.starts_at >= low,
                Booking.starts_at < cutoff,
            )
        ):
            events[customer_id, "clinic_attended"] += 1
        for customer_id, kind in session.execute(
            select(OutboxMessage.customer_id, OutboxMessage.kind).where(
                OutboxMessage.kind.in_((*reminders.KINDS, SUGGESTION)),
                OutboxMessage.status == "sent",
                OutboxMessage.sent_at >= low,
                OutboxMessage.sent_at < cutoff,
            )
        ):
            events[customer_id, SUGGESTION if kind == SUGGESTION else "reminder"] += 1
        for (customer_id,) in session.execute(
            select(HandoffRequest.customer_id).where(
                HandoffRequest.created_at >= low, HandoffRequest.created_at < cutoff
            )
        ):
            events[customer_id, "handoff"] += 1
        paid: set[int] = set()
        visit_values: list[float] = []
        for customer_id, starts_at, services in session.execute(
            select(Booking.customer_id, Booking.starts_at, Booking.services).where(
                Booking.kind == "service",
                Booking.status == "attended",
                Booking.starts_at >= low,
                Booking.starts_at < high,
            )
        ):
            value = values.of(services or [])
            if value <= 0:
                continue
            if starts_at < cutoff:
                events[customer_id, PRIOR_VISITS] += 1
            elif customer_id in customers:
                paid.add(customer_id)
                visit_values.append(value)
    ids = sorted(customers)
    seen = {kind for (customer_id, kind) in events if customer_id in customers}
    kinds = [k for k in LABELS if k in seen] + sorted(seen - set(LABELS))
    column = {kind: j for j, kind in enumerate(kinds)}
    row = {customer_id: i for i, customer_id in enumerate(ids)}
    counts = np.zeros((len(ids), len(kinds)))
    for (customer_id, kind), n in events.items():
        if customer_id in row:
            counts[row[customer_id], column[kind]] = n
    return Snapshot(
        cutoff=cutoff,
        kinds=kinds,
        counts=counts,
        paid=np.array([c in paid for c in ids], dtype=bool),
        visit_values=visit_values,
        demo_customers=sum(1 for demo in customers.values() if demo),
    )


def fit(data: Snapshot, currency: str = "USD", seed: int = 0, resamples: int = RESAMPLES) -> dict[str, Any]:
    """The model on a snapshot: held-out AUC and calibration, and per kind of engagement the
    change in odds and the revenue of one more event, each with a bootstrap interval.
    Too little data gives `status: too_little_data` and the reason, never an error."""
    customers, came_back = len(data.paid), int(data.paid.sum())
    summary: dict[str, Any] = {
        "cutoff": data.cutoff.isoformat() + "Z",
        "lookback_days": LOOKBACK.days,
        "horizon_days": HORIZON.days,
        "customers": customers,
        "demo_customers": data.demo_customers,
        "came_back": came_back,
        "currency": currency,
        "method": METHOD,
    }
    reason = _too_little(customers, came_back, data.kinds)
    if reason:
        return {"status": "too_little_data", "reason": reason, **summary}
    train, test = train_test_split(
        np.arange(customers), test_size=HELD_OUT, stratify=data.paid, random_state=seed
    )
    x, y = data.counts, data.paid
    model = _fitted(x[train], y[train])
    average_visit = float(np.mean(data.visit_values))
    predicted = model.predict_proba(x[test])[:, 1]
    point_coefficients = _per_event(model)
    point_revenue = _revenue_per_event(model, x[train]) * average_visit
    rng = np.random.default_rng(seed)
    coefficients, revenue = [], []
    for _ in range(resamples):
        sample = rng.choice(train, size=len(train), replace=True)
        if y[sample].all() or not y[sample].any():
            continue
        refit = _fitted(x[sample], y[sample])
        coefficients.append(_per_event(refit))
        revenue.append(_revenue_per_event(refit, x[sample]) * average_visit)
    coefficient_range = np.percentile(coefficients, [2.5, 97.5], axis=0)
    revenue_range = np.percentile(revenue, [2.5, 97.5], axis=0)
    effects = [
        {
            "kind": kind,
            "label": LABELS.get(kind, kind.replace("_", " ")),
            "control": kind == PRIOR_VISITS,
            "customers_with_it": int((x[:, j] > 0).sum()),
            "events": int(x[:, j].sum()),
            "coefficient": _round(point_coefficients[j]),
            "coefficient_low": _round(coefficient_range[0, j]),
            "coefficient_high": _round(coefficient_range[1, j]),
            "odds_ratio": _round(math.exp(point_coefficients[j])),
            "odds_ratio_low": _round(math.exp(coefficient_range[0, j])),
            "odds_ratio_high": _round(math.exp(coefficient_range[1, j])),
            "revenue_per_event": round(float(point_revenue[j]), 2),
            "revenue_low": round(float(revenue_range[0, j]), 2),
            "revenue_high": round(float(revenue_range[1, j]), 2),
        }
        for j, kind in enumerate(data.kinds)
    ]
    return {
        "status": "fitted",
        **summary,
        "train_customers": len(train),
        "held_out_customers": len(test),
        "held_out_came_back": int(y[test].sum()),
        "paid_visit_rate": round(came_back / customers, 4),
        "average_visit_revenue": round(average_visit, 2),
        "auc": round(float(roc_auc_score(y[test], predicted)), 4),
        "calibration": _calibration(predicted, y[test]),
        "resamples": len(coefficients),
        "effects": effects,
    }


def _too_little(customers: int, came_back: int, kinds: list[str]) -> str | None:
    if customers < MIN_CUSTOMERS:
        return (
            f"only {customers} customers were on record 90 days ago; the model needs at least "
            f"{MIN_CUSTOMERS}, with at least 90 days of history after them"
        )
    if min(came_back, customers - came_back) < MIN_OUTCOMES:
        return (
            f"{came_back} of {customers} customers came in for a paid service visit in the 90 days after "
            f"the cut-off; the model needs at least {MIN_OUTCOMES} who did and {MIN_OUTCOMES} who didn't"
        )
    if not kinds:
        return "no engagement was recorded in the 90 days before the cut-off"
    return None


def _fitted(x: np.ndarray, y: np.ndarray) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x, y)


def _per_event(model: Pipeline) -> np.ndarray:
    """Log-odds per one more event of each kind (the model works on standardised counts)."""
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    return regression.coef_[0] / scaler.scale_


def _revenue_per_event(model: Pipeline, x: np.ndarray) -> np.ndarray:
    """Per kind: the predicted chance of a paid visit with one more such event, minus without,
    averaged over the customers (to be multiplied by the average visit's value)."""
    base = model.predict_proba(x)[:, 1]
    lifts = []
    for j in range(x.shape[1]):
        more = x.copy()
        more[:, j] += 1
        lifts.append(float(np.mean(model.predict_proba(more)[:, 1] - base)))
    return np.array(lifts)


def _calibration(predicted: np.ndarray, came_back: np.ndarray) -> list[dict[str, Any]]:
    """The held-out customers in ten groups by predicted chance: expected vs actual visits."""
    order = np.argsort(predicted, kind="stable")
    rows = []
    for decile, group in enumerate(np.array_split(order, DECILES), start=1):
        if len(group) == 0:
            continue
        rows.append(
            {
                "decile": decile,
                "customers": len(group),
                "predicted": round(float(predicted[group].mean()), 4),
                "observed": round(float(came_back[group].mean()), 4),
                "expected_visits": round(float(predicted[group].sum()), 2),
                "came_back": int(came_back[group].sum()),
            }
        )
    return rows


def _round(value: float) -> float:
    return round(float(value), 4)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(timezone.utc).replace(tzinfo=None)


class RevenueModel:
    """The latest fit, shared by the web app's pages; refitted in the background once a day."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lock = threading.Lock()
        self._latest: dict[str, Any] | None = None
        self._fitted_at: datetime | None = None

    def latest(self) -> dict[str, Any] | None:
        """The last fit with `fitted_at`, or None while the first one runs."""
        with self._lock:
            return self._latest

    def refit_if_due(self) -> bool:
        """Fit when there's no fit yet or the last is a day old; True if it fitted."""
        now = self._services.clock()
        with self._lock:
            if self._fitted_at is not None and now - self._fitted_at < REFIT_EVERY:
                return False
        values = current_revenue(self._services)  # read at each fit, so a dealer's edit counts
        articles = set(self._services.knowledge.base.articles)
        result = fit(snapshot(self._services.sessions, values, now - HORIZON, articles), values.currency)
        with self._lock:
            self._latest = {"fitted_at": _utc(now).isoformat() + "Z", **result}
            self._fitted_at = now
        return True

    async def keep_fitted(self, check_seconds: float = CHECK_SECONDS) -> None:
        """Run for the web app's life: fit in a worker thread when due; a failure is logged
        (by type: no customer data) and tried again at the next check."""
        while True:
            try:
                await asyncio.to_thread(self.refit_if_due)
            except Exception as error:  # noqa: BLE001 - keep serving the last fit; retry later
                logger.error("revenue model fit failed (%s); trying again later", type(error).__name__)
            await asyncio.sleep(check_seconds)
