"""risk_assessment.demo: invented demo history is marked as such

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('risk_assessment') as batch:
        batch.add_column(sa.Column('demo', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('risk_assessment') as batch:
        batch.drop_column('demo')
