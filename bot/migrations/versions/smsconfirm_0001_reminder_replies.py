"""bookings by SMS: confirmations, replies to reminders, and days customers wanted

Revision ID: smsconfirm_0001
Revises: crm_0001
Create Date: 2026-12-02 10:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'smsconfirm_0001'
down_revision = 'crm_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('bookings', sa.Column('confirmed_at', sa.DateTime(), nullable=True))
    op.add_column('outbox_messages', sa.Column('replied_at', sa.DateTime(), nullable=True))
    op.create_index('ix_outbox_messages_phone_sent', 'outbox_messages', ['phone', 'sent_at'], unique=False)
    op.create_table('wanted_service_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('asked_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_wanted_service_days_customer_id'), 'wanted_service_days', ['customer_id'], unique=False)
    op.create_index(op.f('ix_wanted_service_days_day'), 'wanted_service_days', ['day'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_wanted_service_days_day'), table_name='wanted_service_days')
    op.drop_index(op.f('ix_wanted_service_days_customer_id'), table_name='wanted_service_days')
    op.drop_table('wanted_service_days')
    op.drop_index('ix_outbox_messages_phone_sent', table_name='outbox_messages')
    op.drop_column('outbox_messages', 'replied_at')
    op.drop_column('bookings', 'confirmed_at')
