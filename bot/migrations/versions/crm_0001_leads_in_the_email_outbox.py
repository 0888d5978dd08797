"""CRM leads in the email outbox: the booking a lead is about, and a key that makes each lead once

Revision ID: crm_0001
Revises: reach_0001
Create Date: 2026-12-02 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'crm_0001'
down_revision = 'reach_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('email_outbox') as batch:
        batch.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('lead_key', sa.String(length=40), nullable=True))
        batch.create_foreign_key(
            'fk_email_outbox_booking_id', 'bookings', ['booking_id'], ['id'], ondelete='CASCADE'
        )
    op.create_index(op.f('ix_email_outbox_booking_id'), 'email_outbox', ['booking_id'], unique=False)
    op.create_index(op.f('ix_email_outbox_lead_key'), 'email_outbox', ['lead_key'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_email_outbox_lead_key'), table_name='email_outbox')
    op.drop_index(op.f('ix_email_outbox_booking_id'), table_name='email_outbox')
    with op.batch_alter_table('email_outbox') as batch:
        batch.drop_constraint('fk_email_outbox_booking_id', type_='foreignkey')
        batch.drop_column('lead_key')
        batch.drop_column('booking_id')
