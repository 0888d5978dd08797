"""The profile store: every read and write of customer knowledge goes through here.

All methods are synchronous and short; async callers run them in a thread
(`asyncio.to_thread`) so Rasa's and aiohttp's event loops never wait on the database.

`ProfileStore` is the one object callers use; it is put together from one class per concern,
each in its own module: `identity.py` (conversations -> customers, engagement), `contacts.py`
(contact details, SMS consent and opt-outs), `household.py` (members, vehicles, interests,
unanswered questions), `staff.py` (audited staff edits), `handoffs.py` (a person taking over),
`visits.py` (website page views) and `views.py` (what the staff API and console read).
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from bot.profile.contacts import ContactDetails, Contacts
from bot.profile.handoffs import Handoffs
from bot.profile.household import Household, VehicleDetails
from bot.profile.identity import PHONE_CHANNELS, EngagementRecord, Identity
from bot.profile.staff import StaffEdits
from bot.profile.views import ReadModels
from bot.profile.visits import PageViews

__all__ = ["PHONE_CHANNELS", "ContactDetails", "EngagementRecord", "ProfileStore", "VehicleDetails"]


class ProfileStore(Identity, Contacts, StaffEdits, Household, Handoffs, PageViews, ReadModels):
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @property
    def sessions(self) -> sessionmaker[Session]:
        """For reports that read across all customers (bot/reports) on the same database."""
        return self._sessions
