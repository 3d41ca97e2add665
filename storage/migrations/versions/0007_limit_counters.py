"""limit counters: the abuse and login limits per client, shared by every worker (HMAC keys only)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "limit_counters",
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("full_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key_hash"),
    )
    op.create_index(op.f("ix_limit_counters_full_at"), "limit_counters", ["full_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_limit_counters_full_at"), table_name="limit_counters")
    op.drop_table("limit_counters")
