"""audit rows without agent or conversation: NULL instead of a 0 stand-in

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:10:39

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("agent_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.alter_column("conversation_id", existing_type=sa.INTEGER(), nullable=True)
    op.execute("UPDATE audit_log SET agent_id = NULL WHERE agent_id = 0")
    op.execute("UPDATE audit_log SET conversation_id = NULL WHERE conversation_id = 0")


def downgrade() -> None:
    op.execute("UPDATE audit_log SET agent_id = 0 WHERE agent_id IS NULL")
    op.execute("UPDATE audit_log SET conversation_id = 0 WHERE conversation_id IS NULL")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("conversation_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.alter_column("agent_id", existing_type=sa.INTEGER(), nullable=False)
