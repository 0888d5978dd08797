"""Issuing rewards when a record reaches them, mentioning them where a detail would count, and
staff marking them redeemed, as plain functions of `Services`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.profile.models import Contact, Email, HouseholdMember, OwnedVehicle, Phone, StaffAudit
from bot.rewards.models import IssuedReward
from bot.rewards.rules import Reward
from bot.tables import iso_utc

if TYPE_CHECKING:
    from bot.services import Services

CODE_LETTERS = "ACDEFHJKMNPRTUVWXY3479"  # nothing read two ways aloud or on a phone screen (0/O, 1/I)


@dataclass(frozen=True)
class Issued:
    reward_id: str
    name: str
    code: str


class RewardProblem(ValueError):
    """Why staff couldn't mark a reward redeemed, said plainly."""


def on_file(session: Session, customer_id: int) -> set[str]:
    """Which of the reward requirements (rules.REQUIREMENTS) the customer's record has."""
    vehicles = OwnedVehicle.customer_id == customer_id
    checks = {
        "email": exists().where(Email.contact_id == Contact.id, Contact.customer_id == customer_id),
        "phone": exists().where(Phone.contact_id == Contact.id, Contact.customer_id == customer_id),
        "household": exists().where(HouseholdMember.customer_id == customer_id),
        "vehicle_mileage": exists().where(vehicles, OwnedVehicle.mileage.is_not(None)),
        "vehicle_vin": exists().where(vehicles, OwnedVehicle.vin.is_not(None)),
    }
    found = session.execute(select(*(check.label(name) for name, check in checks.items()))).one()
    return {name for name, present in found._mapping.items() if present}


def issue_earned(services: Services, customer_id: int) -> list[Issued]:
    """Issue every reward the record now has all the details for and doesn't have yet; what was
    issued by this call (so only one of two concurrent updates tells the customer)."""
    rewards = services.rewards
    if not rewards:
        return []
    issued = []
    have, given = _standing(services, customer_id)
    for reward in rewards:
        if reward.requires <= have and reward.id not in given:
            code = _insert(services, customer_id, reward)
            if code is not None:
                issued.append(Issued(reward.id, reward.name, code))
    return issued


def _insert(services: Services, customer_id: int, reward: Reward) -> str | None:
    """The new code; None when another update issued this reward first (the unique constraint)."""
    while True:
        code = _new_code()
        try:
            with services.sessions.begin() as session:
                session.add(
                    IssuedReward(
                        customer_id=customer_id,
                        reward_id=reward.id,
                        name=reward.name,
                        code=code,
                        issued_at=_utc(services.clock()),
                    )
                )
            return code
        except IntegrityError:
            with services.sessions() as session:
                taken = session.scalar(
                    select(IssuedReward.id).where(
                        IssuedReward.customer_id == customer_id, IssuedReward.reward_id == reward.id
                    )
                )
            if taken is not None:
                return None  # else the code itself was taken (1 in 22^8): draw another


def mention_for(services: Services, customer_id: int, detail: str) -> tuple[Reward, bool] | None:
    """A reward the detail asked for counts toward (not yet on file, not yet issued), and whether
    it would complete it; None when there is nothing to mention."""
    wanting = [r for r in services.rewards if detail in r.requires]
    if not wanting:
        return None
    have, given = _standing(services, customer_id)
    if detail in have:
        return None
    open_rewards = [r for r in wanting if r.id not in given]
    if not open_rewards:
        return None
    completing = [r for r in open_rewards if r.requires - have == {detail}]
    return (completing[0], True) if completing else (open_rewards[0], False)


def rewards_of(services: Services, customer_id: int) -> list[dict[str, object]]:
    """The customer's rewards, newest first, as the console shows them."""
    with services.sessions() as session:
        rows = session.scalars(
            select(IssuedReward)
            .where(IssuedReward.customer_id == customer_id)
            .order_by(IssuedReward.id.desc())
        )
        return [
            {
                "reward_id": r.reward_id,
                "name": r.name,
                "code": r.code,
                "issued_at": iso_utc(r.issued_at),
                "redeemed_at": iso_utc(r.redeemed_at),
                "redeemed_by": r.redeemed_by,
            }
            for r in rows
        ]


def redeem(services: Services, staff: str, customer_id: int, code: str) -> None:
    """Mark the customer's reward redeemed, audited with the staff member's name. Raises
    RewardProblem for a code that isn't theirs or was already redeemed."""
    now = _utc(services.clock())
    with services.sessions.begin() as session:
        reward = session.scalar(
            select(IssuedReward).where(IssuedReward.customer_id == customer_id, IssuedReward.code == code)
        )
        if reward is None:
            raise RewardProblem(f"No reward with code {code} on this customer's record.")
        marked = session.execute(
            update(IssuedReward)
            .where(IssuedReward.id == reward.id, IssuedReward.redeemed_at.is_(None))
            .values(redeemed_at=now, redeemed_by=staff)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:
            raise RewardProblem(f"Reward {code} was already redeemed.")
        session.add(
            StaffAudit(
                staff=staff,
                customer_id=customer_id,
                action="reward_redeemed",
                detail={"reward": reward.reward_id, "code": code},
            )
        )


def _standing(services: Services, customer_id: int) -> tuple[set[str], set[str]]:
    """The requirements the record has on file, and the ids of the rewards it was given."""
    with services.sessions() as session:
        given = select(IssuedReward.reward_id).where(IssuedReward.customer_id == customer_id)
        return on_file(session, customer_id), set(session.scalars(given))


def _new_code() -> str:
    letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(8))
    return f"{letters[:4]}-{letters[4:]}"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
