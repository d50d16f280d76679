"""Benchmark the certification-file export: time and peak memory for an engagement with many photos.

Sets up a throw-away installation (SQLite and a local evidence folder in a temporary directory,
or ``--database-url``), loads the demo (its certified engagement), adds ``--photos`` originals of
``--photo-mib`` MiB each (random bytes, so nothing compresses) cited by one of its inspections,
then runs ``fieldcert export engagement ID --out FILE`` as its own process and reports its wall
time, its peak resident memory (``ru_maxrss`` of the child), the file's size, and the time of
``fieldcert verify FILE``. A benchmark, not a test: nothing is asserted; the figures go in the
closing note. The point: peak memory stays flat whatever the number and size of the photos.

    .venv/bin/python bench/export_bench.py --photos 200 --photo-mib 2
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _child_peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _setup(env: dict[str, str], photos: int, photo_bytes: int) -> str:
    """Migrate, load the demo, add the photos; return the certified engagement's id."""
    os.environ.update(env)
    import flask_migrate
    import sqlalchemy as sa

    from backend import create_app
    from backend.demo import load_demo_data
    from backend.demo_certified import demo_certificate
    from backend.evaluations.models import Evaluation
    from backend.evidence.models import EvaluationEvidence, Evidence, EvidenceKind
    from backend.evidence.storage import LocalStorage, original_key
    from backend.extensions import db
    from backend.unit_of_work import transaction

    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        with transaction(db.session()) as session:
            load_demo_data(session)
        session = db.session()
        certificate = demo_certificate(session)
        if certificate is None:
            raise SystemExit("the demo has no certificate")
        evaluation = session.scalars(
            sa.select(Evaluation).where(Evaluation.engagement_id == certificate.engagement_id)
        ).first()
        if evaluation is None:
            raise SystemExit("the demo's certified engagement has no evaluation")
        storage = LocalStorage(Path(app.config["FIELDCERT_STORAGE_DIR"]))
        with transaction(session):
            for number in range(photos):
                data = os.urandom(photo_bytes)
                digest = hashlib.sha256(data).hexdigest()
                key = original_key(digest)
                storage.put(key, io.BytesIO(data))
                evidence = Evidence(
                    id=uuid.uuid4(),
                    organisation_id=certificate.organisation_id,
                    sha256=digest,
                    size_bytes=len(data),
                    media_type="image/jpeg",
                    kind=EvidenceKind.PHOTO,
                    original_filename=f"bench-{number}.jpg",
                    uploaded_by_id=evaluation.evaluator_id,
                    metadata_json={},
                    original_key=key,
                )
                session.add(evidence)
                session.flush()
                session.add(
                    EvaluationEvidence(evaluation_id=evaluation.id, evidence_id=evidence.id)
                )
        return str(certificate.engagement_id)


def _in_process(engagement_id: str, out: Path) -> None:
    """The export alone, in this process: wall time, then traced Python allocations' peak."""
    import tracemalloc

    from backend import create_app
    from backend.certificates.signing import body_signing_key
    from backend.engagements.models import Engagement
    from backend.evidence.storage import StorageSettings
    from backend.export.services import write_certification_file
    from backend.extensions import db

    app = create_app()
    with app.app_context():
        session = db.session()
        engagement = session.get_one(Engagement, uuid.UUID(engagement_id))
        storage = StorageSettings.from_config(app.config).build()
        key = body_signing_key()
        for traced in (False, True):
            if traced:
                tracemalloc.start()
            started = time.perf_counter()
            with out.open("wb") as target:
                summary = write_certification_file(
                    session, engagement, storage, key, target, exported_by="bench"
                )
            elapsed = time.perf_counter() - started
            if traced:
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                print(f"in process, traced: peak Python allocations {peak / 2**20:.1f} MiB")
            else:
                mib = summary.bytes / 2**20
                print(
                    f"in process: {summary.files} files, {mib:.0f} MiB payload in {elapsed:.2f} s "
                    f"({mib / elapsed:.0f} MiB/s)"
                )
        session.rollback()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--photo-mib", type=float, default=2.0)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    args = parser.parse_args()
    photo_bytes = int(args.photo_mib * 1024 * 1024)
    with tempfile.TemporaryDirectory(prefix="fieldcert-export-bench-") as tmp:
        base = Path(tmp)
        env = {
            "DATABASE_URL": args.database_url or f"sqlite:///{base / 'bench.db'}",
            "FIELDCERT_INSTANCE_DIR": str(base / "instance"),
            "FIELDCERT_STORAGE_DIR": str(base / "evidence"),
            "FIELDCERT_ENV": "development",
        }
        started = time.perf_counter()
        engagement_id = _setup(env, args.photos, photo_bytes)
        setup_s = time.perf_counter() - started
        print(f"setup: {args.photos} photos × {args.photo_mib} MiB in {setup_s:.1f} s")
        # This checkout's command (python -m), not whichever fieldcert is installed.
        fieldcert = [sys.executable, "-m", "backend.cli"]
        out = base / "file.zip"
        child_env = {**os.environ, **env}
        _in_process(engagement_id, base / "in-process.zip")
        # The same process doing no export: start-up (imports, app, database) and its memory.
        started = time.perf_counter()
        subprocess.run(
            [*fieldcert, "demo", "logins"],
            env=child_env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        baseline_s = time.perf_counter() - started
        baseline_peak = _child_peak_mib()
        print(f"baseline (demo logins): {baseline_s:.1f} s, peak RSS {baseline_peak:.0f} MiB")
        started = time.perf_counter()
        subprocess.run(
            [*fieldcert, "export", "engagement", engagement_id, "--out", str(out), "--quiet"],
            env=child_env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        export_s = time.perf_counter() - started
        export_peak = _child_peak_mib()
        started = time.perf_counter()
        subprocess.run(
            [*fieldcert, "verify", str(out)],
            env=child_env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        verify_s = time.perf_counter() - started
        size_mib = out.stat().st_size / 1024 / 1024
        print(
            f"export command: {export_s:.1f} s wall (start-up included, see baseline), "
            f"{size_mib:.0f} MiB file"
        )
        print(f"export peak RSS (max over child processes so far): {export_peak:.0f} MiB")
        print(f"verify: {verify_s:.1f} s, peak RSS of any child: {_child_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
