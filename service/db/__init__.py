"""Storage: SQLAlchemy tables, engine and Alembic migrations."""
