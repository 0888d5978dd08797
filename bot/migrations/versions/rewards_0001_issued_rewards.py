"""rewards issued for a better record (knowledge/rewards.yml), once per customer and reward

Revision ID: rewards_0001
Revises: demo_0001
Create Date: 2026-12-01 21:10:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = 'rewards_0001'
down_revision = 'demo_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'issued_rewards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('reward_id', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('code', sa.String(length=9), nullable=False),
        sa.Column('issued_at', sa.DateTime(), nullable=False),
        sa.Column('redeemed_at', sa.DateTime(), nullable=True),
        sa.Column('redeemed_by', sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
        sa.UniqueConstraint('customer_id', 'reward_id', name='uq_issued_rewards_customer_reward'),
    )
    op.create_index(op.f('ix_issued_rewards_customer_id'), 'issued_rewards', ['customer_id'], unique=False)
    op.create_index(op.f('ix_issued_rewards_issued_at'), 'issued_rewards', ['issued_at'], unique=False)
    op.create_index(op.f('ix_issued_rewards_redeemed_at'), 'issued_rewards', ['redeemed_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_issued_rewards_redeemed_at'), table_name='issued_rewards')
    op.drop_index(op.f('ix_issued_rewards_issued_at'), table_name='issued_rewards')
    op.drop_index(op.f('ix_issued_rewards_customer_id'), table_name='issued_rewards')
    op.drop_table('issued_rewards')
