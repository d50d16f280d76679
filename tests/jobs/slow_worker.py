"""A real ``fieldcert worker`` consumer with one extra job, ``test.slow``, for tests/jobs.

Run as ``python -m tests.jobs.slow_worker`` with the app's settings in the environment and the
queue in ``FC_TEST_JOBS_FILE`` (SQLite) or ``FC_TEST_QUEUE_NAME`` (Redis). ``test.slow`` notes
its start in a file, sleeps, then appends one line to another: a run killed half way leaves the
first and not the second, so the test can count complete runs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from backend import create_app
from backend.jobs.engine import JobSpec, jobs_of
from backend.jobs.worker import run_worker


def slow(session: Session, folder: str, seconds: float) -> None:
    """Note the start, sleep, note the end (one line per complete run)."""
    marks = Path(folder)
    with (marks / "started").open("a", encoding="utf-8") as started:
        started.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    with (marks / "done").open("a", encoding="utf-8") as done:
        done.write(f"{os.getpid()}\n")


SLOW = JobSpec(name="test.slow", function=slow, summary="tests/jobs: a job that takes time")


def app_for_tests(config: dict[str, Any]) -> Flask:
    """The app with ``test.slow`` registered on its queue (the test's and the worker's)."""
    app = create_app(config)
    jobs_of(app).register(SLOW)
    return app


def main() -> None:
    config: dict[str, Any] = {"TESTING": False}
    if os.environ.get("FC_TEST_JOBS_FILE"):
        config["FIELDCERT_JOBS_FILE"] = os.environ["FC_TEST_JOBS_FILE"]
    if os.environ.get("FC_TEST_QUEUE_NAME"):
        config["FIELDCERT_JOBS_QUEUE_NAME"] = os.environ["FC_TEST_QUEUE_NAME"]
    app = app_for_tests(config)
    run_worker(jobs_of(app), threads=2, periodic=False)


if __name__ == "__main__":
    main()
