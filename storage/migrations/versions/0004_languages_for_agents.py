"""languages: the languages an agent speaks; the Dutch original beside a translated transcript line

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every agent there is today speaks Dutch: the helpdesk has worked in Dutch only until now.
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=False, server_default='["nl"]'))
    with op.batch_alter_table("transcript_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original", sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("transcript_entries", schema=None) as batch_op:
        batch_op.drop_column("original")
    with op.batch_alter_table("agents", schema=None) as batch_op:
        batch_op.drop_column("languages")
