"""The PostgreSQL plan of the statements a request runs (issue 13, "Flat costs").

``captured`` records the SQL a block sends; ``plan_of`` EXPLAINs one of them with its own
parameters, sequential scans disabled: on a test-sized table the planner would rightly read
everything, and the question asked is whether an index *can* serve the page in its order (an
index scan and no Sort node), which is what keeps it flat on a large table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


@contextlib.contextmanager
def captured(engine: sa.Engine) -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)


def plan_of(session: Session, statement: str, parameters: Any) -> str:
    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    try:
        rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).all()
    finally:
        connection.exec_driver_sql("SET LOCAL enable_seqscan = on")
    return "\n".join(r[0] for r in rows)
