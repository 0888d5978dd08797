"""handoffs reach a person: alert state on handoff_requests, and the email outbox

Revision ID: reach_0001
Revises: optout_0001
Create Date: 2026-12-01 18:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'reach_0001'
down_revision = 'optout_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('handoff_requests', sa.Column('department', sa.String(length=20), nullable=True))
    op.add_column('handoff_requests', sa.Column('wait_from', sa.DateTime(), nullable=True))
    op.add_column('handoff_requests', sa.Column('alerts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('handoff_requests', sa.Column('next_alert_at', sa.DateTime(), nullable=True))
    op.add_column('handoff_requests', sa.Column('missed_at', sa.DateTime(), nullable=True))
    op.add_column('handoff_requests', sa.Column('notice', sa.Text(), nullable=True))
    op.add_column('handoff_requests', sa.Column('notice_at', sa.DateTime(), nullable=True))
    op.create_index(op.f('ix_handoff_requests_next_alert_at'), 'handoff_requests', ['next_alert_at'], unique=False)
    op.create_table('email_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=True),
    sa.Column('message_id', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff_requests.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_email_outbox_created_at'), 'email_outbox', ['created_at'], unique=False)
    op.create_index(op.f('ix_email_outbox_handoff_id'), 'email_outbox', ['handoff_id'], unique=False)
    op.create_index(op.f('ix_email_outbox_next_attempt_at'), 'email_outbox', ['next_attempt_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_email_outbox_next_attempt_at'), table_name='email_outbox')
    op.drop_index(op.f('ix_email_outbox_handoff_id'), table_name='email_outbox')
    op.drop_index(op.f('ix_email_outbox_created_at'), table_name='email_outbox')
    op.drop_table('email_outbox')
    op.drop_index(op.f('ix_handoff_requests_next_alert_at'), table_name='handoff_requests')
    for column in ('notice_at', 'notice', 'missed_at', 'next_alert_at', 'alerts', 'wait_from', 'department'):
        op.drop_column('handoff_requests', column)
