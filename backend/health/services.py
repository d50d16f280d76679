"""Is the service able to work: a real query against the database."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from backend.errors import DatabaseUnavailable
from backend.version import VERSION


def check_health(session: Session) -> dict[str, str]:
    """``{"status": "ok", "database": "ok", "version": ...}``, or ``DatabaseUnavailable``."""
    try:
        session.execute(sa.select(sa.literal(1))).scalar_one()
    except SQLAlchemyError as error:
        session.rollback()
        raise DatabaseUnavailable() from error
    return {"status": "ok", "database": "ok", "version": VERSION}
