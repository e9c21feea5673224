"""Every table the service owns, as one MetaData (what Alembic's migrations must build)."""

from __future__ import annotations

from sqlalchemy import MetaData

import service.qa.tables  # noqa: F401  (registers the QA tables on Base)
from service.db.tables import Base


def metadata() -> MetaData:
    return Base.metadata
