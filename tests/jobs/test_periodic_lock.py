"""The periodic jobs' lock on Redis of any version (Debian 12 ships Redis 7.0).

Huey's task lock with a ttl needs hash-field expiry (Redis >= 7.4) and raised
NotImplementedError on older servers, failing every periodic job run by a Redis worker; on Redis
the lock is now a plain key with NX and EX whatever the server's version.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import redis
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.exceptions import TaskLockedException

from backend.jobs import engine
from backend.jobs.engine import _periodic_lock
from tests.jobs.test_worker import REDIS_URL, redis_reachable


@pytest.fixture
def huey() -> RedisHuey:
    if not redis_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {REDIS_URL}: CI runs the Redis tests")
        pytest.skip(f"no Redis at {REDIS_URL}")
    return RedisHuey(f"lock-test-{uuid.uuid4().hex}", url=REDIS_URL)


def test_one_run_at_a_time_and_the_lock_released_after(huey: RedisHuey) -> None:
    sweep = "evidence.sweep_underived"
    with _periodic_lock(huey, sweep, 60):
        with pytest.raises(TaskLockedException), _periodic_lock(huey, sweep, 60):
            pass
        # Another job is not held up by this one's lock.
        with _periodic_lock(huey, "jobs.relay_outbox", 60):
            pass
    with _periodic_lock(huey, sweep, 60):
        pass


def test_the_plain_key_expires_on_its_own(huey: RedisHuey) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    with _periodic_lock(huey, "files.purge_expired", 60):
        ttl = client.ttl(f"{huey.name}.periodic-lock.files.purge_expired")
        assert 0 < ttl <= 60
    assert client.exists(f"{huey.name}.periodic-lock.files.purge_expired") == 0


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_other_storages_lock_once_and_take_over_an_expired_lock(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The embedded default (SQLite: ``make run``'s worker) and the memory queue: Huey's SQLite
    storage has no ttl (its lock with one raised NotImplementedError on every periodic run)."""
    other = (
        SqliteHuey("lock-test", filename=str(tmp_path / "jobs.sqlite3"), results=False)
        if kind == "sqlite"
        else MemoryHuey("lock-test", results=False)
    )
    sweep = "evidence.sweep_underived"
    with _periodic_lock(other, sweep, 60):
        with pytest.raises(TaskLockedException), _periodic_lock(other, sweep, 60):
            pass
        with _periodic_lock(other, "jobs.relay_outbox", 60):
            pass
    with _periodic_lock(other, sweep, 60):
        pass

    # A worker killed holding the lock: once its ttl has passed, the next run takes it over.
    assert engine._take_expiring_lock(other, f"{other.name}.periodic-lock.{sweep}", 60)
    with pytest.raises(TaskLockedException), _periodic_lock(other, sweep, 60):
        pass
    later = time.time() + 61
    monkeypatch.setattr(engine.time, "time", lambda: later)
    with _periodic_lock(other, sweep, 60):
        pass
