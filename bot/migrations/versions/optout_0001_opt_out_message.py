"""phones: the message that opted the number out

Revision ID: optout_0001
Revises: 0006
Create Date: 2026-12-01 14:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'optout_0001'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('phones', sa.Column('opt_out_message', sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column('phones', 'opt_out_message')
