"""access grants: the reason an agent gave to open a conversation that is not theirs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("granted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_access_grants_agent_id"), "access_grants", ["agent_id"], unique=False)
    op.create_index(op.f("ix_access_grants_conversation_id"), "access_grants", ["conversation_id"], unique=False)
    op.create_index(op.f("ix_access_grants_session_hash"), "access_grants", ["session_hash"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_access_grants_session_hash"), table_name="access_grants")
    op.drop_index(op.f("ix_access_grants_conversation_id"), table_name="access_grants")
    op.drop_index(op.f("ix_access_grants_agent_id"), table_name="access_grants")
    op.drop_table("access_grants")
