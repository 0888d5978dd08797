"""Rewards for a better record: the dealer names rewards and the details that earn them
(`knowledge/rewards.yml`); a record that reaches one gets a code once, the assistant mentions a
reward where giving a detail counts toward it, and staff mark codes redeemed in the console."""

from bot.rewards.issuing import Issued, RewardProblem, issue_earned, mention_for, redeem, rewards_of
from bot.rewards.rules import REQUIREMENTS, Reward, load

__all__ = [
    "REQUIREMENTS",
    "Issued",
    "Reward",
    "RewardProblem",
    "issue_earned",
    "load",
    "mention_for",
    "redeem",
    "rewards_of",
]
