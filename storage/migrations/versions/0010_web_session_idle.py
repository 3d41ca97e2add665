"""web session idle expiry: when the page of a web chat session last sent a frame (bot/channels/web_session.py)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing rows keep NULL: their idle time counts from created_at (a session older than the idle time ends).
    op.add_column("web_sessions", sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_sessions") as batch:
        batch.drop_column("last_seen_at")
