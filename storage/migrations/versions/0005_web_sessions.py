"""web sessions: a web chat conversation opens only with a token the server handed out (hashes only)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("chat_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("ticket_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("ticket_until", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id"),
        sa.UniqueConstraint("ticket_hash"),
        sa.UniqueConstraint("token_hash"),
    )
    # Until now a web conversation's chat_id was the sha256 of its cookie's token: those cookies keep working.
    op.execute(
        "INSERT INTO web_sessions (chat_id, token_hash, created_at)"
        " SELECT chat_id, chat_id, created_at FROM conversations WHERE channel = 'web' AND length(chat_id) = 64"
    )


def downgrade() -> None:
    # The older code finds a conversation by the sha256 of the token: give each one that a browser can still
    # open that chat_id again. Conversations whose session ended stay out of reach.
    op.execute(
        "UPDATE conversations SET chat_id = (SELECT w.token_hash FROM web_sessions w"
        " WHERE w.chat_id = conversations.chat_id)"
        " WHERE channel = 'web' AND EXISTS (SELECT 1 FROM web_sessions w"
        " WHERE w.chat_id = conversations.chat_id AND w.token_hash IS NOT NULL)"
    )
    op.drop_table("web_sessions")
