"""customers made up by `python -m bot demo-data` are flagged

Revision ID: demo_0001
Revises: email_0001
Create Date: 2026-12-01 20:30:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'demo_0001'
down_revision = 'email_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('demo', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    op.drop_column('customers', 'demo')
