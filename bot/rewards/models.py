"""The rewards a customer has been given: one row per customer and reward, so a reward is
issued once however often (or however concurrently) the record is updated."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, UniqueConstraint

from bot.tables import Base, owned_by_customer, utcnow


class IssuedReward(Base):
    __tablename__ = "issued_rewards"
    __table_args__ = (UniqueConstraint("customer_id", "reward_id", name="uq_issued_rewards_customer_reward"),)

    id = Column(Integer, primary_key=True)
    customer_id = owned_by_customer()
    reward_id = Column(String(40), nullable=False)  # the id in knowledge/rewards.yml
    name = Column(String(120), nullable=False)  # as it was called when issued (the file may change)
    code = Column(String(9), nullable=False, unique=True)
    issued_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    redeemed_at = Column(DateTime, index=True)
    redeemed_by = Column(String(80))
