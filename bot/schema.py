"""Every table on one metadata: what migrations, profile merges and data checks must see whole.

Each package keeps its tables next to the code that uses them (`profile/`, `booking/`,
`channels/sms/`, `mail/`, `rewards/`), all on `bot.tables.Base`.
A table only joins the metadata once its module is imported, so whatever needs the whole schema
(Alembic's environment, `merge.customer_tables()`) takes it from here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import bot.booking.models  # noqa: F401 - registers the booking tables
import bot.channels.sms.models  # noqa: F401 - registers the SMS tables
import bot.mail.models  # noqa: F401 - registers the email outbox
import bot.profile.models  # noqa: F401 - registers the profile tables
import bot.rewards.models  # noqa: F401 - registers the issued rewards
from bot.tables import Base

metadata: MetaData = Base.metadata
