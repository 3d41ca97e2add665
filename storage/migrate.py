"""Alembic migrations, run through our own async engine (Alembic's connection-sharing recipe).

``wegwijzer db upgrade`` calls :func:`upgrade`; developers make a new revision with
``wegwijzer db revision -m "what changed"`` after changing ``storage/models.py``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database schema up to ``revision``."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(alembic_config(sync), revision))
    logger.info("database schema at %s", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Take the database schema back to ``revision`` (for a rollback; data the newer schema held may go)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
    logger.info("database schema back at %s", revision)


async def make_revision(engine: AsyncEngine, message: str) -> None:
    """Autogenerate a new revision from the difference between the models and the database."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.revision(alembic_config(sync), message=message, autogenerate=True))


async def pending_changes(engine: AsyncEngine) -> list[object]:
    """What the models have that the migrated database lacks (empty when migrations are complete)."""

    def compare(sync: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(sync), SQLModel.metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)
