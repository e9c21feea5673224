"""Alembic environment: runs on the connection the service hands it (see service.db.migrate)."""

from alembic import context

from service.db.metadata import metadata

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata(), render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
