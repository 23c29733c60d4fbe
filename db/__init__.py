"""Persistence: engine, typed models, repositories and Alembic migrations."""
