"""One transaction per request or CLI command: services flush, this module commits.

The rule (docs/architecture.md, "Transactions"), as Warehouse does per request:

* **Services never commit.** They change rows and ``session.flush()`` when they need the
  database's answer now (an id, a unique constraint, a count); a service that returns what it
  changed ends with ``flush_as_stored``, so the answer shows the rows as stored. A service that
  catches an ``IntegrityError`` from its flush (an idempotent PUT racing its own retry, two
  imports of one file) may ``session.rollback()`` and read the winner: the transaction it ends
  held only that work, and the request's answer then decides as for any other request.
* **A request** is committed once, here, after its view returned an answer below 400
  (``dispatch``, called by the app's ``dispatch_request``). A view that raised, or answered
  4xx/5xx, is rolled back: an error never leaves a half-written record. A commit that fails
  (the database went away) raises inside the request, so the usual error answer follows.
* **A CLI command, a background thread, a script** wraps its work in ``transaction(session)``:
  committed when the block ends normally, rolled back when it raises.
* **Reads that write an audit entry** (the audit log, evidence reads) add the entry like any
  other write: it is committed with the request, and not at all when the request fails.
* **Events** (``backend/<feature>/signals.py``) are sent with ``send_at_commit``: their
  receivers run in the change's own transaction, just before it commits, each in a savepoint,
  so what they write (a job owed, ``backend/jobs/outbox.py``) is committed with the change or
  not at all; a receiver that fails is logged, its writes are undone, and the change stands.
  Effects outside the database wait for the commit (``after_commit``): a job that must not be
  lost goes through the outbox, whose rows are relayed to the queue after the commit.

The exceptions, each on purpose and each listed in ``EARLY_COMMITS`` (a test checks that only
these modules call ``commit_early``, and that nothing but this module calls ``commit()``):

* ``backend.auth.throttle``: a sign-in attempt is reserved, and a lock set on the way is kept,
  before the password is checked (seconds of Argon2 work), so every worker process sees it; a
  refused attempt (429) keeps the lock it set.
* ``backend.auth.services``: a failed sign-in's counters and its audit entry are kept although
  the answer is 401 or 429 (an error answer rolls back everything else).
* ``backend.auth.access`` and ``backend.auth.session_store``: a device's or a session's
  ``last_seen_at`` is noted when the request authenticates, whatever the request then does.
* ``backend.evidence.services``: an upload ends its read transaction before storing and decoding
  the file (seconds), so SQLite's write lock is not held meanwhile; nothing is pending then. The
  file is stored before the record is committed: a record never names a missing file, and a
  file whose record was never committed is deleted by ``fieldcert evidence prune-orphans``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import flask
from blinker import NamedSignal
from flask.typing import ResponseReturnValue
from sqlalchemy import event
from sqlalchemy.orm import Session

from backend.extensions import db

logger = logging.getLogger(__name__)

#: Modules that may commit before the end of their request, and why (see the module docstring).
EARLY_COMMITS: dict[str, str] = {
    "backend.auth.throttle": "a sign-in reservation and a lock are seen by every worker at once",
    "backend.auth.services": "a failed sign-in is counted and audited although it answers 401",
    "backend.auth.access": "a device's last_seen_at is noted whatever the request does",
    "backend.auth.session_store": "a session's last_seen_at is noted whatever the request does",
    "backend.evidence.services": "an upload ends its read transaction before the slow part",
}


def dispatch(app: flask.Flask, view: Callable[[], ResponseReturnValue]) -> flask.Response:
    """Run the request's view in one transaction: commit below 400, roll back otherwise."""
    try:
        response = app.make_response(view())
    except BaseException:
        db.session.rollback()
        raise
    if response.status_code < 400:
        _commit(db.session())
    else:
        db.session.rollback()
    return response


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """A unit of work outside a request (CLI command, background thread): commit at the end of
    the block, roll back when it raises."""
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    _commit(session)


def flush_as_stored(session: Session, *records: object) -> None:
    """Flush, then forget every loaded value, as a commit used to (``expire_on_commit``): what
    the service returns is read back as the database stored it (times in UTC, defaults and
    server-side values filled in), exactly as the answer after the commit shows it.

    ``records``: forget only these, the ones the answer shows; the rest (the acting user, who
    did not change) stays loaded instead of being read again.
    """
    session.flush()
    if records:
        for record in records:
            session.expire(record)
    else:
        session.expire_all()


def commit_early(session: Session) -> None:
    """Commit now, before the request ends: only for the modules in ``EARLY_COMMITS``."""
    # The calling module, read from its frame (cheap: no source files are looked at).
    caller = sys._getframe(1).f_globals.get("__name__")
    if caller not in EARLY_COMMITS:
        raise RuntimeError(f"{caller} may not commit early (backend/unit_of_work.py)")
    _commit(session)


def after_commit(session: Session, action: Callable[[], Any]) -> None:
    """Run ``action`` once the session's current transaction is committed, never when it is
    rolled back: for effects outside the database (a push notification names a committed
    record). An action that fails is logged; the commit stands."""
    if not session.in_transaction():
        session.begin()  # so that a rollback before any statement still forgets the action
    session.info.setdefault(_AFTER_COMMIT, []).append(action)


def send_at_commit(session: Session, signal: NamedSignal, sender: Any, **kwargs: Any) -> None:
    """Send a domain event (``backend/<feature>/signals.py``) when the change is complete: its
    receivers run inside the change's transaction, just before the commit, with ``session=``.

    Each receiver runs in a savepoint: what it writes (a job in the outbox, so that a push is
    owed by the same commit as the change) is committed with the change; one that fails is
    logged, its writes are rolled back, the others still run, and the change is committed (a
    failed notification is no error). Nothing runs when the change is rolled back.
    """

    def send() -> None:
        for receiver in list(signal.receivers_for(sender)):
            try:
                with session.begin_nested():
                    receiver(sender, session=session, **kwargs)
            except Exception:
                logger.exception("receiver %r of %s failed for %r", receiver, signal.name, sender)

    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_AT_COMMIT, []).append(send)


_AT_COMMIT = "fieldcert_at_commit"
_AFTER_COMMIT = "fieldcert_after_commit"


_COMMITTED = "fieldcert_committed"


def _commit(session: Session) -> None:
    """Send the events waiting for the commit (in the transaction), commit, then run the
    actions waiting for it (the session can read again by then)."""
    while events := session.info.pop(_AT_COMMIT, []):
        for send in events:  # a receiver may send events of its own: those run too
            send()
    session.commit()
    for action in session.info.pop(_COMMITTED, []):
        try:
            action()
        except Exception:
            logger.exception("after-commit action %r failed", action)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    # No SQL may run inside this event: the actions run once commit() returned (``_commit``).
    session.info.setdefault(_COMMITTED, []).extend(session.info.pop(_AFTER_COMMIT, []))


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: Any) -> None:
    # Every rollback of the session's own transaction (a savepoint's rollback keeps them), also
    # when no statement ran yet.
    if not previous_transaction.nested:
        session.info.pop(_AFTER_COMMIT, None)
        session.info.pop(_AT_COMMIT, None)
