"""number_series: per-plan counters that make concurrent numbering take turns

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'number_series',
        sa.Column('series', sa.String(length=40), nullable=False),
        sa.Column('plan_id', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['plan_id'], ['plan.id'],
                                name=op.f('fk_number_series_plan_id_plan')),
        sa.PrimaryKeyConstraint('series', 'plan_id', name=op.f('pk_number_series')),
    )
    # Existing plans continue after the highest risk number they already use.
    op.execute("INSERT INTO number_series (series, plan_id, last) "
               "SELECT 'risk', plan_id, MAX(number) FROM risk GROUP BY plan_id")


def downgrade():
    op.drop_table('number_series')
