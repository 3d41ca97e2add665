"""anonymous monitoring as counts per day (storage/monitoring.py) instead of events with a time; where people stop

``monitoring_events`` held one row per event with its exact time and an id in the order of the events, so the
steps of one person could be lined up with their transcript. Its rows become counts per day and combination in
``monitoring_counts`` (the time of day, the ids and the order are dropped) and the table goes.
``conversations.stop_counted``: where the user stopped is counted once per quiet spell.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 15:10:00

"""

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate renders sqlmodel column types)
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = ("day", "kind", "channel", "locale", "role", "theme", "stage", "node", "detail")


def upgrade() -> None:
    counts = op.create_table(
        "monitoring_counts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("locale", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stage", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("node", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("detail", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(*KEY),
    )
    events = sa.table(
        "monitoring_events",
        sa.column("kind", sa.String),
        sa.column("node", sa.String),
        sa.column("role", sa.String),
        sa.column("theme", sa.String),
        sa.column("channel", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    bind = op.get_bind()
    tally: Counter[tuple[object, ...]] = Counter()
    for row in bind.execute(sa.select(events)):
        at = row.created_at if isinstance(row.created_at, datetime) else datetime.fromisoformat(str(row.created_at))
        node, detail = row.node or "", ""
        if row.kind == "handoff_outcome" and node.startswith("referred:"):
            node, detail = node.split(":", 1)
        day: date = at.date()
        tally[(day, row.kind[:32], row.channel or "", "", row.role or "", row.theme or "", "", node[:64], detail)] += 1
    if tally:
        op.bulk_insert(counts, [dict(zip(KEY, key, strict=True), count=number) for key, number in sorted(tally.items())])
    with op.batch_alter_table("monitoring_events") as batch:
        batch.drop_index("ix_monitoring_events_kind")
    op.drop_table("monitoring_events")
    op.add_column("conversations", sa.Column("stop_counted", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    # Not a batch (a copy of the table): on SQLite, dropping the old table would cascade to every transcript.
    op.execute("ALTER TABLE conversations DROP COLUMN stop_counted")  # SQLite 3.35 and later, PostgreSQL
    op.create_table(
        "monitoring_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("node", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("theme", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("monitoring_events") as batch:
        batch.create_index("ix_monitoring_events_kind", ["kind"], unique=False)
    op.drop_table("monitoring_counts")  # the counts cannot become events again: they stay counts, gone here
