"""Alembic environment: runs migrations on the engine handed over by `bot.db.upgrade`."""

from alembic import context

from bot.profile.models import Base

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
