"""Is the database's schema where the code expects it?"""

from __future__ import annotations

import functools

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.migrate import alembic_config


class SchemaOutOfDate(Exception):
    """The database needs ``wegwijzer db upgrade`` first."""


@functools.cache
def migration_head() -> str | None:
    """The newest migration (the scripts are read once per process: a restart after a crash is quicker)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def ensure_current(engine: AsyncEngine) -> None:
    head = migration_head()
    async with engine.connect() as conn:
        current = await conn.run_sync(lambda sync: MigrationContext.configure(sync).get_current_revision())
    if current != head:
        raise SchemaOutOfDate(
            f"The database schema is at {current or 'nothing'}, the code needs {head}: run 'wegwijzer db upgrade'."
        )
