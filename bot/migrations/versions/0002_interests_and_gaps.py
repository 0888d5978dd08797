"""interests, knowledge gaps, vehicle on engagement

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:44:52.207723
"""

from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=80), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_at', sa.DateTime(), nullable=False),
    sa.Column('last_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'topic')
    )
    op.create_index(op.f('ix_interests_customer_id'), 'interests', ['customer_id'], unique=False)
    op.create_table('knowledge_gaps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_knowledge_gaps_created_at'), 'knowledge_gaps', ['created_at'], unique=False)
    op.create_index(op.f('ix_knowledge_gaps_customer_id'), 'knowledge_gaps', ['customer_id'], unique=False)
    op.add_column('engagement_events', sa.Column('model', sa.String(length=40), nullable=True))
    op.add_column('engagement_events', sa.Column('trim', sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column('engagement_events', 'trim')
    op.drop_column('engagement_events', 'model')
    op.drop_index(op.f('ix_knowledge_gaps_customer_id'), table_name='knowledge_gaps')
    op.drop_index(op.f('ix_knowledge_gaps_created_at'), table_name='knowledge_gaps')
    op.drop_table('knowledge_gaps')
    op.drop_index(op.f('ix_interests_customer_id'), table_name='interests')
    op.drop_table('interests')
