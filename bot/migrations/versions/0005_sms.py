"""sms channel (inbound log, per-phone state) and outbox sending

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 02:23:37.139076
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sms_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_sid', sa.String(length=64), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('num_media', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('reply', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_sid')
    )
    op.create_index('ix_sms_messages_phone_received', 'sms_messages', ['phone', 'received_at'], unique=False)
    op.create_table('sms_threads',
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('options', sa.JSON(), nullable=True),
    sa.Column('introduced_at', sa.DateTime(), nullable=True),
    sa.Column('limit_notice_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('phone')
    )
    op.add_column('outbox_messages', sa.Column('next_attempt_at', sa.DateTime(), nullable=True))
    op.add_column('outbox_messages', sa.Column('skip_reason', sa.String(length=40), nullable=True))
    op.add_column('outbox_messages', sa.Column('twilio_sid', sa.String(length=64), nullable=True))
    op.create_index(op.f('ix_outbox_messages_next_attempt_at'), 'outbox_messages', ['next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_outbox_messages_next_attempt_at'), table_name='outbox_messages')
    op.drop_column('outbox_messages', 'twilio_sid')
    op.drop_column('outbox_messages', 'skip_reason')
    op.drop_column('outbox_messages', 'next_attempt_at')
    op.drop_table('sms_threads')
    op.drop_index('ix_sms_messages_phone_received', table_name='sms_messages')
    op.drop_table('sms_messages')
