"""The device-token look-up every field request starts with, kept per process between requests.

Every request still reads the device's and its user's rows (one indexed join, as plain columns):
a revoked device, a deactivated user or a changed role takes effect on the very next request, in
every worker process. What is kept is the work after the read: when the rows equal the ones
read last time for this token, the records built then join the request's session as they are
(``merge(load=False)``: no query, no ORM loading); otherwise they are built from the new rows
and kept in place of the old. Profiled (issue 13): the ORM load of device, user and organisation
was the largest single cost of a sync request after its own writes.
"""

from __future__ import annotations

import threading
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached

from backend.db import Base
from backend.devices.models import Device
from backend.users.models import User

_M = TypeVar("_M", bound=Base)

#: Column attributes of each record, in the order the query reads them.
_DEVICE_KEYS = [attr.key for attr in sa.inspect(Device).column_attrs]
_USER_KEYS = [attr.key for attr in sa.inspect(User).column_attrs]
_QUERY = (
    sa.select(
        *(getattr(Device, key) for key in _DEVICE_KEYS),
        *(getattr(User, key) for key in _USER_KEYS),
    )
    .join(User, User.id == Device.user_id)
    .where(Device.token_hash == sa.bindparam("token_hash"))
)
#: More paired devices than one process serves between restarts; past it, start afresh.
_MAX_KEPT = 10_000

_kept: dict[str, tuple[tuple[Any, ...], Device, User]] = {}
_lock = threading.Lock()


def _detached(model: type[_M], keys: list[str], values: tuple[Any, ...]) -> _M:
    """A record built from its row, as if loaded and then detached (never in a session)."""
    record = model(**dict(zip(keys, values, strict=True)))
    make_transient_to_detached(record)
    return record


def find(session: Session, token_hash: str) -> tuple[Device, User] | None:
    """The device with this token hash and its user, in ``session``; None if there is none."""
    row = session.execute(_QUERY, {"token_hash": token_hash}).one_or_none()
    if row is None:
        return None
    values = tuple(row)
    kept = _kept.get(token_hash)
    if kept is None or kept[0] != values:
        split = len(_DEVICE_KEYS)
        kept = (
            values,
            _detached(Device, _DEVICE_KEYS, values[:split]),
            _detached(User, _USER_KEYS, values[split:]),
        )
        with _lock:
            if len(_kept) >= _MAX_KEPT:
                _kept.clear()
            _kept[token_hash] = kept
    # Copies of the kept records join the session: the kept ones never belong to one, so
    # threads and requests never share a record (and every column of both tables holds an
    # immutable value: a copy shares nothing that a request could change in place).
    return session.merge(kept[1], load=False), session.merge(kept[2], load=False)
