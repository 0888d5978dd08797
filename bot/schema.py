"""Every table on one metadata: what migrations, profile merges and data checks must see whole.

Each package keeps its tables next to the code that uses them, all on `bot.profile.models.Base`.
A table only joins the metadata once its module is imported, so whatever needs the whole schema
(Alembic's environment, `merge.customer_tables()`) takes it from here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import bot.booking.models  # noqa: F401 - registers the booking tables
from bot.profile.models import Base

metadata: MetaData = Base.metadata
