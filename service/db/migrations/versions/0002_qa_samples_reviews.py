"""QA samples, sampled items assigned to blind second reviewers, append-only second reviews

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from service.db.append_only import allow_changes, forbid_changes


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

APPEND_ONLY = ("qa_sample_items", "qa_reviews")


def upgrade() -> None:
    op.create_table('qa_samples',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('stratify_by', sa.JSON(), nullable=False),
    sa.Column('oversample_disagreement', sa.Boolean(), nullable=False),
    sa.Column('unsure_below', sa.Float(), nullable=True),
    sa.Column('oversample_weight', sa.Float(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('strata', sa.JSON(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('qa_sample_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.String(length=32), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.JSON(), nullable=False),
    sa.Column('oversampled', sa.Boolean(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['sample_id'], ['qa_samples.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('qa_sample_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_sample_items_referral_id'), ['referral_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_sample_items_reviewer_id'), ['reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_qa_sample_items_sample_id'), ['sample_id'], unique=False)

    op.create_table('qa_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.String(length=32), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('indicators', sa.JSON(), nullable=False),
    sa.Column('tools_required', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['qa_sample_items.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id')
    )
    with op.batch_alter_table('qa_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_qa_reviews_referral_id'), ['referral_id'], unique=False)

    for table in APPEND_ONLY:
        forbid_changes(table)


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        allow_changes(table)
    with op.batch_alter_table('qa_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_reviews_referral_id'))
    op.drop_table('qa_reviews')
    with op.batch_alter_table('qa_sample_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_qa_sample_items_sample_id'))
        batch_op.drop_index(batch_op.f('ix_qa_sample_items_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_qa_sample_items_referral_id'))
    op.drop_table('qa_sample_items')
    op.drop_table('qa_samples')
