"""audit log append-only: UPDATE and DELETE on audit_event fail

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


# The same statements as riskreg/models/audit.py (copied: migrations do not import the app).
APPEND_ONLY_SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
       BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END""",
]
APPEND_ONLY_POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit_event is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
]


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": APPEND_ONLY_SQLITE,
                      "postgresql": APPEND_ONLY_POSTGRESQL}.get(dialect, []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
