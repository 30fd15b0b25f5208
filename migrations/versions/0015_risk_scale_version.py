"""risk_scale.version: the scale editor's optimistic lock (issue 13, item 7)

Revision ID: 0015
Revises: 0012
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('risk_scale') as batch:
        batch.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))


def downgrade():
    with op.batch_alter_table('risk_scale') as batch:
        batch.drop_column('version')
