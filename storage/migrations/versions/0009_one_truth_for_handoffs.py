"""one truth: conversations.status no longer mirrors the hand-off (queued/live live only in handoffs.status)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:10:00

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE conversations SET status = 'bot' WHERE status IN ('queued', 'live')")


def downgrade() -> None:
    op.execute(
        "UPDATE conversations SET status = (SELECT h.status FROM handoffs h WHERE h.conversation_id = conversations.id"
        " AND h.status IN ('queued', 'live') ORDER BY h.id DESC LIMIT 1)"
        " WHERE EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = conversations.id"
        " AND h.status IN ('queued', 'live'))"
    )
