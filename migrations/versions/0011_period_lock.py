"""period_lock: periods reported to the board are locked for a unit and its subtree
(issue 11, "Reported periods are locked")

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

One row per (period, unit); the unique (period, unit_id) index is the lookup "is this
period locked for this unit" (unit_id IN the unit's ancestors, read from its path).
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'period_lock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('locked', sa.Boolean(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('locked_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_by_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reopened_by_id', sa.Integer(), nullable=True),
        sa.Column('reopen_reason', sa.Text(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.CheckConstraint("source IN ('board', 'follow_up')",
                           name=op.f('ck_period_lock_source')),
        sa.CheckConstraint(
            "locked OR (reopened_at IS NOT NULL AND reopen_reason IS NOT NULL)",
            name=op.f('ck_period_lock_reopened_with_reason')),
        sa.ForeignKeyConstraint(['locked_by_id'], ['user_account.id'],
                                name=op.f('fk_period_lock_locked_by_id_user_account')),
        sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'],
                                name=op.f('fk_period_lock_reopened_by_id_user_account')),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id'],
                                name=op.f('fk_period_lock_unit_id_unit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_period_lock')),
        sa.UniqueConstraint('period', 'unit_id', name=op.f('uq_period_lock_period_unit_id')),
    )
    op.create_index(op.f('ix_period_lock_unit_id'), 'period_lock', ['unit_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_period_lock_unit_id'), table_name='period_lock')
    op.drop_table('period_lock')
