"""``fieldcert worker`` itself, as ``make run`` and systemd start it, making an upload's renditions.

The web side (a test client on its own committed SQLite database) answers the upload and queues
the job in ``instance/jobs.sqlite3``; the command, in a process of its own with the same
environment, runs it: the record gets its renditions and hash. ``--status`` reports the queue.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from backend import create_app
from backend.evidence.models import Evidence
from backend.extensions import db
from backend.jobs.engine import jobs_of
from backend.users.models import Role
from tests.evidence import pictures
from tests.evidence.conftest import pair_device
from tests.factories import make_user

REPO = Path(__file__).resolve().parents[2]


def test_fieldcert_worker_makes_the_renditions_an_upload_queued(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    env = {
        **os.environ,
        "FIELDCERT_INSTANCE_DIR": str(instance),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fieldcert.sqlite3'}",
        "FIELDCERT_STORAGE_DIR": str(tmp_path / "evidence"),
        "SECRET_KEY": "worker-command-test-secret-0123456789abcdef",
        "FIELDCERT_JOBS": "sqlite",
    }
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": env["DATABASE_URL"],
            "SECRET_KEY": env["SECRET_KEY"],
            "FIELDCERT_INSTANCE_DIR": instance,
            "FIELDCERT_STORAGE_DIR": env["FIELDCERT_STORAGE_DIR"],
            "FIELDCERT_JOBS": "sqlite",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        shopper = pair_device(db.session(), make_user(db.session(), role=Role.SHOPPER))
    data = pictures.jpeg(pictures.scene(1600, 1200, seed=11))
    evidence_id = uuid.uuid4()
    response = app.test_client().put(
        f"/api/evidence/{evidence_id}",
        data=data,
        headers={
            **shopper.headers,
            "X-Content-SHA256": hashlib.sha256(data).hexdigest(),
            "Content-Type": "application/octet-stream",
        },
    )
    assert response.status_code == 201 and response.get_json()["derived"] == "pending"
    assert jobs_of(app).huey.pending_count() == 1

    command = [sys.executable, "-m", "backend.cli", "worker", "--threads", "1"]
    status = subprocess.run(
        [*command, "--status"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith("sqlite: 1 waiting, 0 scheduled, 0 running, 0 failed")

    with (tmp_path / "worker.log").open("wb") as log:
        worker = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        with app.app_context():
            while True:
                row = db.session.scalars(sa.select(Evidence)).one()
                if row.derived_at is not None:
                    break
                assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
                db.session.rollback()
                time.sleep(0.1)
            assert row.phash is not None and row.display_key is not None
            db.session.remove()
    finally:
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
        with app.app_context():
            db.engine.dispose()
    assert (tmp_path / "evidence" / row.display_key).exists()
    assert jobs_of(app).status()["pending"] == 0
