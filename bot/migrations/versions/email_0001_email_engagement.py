"""email as an engagement channel: consent, unsubscribe and bounce per address, the channel for
booking messages per customer, and customer emails (HTML, unsubscribe link, opens, clicks) in the
email outbox

Revision ID: email_0001
Revises: smsconfirm_0001
Create Date: 2026-12-02 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'email_0001'
down_revision = 'smsconfirm_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customers', sa.Column('booking_messages', sa.String(length=5), nullable=True))
    with op.batch_alter_table('emails') as batch:
        batch.add_column(sa.Column('email_consent', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('email_consent_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('email_consent_source', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('unsubscribed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('unsubscribe_source', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('bounced_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('bounce_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('email_outbox') as batch:
        batch.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('html_body', sa.Text(), nullable=True))
        batch.add_column(sa.Column('unsubscribe_url', sa.Text(), nullable=True))
        batch.add_column(sa.Column('skip_reason', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('opened_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('clicked_at', sa.DateTime(), nullable=True))
        batch.create_foreign_key(
            'fk_email_outbox_customer_id', 'customers', ['customer_id'], ['id'], ondelete='CASCADE'
        )
    op.create_index(op.f('ix_email_outbox_customer_id'), 'email_outbox', ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_email_outbox_customer_id'), table_name='email_outbox')
    with op.batch_alter_table('email_outbox') as batch:
        batch.drop_constraint('fk_email_outbox_customer_id', type_='foreignkey')
        for column in ('clicked_at', 'opened_at', 'skip_reason', 'unsubscribe_url', 'html_body', 'customer_id'):
            batch.drop_column(column)
    with op.batch_alter_table('emails') as batch:
        for column in (
            'bounce_reason', 'bounced_at', 'unsubscribe_source', 'unsubscribed_at',
            'email_consent_source', 'email_consent_at', 'email_consent',
        ):
            batch.drop_column(column)
    op.drop_column('customers', 'booking_messages')
