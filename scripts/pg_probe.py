"""Exit 0 when the PostgreSQL server at the URL given as argument answers a query, else 1."""

from __future__ import annotations

import sys

import sqlalchemy as sa

from backend.config import normalise_database_url


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: pg_probe.py DATABASE_URL", file=sys.stderr)
        return 2
    url = sa.make_url(normalise_database_url(argv[1]))
    shown = url.render_as_string(hide_password=True)
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3}, poolclass=sa.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        reason = str(error.orig if isinstance(error, sa.exc.DBAPIError) else error)
        print(f"PostgreSQL not reachable at {shown}: {reason.strip()}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"PostgreSQL reachable at {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
