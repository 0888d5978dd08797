"""staff console: handoff takeover, staff audit, suggestion decisions

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 02:23:34.769074
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('staff', sa.String(length=80), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_staff_audit_at'), 'staff_audit', ['at'], unique=False)
    op.create_index(op.f('ix_staff_audit_customer_id'), 'staff_audit', ['customer_id'], unique=False)
    op.create_table('suggestion_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('staff', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'key')
    )
    op.create_index(op.f('ix_suggestion_decisions_at'), 'suggestion_decisions', ['at'], unique=False)
    op.create_index(op.f('ix_suggestion_decisions_customer_id'), 'suggestion_decisions', ['customer_id'], unique=False)
    op.add_column('handoff_requests', sa.Column('taken_by', sa.String(length=80), nullable=True))
    op.add_column('handoff_requests', sa.Column('taken_at', sa.DateTime(), nullable=True))
    op.add_column('handoff_requests', sa.Column('closed_by', sa.String(length=80), nullable=True))


def downgrade() -> None:
    op.drop_column('handoff_requests', 'closed_by')
    op.drop_column('handoff_requests', 'taken_at')
    op.drop_column('handoff_requests', 'taken_by')
    op.drop_index(op.f('ix_suggestion_decisions_customer_id'), table_name='suggestion_decisions')
    op.drop_index(op.f('ix_suggestion_decisions_at'), table_name='suggestion_decisions')
    op.drop_table('suggestion_decisions')
    op.drop_index(op.f('ix_staff_audit_customer_id'), table_name='staff_audit')
    op.drop_index(op.f('ix_staff_audit_at'), table_name='staff_audit')
    op.drop_table('staff_audit')
