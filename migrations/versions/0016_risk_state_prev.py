"""risk_state.prev and until on every row of an archived risk: a comparison with the
previous tertial reads one period's rows (issue 14)

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

``prev`` is the packed assessment (period key·10000 + likelihood·100 + consequence) that
counted in the tertial before the row's ``since``: the risk's previous assessment, NULL
for its first. ``until`` (the tertial the risk was archived in) was set on the open row
only; it is now on every row of an archived risk, so that the risks that stop counting
in a tertial are found by ``ix_risk_state_gone``, an index of those rows only. The rule
is riskreg/risks/state.py ``expected_rows``; ``flask check-state`` compares the result.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

READ = ['period', 'unit_path', 'since', 'until', 'likelihood', 'consequence', 'risk_id',
        'number']
GONE = ['until', 'period', 'unit_path', 'since', 'likelihood', 'consequence', 'risk_id',
        'number']


def upgrade():
    with op.batch_alter_table('risk_state') as batch:
        batch.add_column(sa.Column('prev', sa.Integer(), nullable=True))
    conn = op.get_bind()
    # the previous assessment of each assessment, by the risk's own order of tertials
    conn.execute(sa.text(
        "UPDATE risk_state SET prev = (SELECT p.period * 10000 + p.likelihood * 100"
        " + p.consequence FROM risk_assessment p WHERE p.risk_id = risk_state.risk_id"
        " AND p.period < risk_state.since ORDER BY p.period DESC LIMIT 1)"))
    conn.execute(sa.text(
        "UPDATE risk_state SET until = (SELECT r.archived_in FROM risk r"
        " WHERE r.id = risk_state.risk_id) WHERE until IS NULL AND period <> 0"))
    op.drop_index('ix_risk_state_read', table_name='risk_state')
    op.create_index('ix_risk_state_read', 'risk_state', [*READ, 'prev'], unique=False)
    op.create_index('ix_risk_state_gone', 'risk_state', GONE, unique=False,
                    postgresql_where=sa.text('until IS NOT NULL'),
                    sqlite_where=sa.text('until IS NOT NULL'))


def downgrade():
    op.drop_index('ix_risk_state_gone', table_name='risk_state')
    op.drop_index('ix_risk_state_read', table_name='risk_state')
    op.execute("UPDATE risk_state SET until = NULL WHERE period <> 0")
    with op.batch_alter_table('risk_state') as batch:
        batch.drop_column('prev')
    op.create_index('ix_risk_state_read', 'risk_state', READ, unique=False)
