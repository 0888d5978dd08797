"""Rewards issued and redeemed, next to record quality, by week: whether rewarding a better
record goes with better records.

No history of scores is kept, so quality "over time" is each week's new customers by their
record's score today: later weeks' records have had less time to fill in, and a rising share of
complete records among them is the rewards' effect to look for."""

from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.profile.models import Customer
from bot.reports.quality import POINTS, record_quality
from bot.rewards.models import IssuedReward


def rewards_and_quality(
    sessions: sessionmaker[Session], tz: tzinfo, weeks: list[date], start: datetime, end: datetime
) -> dict[str, Any]:
    """Per week (Mondays in `weeks`, local to `tz`): rewards issued and redeemed, and the new
    customers at each quality score."""
    low, high = _utc(start), _utc(end)

    def week_of(moment: datetime) -> int:
        return (moment.replace(tzinfo=timezone.utc).astimezone(tz).date() - weeks[0]).days // 7

    with sessions() as session:
        issued = session.scalars(
            select(IssuedReward.issued_at).where(IssuedReward.issued_at >= low, IssuedReward.issued_at < high)
        ).all()
        redeemed = session.scalars(
            select(IssuedReward.redeemed_at).where(
                IssuedReward.redeemed_at >= low, IssuedReward.redeemed_at < high
            )
        ).all()
        joined = dict(
            session.execute(
                select(Customer.id, Customer.created_at).where(
                    Customer.created_at >= low, Customer.created_at < high
                )
            ).all()
        )
    by_week = {"issued": [0] * len(weeks), "redeemed": [0] * len(weeks)}
    for series, moments in (("issued", issued), ("redeemed", redeemed)):
        for moment in moments:
            by_week[series][week_of(moment)] += 1
    quality = {score: [0] * len(weeks) for score in range(0, 101, POINTS)}
    for customer_id, score in _scores(sessions, list(joined)).items():
        quality[score][week_of(joined[customer_id])] += 1
    return {
        "issued": len(issued),
        "redeemed": len(redeemed),
        "rewards_by_week": by_week,
        "quality_by_week": {f"score {score}": counts for score, counts in quality.items()},
    }


def _scores(sessions: sessionmaker[Session], customer_ids: list[int]) -> dict[int, int]:
    """Today's score of each customer who is a record yet (has a contact)."""
    wanted = set(customer_ids)
    if not wanted:
        return {}
    return {c: q.score for c, q in record_quality(sessions).items() if c in wanted}


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
