"""risk_state: the state of a risk per period, stored and indexed (issue 14)

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30

The backfill derives the rows from risk_assessment and risk.archived_in with the rule
of riskreg/risks/state.py (expected_rows), copied here so that this migration keeps
meaning what it meant: one row per closed tertial a risk counts in, and one open row
(period 0) for its latest assessment, counting from ``since`` until ``until`` (the
tertial it was archived in). ``flask check-state`` compares the result with the
application's rule.
"""
from itertools import groupby

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0007'
branch_labels = None
depends_on = None

OPEN_PERIOD = 0
CHUNK = 20_000


def upgrade():
    op.create_table(
        'risk_state',
        sa.Column('risk_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('since', sa.Integer(), nullable=False),
        sa.Column('until', sa.Integer(), nullable=True),
        sa.Column('likelihood', sa.Integer(), nullable=False),
        sa.Column('consequence', sa.Integer(), nullable=False),
        sa.Column('unit_path', sa.String(length=400).with_variant(
            sa.String(length=400, collation='C'), 'postgresql'), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['risk_id'], ['risk.id'],
                                name=op.f('fk_risk_state_risk_id_risk')),
        sa.PrimaryKeyConstraint('risk_id', 'period', name=op.f('pk_risk_state')),
    )
    _backfill(op.get_bind())
    op.create_index('ix_risk_state_read', 'risk_state',
                    ['period', 'unit_path', 'since', 'until', 'likelihood', 'consequence',
                     'risk_id', 'number'], unique=False)


def _rows(risk_id, assessments, archived_in, unit_path, number):
    out = []
    for i, (since, likelihood, consequence) in enumerate(assessments):
        base = dict(risk_id=risk_id, since=since, likelihood=likelihood,
                    consequence=consequence, unit_path=unit_path, number=number)
        if i + 1 < len(assessments):
            stop = assessments[i + 1][0]
            if archived_in is not None:
                stop = min(stop, archived_in)
            out += [dict(base, period=p, until=None) for p in range(since, stop)]
        elif archived_in is None or archived_in > since:
            out.append(dict(base, period=OPEN_PERIOD, until=archived_in))
    return out


def _backfill(conn):
    state = sa.table('risk_state', *(sa.column(c) for c in (
        'risk_id', 'period', 'since', 'until', 'likelihood', 'consequence', 'unit_path',
        'number')))
    risks = conn.execute(sa.text(
        "SELECT r.id, r.archived_in, r.number, u.path FROM risk r "
        "JOIN unit u ON u.id = r.unit_id")).all()
    assessments = conn.execute(sa.text(
        "SELECT risk_id, period, likelihood, consequence FROM risk_assessment "
        "ORDER BY risk_id, period")).all()
    by_risk = {rid: [(p, lk, c) for _r, p, lk, c in group]
               for rid, group in groupby(assessments, key=lambda r: r[0])}
    batch = []
    for rid, archived_in, number, path in risks:
        batch += _rows(rid, by_risk.get(rid, []), archived_in, path, number)
        if len(batch) >= CHUNK:
            conn.execute(state.insert(), batch)
            batch = []
    if batch:
        conn.execute(state.insert(), batch)


def downgrade():
    op.drop_index('ix_risk_state_read', table_name='risk_state')
    op.drop_table('risk_state')
