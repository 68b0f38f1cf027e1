"""Storing plans and consent in SQLite or PostgreSQL (SQLAlchemy Core, Alembic migrations)."""
