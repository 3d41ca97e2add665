"""Persistence: SQLModel tables, the async database engine, repositories and Alembic migrations."""
