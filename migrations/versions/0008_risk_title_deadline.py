"""risk.title (a short name, backfilled from the event text), risk_assessment.demo (invented
demo history is marked as such), risk_scale.reassess_days (the organisation's deadline for
re-assessment after a tertial ends)

Revision ID: 0008
Revises: 0009
Create Date: 2026-11-30
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0009'
branch_labels = None
depends_on = None

TITLE_MAX = 120


def short_title(event: str) -> str:
    """The first sentence of the event text, cut at a word within TITLE_MAX characters
    (kept in step with riskreg.risks.texts.short_title; a migration does not import the app)."""
    text = " ".join((event or "").split())
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".") or "–"
    if len(first) <= TITLE_MAX:
        return first
    cut = first[:TITLE_MAX - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def upgrade():
    with op.batch_alter_table('risk') as batch:
        batch.add_column(sa.Column('title', sa.String(length=200), nullable=True))
    bind = op.get_bind()
    risk = sa.table('risk', sa.column('id', sa.Integer), sa.column('event', sa.Text),
                    sa.column('title', sa.String))
    for rid, event in bind.execute(sa.select(risk.c.id, risk.c.event)).all():
        bind.execute(risk.update().where(risk.c.id == rid).values(title=short_title(event)))
    with op.batch_alter_table('risk') as batch:
        batch.alter_column('title', existing_type=sa.String(length=200), nullable=False)
    with op.batch_alter_table('risk_assessment') as batch:
        batch.add_column(sa.Column('demo', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table('risk_scale') as batch:
        batch.add_column(sa.Column('reassess_days', sa.Integer(), nullable=False,
                                   server_default='14'))


def downgrade():
    with op.batch_alter_table('risk_scale') as batch:
        batch.drop_column('reassess_days')
    with op.batch_alter_table('risk_assessment') as batch:
        batch.drop_column('demo')
    with op.batch_alter_table('risk') as batch:
        batch.drop_column('title')
