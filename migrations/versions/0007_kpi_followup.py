"""KPI follow-up: outcomes per unit with goal fulfilment, versions and who recorded them;
KPI direction, split by sex, position; retiring plan nodes; KPIs linked to risks

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

NODES = ('perspective', 'strategic_goal', 'success_factor')


def upgrade():
    for table in NODES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False,
                                          server_default=sa.false()))
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direction', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('split_by_sex', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('retired', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_check_constraint(
            'direction', "direction IS NULL OR direction IN ('higher', 'lower')")
    # A KPI that has a K or M outcome is split by sex.
    op.execute("UPDATE kpi SET split_by_sex = true WHERE id IN (SELECT kpi_id FROM kpi_outcome "
               "WHERE women IS NOT NULL OR men IS NOT NULL)")

    with op.batch_alter_table('kpi_outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('status_by_hand', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('status_comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))
    # Outcomes recorded before units had their own are the plan's unit's.
    op.execute("UPDATE kpi_outcome SET unit_id = (SELECT plan.unit_id FROM kpi "
               "JOIN plan ON plan.id = kpi.plan_id WHERE kpi.id = kpi_outcome.kpi_id)")
    with op.batch_alter_table('kpi_outcome', schema=None) as batch_op:
        batch_op.alter_column('unit_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_kpi_outcome_kpi_id_period', type_='unique')
        batch_op.create_unique_constraint('uq_kpi_outcome_kpi_id_unit_id_period',
                                          ['kpi_id', 'unit_id', 'period'])
        batch_op.create_foreign_key('fk_kpi_outcome_unit_id_unit', 'unit', ['unit_id'], ['id'])
        batch_op.create_foreign_key('fk_kpi_outcome_recorded_by_id_user_account',
                                    'user_account', ['recorded_by_id'], ['id'])
        batch_op.create_check_constraint(
            'status', "status IS NULL OR status IN ('met', 'partly', 'not_met')")
        batch_op.create_index('ix_kpi_outcome_unit_id', ['unit_id'], unique=False)

    op.create_table(
        'kpi_risk',
        sa.Column('kpi_id', sa.Integer(), nullable=False),
        sa.Column('risk_id', sa.Integer(), nullable=False),
        sa.Column('linked_by_id', sa.Integer(), nullable=True),
        sa.Column('linked_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['kpi_id'], ['kpi.id'], name=op.f('fk_kpi_risk_kpi_id_kpi')),
        sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_kpi_risk_risk_id_risk')),
        sa.ForeignKeyConstraint(['linked_by_id'], ['user_account.id'],
                                name=op.f('fk_kpi_risk_linked_by_id_user_account')),
        sa.PrimaryKeyConstraint('kpi_id', 'risk_id', name=op.f('pk_kpi_risk')),
    )
    with op.batch_alter_table('kpi_risk', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_risk_risk_id', ['risk_id'], unique=False)


def downgrade():
    with op.batch_alter_table('kpi_risk', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_risk_risk_id')
    op.drop_table('kpi_risk')
    # Back to one outcome per KPI and period: keep the plan's unit's, or the lowest id.
    op.execute("DELETE FROM kpi_outcome WHERE id NOT IN (SELECT MIN(id) FROM kpi_outcome "
               "GROUP BY kpi_id, period)")
    with op.batch_alter_table('kpi_outcome', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_outcome_unit_id')
        batch_op.drop_constraint(batch_op.f('ck_kpi_outcome_status'), type_='check')
        batch_op.drop_constraint('fk_kpi_outcome_recorded_by_id_user_account',
                                 type_='foreignkey')
        batch_op.drop_constraint('fk_kpi_outcome_unit_id_unit', type_='foreignkey')
        batch_op.drop_constraint('uq_kpi_outcome_kpi_id_unit_id_period', type_='unique')
        batch_op.create_unique_constraint('uq_kpi_outcome_kpi_id_period', ['kpi_id', 'period'])
        for column in ('version', 'recorded_at', 'recorded_by_id', 'status_comment',
                       'status_by_hand', 'status', 'unit_id'):
            batch_op.drop_column(column)
    with op.batch_alter_table('kpi', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_kpi_direction'), type_='check')
        for column in ('retired', 'position', 'split_by_sex', 'direction'):
            batch_op.drop_column(column)
    for table in NODES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('retired')
