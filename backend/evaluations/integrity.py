"""Integrity checks shown to the reviewer for every evaluation: flags, never verdicts.

Issue 3, "Integrity checks shown to the reviewer"; DOMAIN.md "Field methods and their integrity
rules" (mystery-shopper visit: inside the site's geofence, time on site, capture times inside
the visit, photo not reused from another visit). Each check is a pure function over plain data
(``IntegrityInput``) and reports ``Flag``s with a code, a severity, a zh-CN / English message
and the numbers behind it; the reviewer decides what they mean. ``integrity_report`` loads the
data of one evaluation and runs them all.

Every threshold lives in ``Thresholds`` below, with why it has its value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.errors import Forbidden, NotFound
from backend.evaluations.access import Access, evaluation_access, log_personal_read
from backend.evaluations.integrity_checks import (
    CHECKS,
    check_capture_times,
    check_clock_skew,
    check_exif,
    check_geofence,
    check_pace,
    check_photo_locations,
    check_reuse,
    check_time_on_site,
    hamming,
    run_checks,
)
from backend.evaluations.integrity_data import (
    DEFAULT_THRESHOLDS,
    CheckResult,
    Fix,
    Flag,
    IntegrityInput,
    OtherPhoto,
    Photo,
    Severity,
    SiteFence,
    Thresholds,
)
from backend.evaluations.models import Evaluation, EvaluationVersion
from backend.evaluations.views import current_version
from backend.evidence import phash_index
from backend.evidence.models import EvaluationEvidence, Evidence, EvidenceKind
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role

__all__ = [
    "CHECKS",
    "DEFAULT_THRESHOLDS",
    "CheckResult",
    "Fix",
    "Flag",
    "IntegrityInput",
    "OtherPhoto",
    "Photo",
    "Severity",
    "SiteFence",
    "Thresholds",
    "check_capture_times",
    "check_clock_skew",
    "check_exif",
    "check_geofence",
    "check_pace",
    "check_photo_locations",
    "check_reuse",
    "check_time_on_site",
    "hamming",
    "integrity_report",
    "run_checks",
]


# --------------------------------------------------------------------------- service


def _photo(evidence: Evidence) -> Photo:
    capture = None
    if evidence.capture_latitude is not None and evidence.capture_longitude is not None:
        capture = Fix(
            evidence.capture_latitude,
            evidence.capture_longitude,
            evidence.capture_accuracy_m or 0.0,
            evidence.captured_at,
        )
    return Photo(
        evidence_id=evidence.id,
        sha256=evidence.sha256,
        received_at=evidence.received_at,
        device_sent_at=evidence.device_sent_at,
        phash=evidence.phash,
        # As the evidence API's ``derived``: the hash is the derive job's (evidence/derive.py).
        derived=(
            "pending"
            if evidence.derived_at is None
            else ("failed" if evidence.derive_failure else "ready")
        ),
        captured_at=evidence.captured_at,
        capture=capture,
        exif_taken_at=evidence.exif_taken_at,
        exif_latitude=evidence.exif_latitude,
        exif_longitude=evidence.exif_longitude,
    )


def _others(
    session: Session,
    evaluation: Evaluation,
    organisation_id: uuid.UUID,
    photos: Sequence[Photo],
    max_phash_distance: int,
) -> list[OtherPhoto]:
    """Evidence cited by the organisation's other evaluations that may be a reuse of ``photos``.

    The same bytes (SHA-256, indexed), or a perceptual hash that *may* be within
    ``max_phash_distance``: the candidates of the band index (backend/evidence/phash_index.py), a
    superset of the near ones that ``check_reuse`` measures exactly. A read that stays the same
    size however many photos the organisation has (issue 13, "Flat costs").
    """
    phashes = [p.phash for p in photos if p.phash is not None]
    bands = [
        Evidence.phash_band_0,
        Evidence.phash_band_1,
        Evidence.phash_band_2,
        Evidence.phash_band_3,
    ]
    near = phash_index.near_clause(bands, phashes, max_phash_distance) if phashes else sa.false()
    if near is None:  # a threshold too wide for the index: every hash, as before it
        near = Evidence.phash.is_not(None)
    rows = session.execute(
        sa.select(EvaluationEvidence.evaluation_id, Evidence.id, Evidence.sha256, Evidence.phash)
        .join(Evidence, Evidence.id == EvaluationEvidence.evidence_id)
        .where(
            Evidence.organisation_id == organisation_id,
            EvaluationEvidence.evaluation_id != evaluation.id,
            sa.or_(Evidence.sha256.in_(sorted({p.sha256 for p in photos})), near),
        )
    ).all()
    return [OtherPhoto(ev_id, evidence_id, sha, phash) for ev_id, evidence_id, sha, phash in rows]


def _others_pending(session: Session, evaluation: Evaluation, organisation_id: uuid.UUID) -> int:
    """Photos of the organisation's other evaluations whose perceptual hash is still being made.

    Few at any time (the derive job follows the upload by seconds): found by the index of
    ``derived_at``, whose NULLs are only the waiting records.
    """
    return (
        session.scalar(
            sa.select(sa.func.count(sa.distinct(Evidence.id)))
            .join(EvaluationEvidence, EvaluationEvidence.evidence_id == Evidence.id)
            .where(
                Evidence.derived_at.is_(None),
                Evidence.kind == EvidenceKind.PHOTO,
                Evidence.organisation_id == organisation_id,
                EvaluationEvidence.evaluation_id != evaluation.id,
            )
        )
        or 0
    )


def load_input(
    session: Session,
    evaluation: Evaluation,
    organisation_id: uuid.UUID,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> IntegrityInput:
    """What the checks read of an evaluation's current version (no access check: callers do).

    ``thresholds`` bound which other photos are read for the reuse check: pass the ones the
    checks will run with.
    """
    version = current_version(session, evaluation)
    site = session.get_one(Site, evaluation.site_id)
    ids = [uuid.UUID(link["evidence_id"]) for link in version.evidence]
    evidence = {e.id: e for e in session.scalars(sa.select(Evidence).where(Evidence.id.in_(ids)))}
    photos = [_photo(evidence[i]) for i in ids if i in evidence]
    return _input(
        version,
        site,
        photos,
        _others(session, evaluation, organisation_id, photos, thresholds.max_phash_distance),
        _others_pending(session, evaluation, organisation_id),
    )


def _input(
    version: EvaluationVersion,
    site: Site,
    photos: list[Photo],
    others: list[OtherPhoto],
    others_pending: int,
) -> IntegrityInput:
    return IntegrityInput(
        site=SiteFence(site.latitude, site.longitude, site.geofence_radius_m),
        started_at=version.started_at,
        ended_at=version.ended_at,
        synced_at=version.created_at,
        device_sent_at=version.device_sent_at,
        fixes=[
            Fix(
                f["latitude"],
                f["longitude"],
                f["accuracy_m"],
                datetime.fromisoformat(f["captured_at"]) if f.get("captured_at") else None,
            )
            for f in version.gps_fixes
        ],
        photos=photos,
        others=others,
        others_pending=others_pending,
        rated_items=sum(1 for r in version.ratings.values() if not r.get("na")),
    )


#: Evaluations whose inputs ``load_inputs`` reads with one set of queries.
BATCH_SIZE = 500


def load_inputs(
    session: Session,
    evaluations: Sequence[Evaluation],
    organisation_id: uuid.UUID,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> Iterator[tuple[Evaluation, IntegrityInput]]:
    """``load_input`` of many evaluations, equal to it one by one, in a few queries a batch.

    Reads over a whole engagement (overview, report) would otherwise make about seven round
    trips per evaluation (issue 13, "Flat costs"): here the current versions, sites, cited
    evidence and the organisation's photos still being hashed are read once per
    ``BATCH_SIZE`` evaluations. The reuse candidates are read per evaluation that has photos
    (the band index keeps each read small); without photos there are none to compare.
    """
    for start in range(0, len(evaluations), BATCH_SIZE):
        batch = evaluations[start : start + BATCH_SIZE]
        wanted = {(e.id, e.version) for e in batch}
        versions = {
            v.evaluation_id: v
            for v in session.scalars(
                sa.select(EvaluationVersion).where(
                    EvaluationVersion.evaluation_id.in_([e.id for e in batch])
                )
            )
            if (v.evaluation_id, v.number) in wanted
        }
        sites = {
            s.id: s
            for s in session.scalars(sa.select(Site).where(Site.id.in_({e.site_id for e in batch})))
        }
        cited = {uuid.UUID(link["evidence_id"]) for v in versions.values() for link in v.evidence}
        evidence = {
            e.id: e for e in session.scalars(sa.select(Evidence).where(Evidence.id.in_(cited)))
        }
        pending = _pending_links(session, organisation_id)
        for evaluation in batch:
            version = versions[evaluation.id]
            ids = [uuid.UUID(link["evidence_id"]) for link in version.evidence]
            photos = [_photo(evidence[i]) for i in ids if i in evidence]
            others = (
                _others(session, evaluation, organisation_id, photos, thresholds.max_phash_distance)
                if photos
                else []
            )
            waiting = len({ev for ev, by in pending if by != evaluation.id})
            yield evaluation, _input(version, sites[evaluation.site_id], photos, others, waiting)


def _pending_links(session: Session, organisation_id: uuid.UUID) -> list[tuple[uuid.UUID, Any]]:
    """(evidence id, citing evaluation id) of the organisation's photos still being hashed: the
    rows ``_others_pending`` counts, read once for a batch (few: the derive job follows the upload
    by seconds)."""
    return [
        (evidence_id, evaluation_id)
        for evidence_id, evaluation_id in session.execute(
            sa.select(Evidence.id, EvaluationEvidence.evaluation_id)
            .join(EvaluationEvidence, EvaluationEvidence.evidence_id == Evidence.id)
            .where(
                Evidence.derived_at.is_(None),
                Evidence.kind == EvidenceKind.PHOTO,
                Evidence.organisation_id == organisation_id,
            )
        )
    ]


def integrity_report(
    session: Session,
    actor: Actor,
    evaluation_id: uuid.UUID,
    *,
    reason: str | None = None,
    ip: str | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[str, Any]:
    """The checks of an evaluation's current version, for team leaders, auditors and reviewers.

    Not for shoppers (not even their own: the flags are the reviewer's tools) and not for
    clients. The report is derived from the evaluator's GPS track: the read is logged.
    """
    evaluation = session.get(Evaluation, evaluation_id)
    if evaluation is None:
        raise NotFound()
    access = evaluation_access(session, actor, evaluation)
    if actor.role not in (Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER):
        raise Forbidden(details={"role": actor.role.value})
    data = load_input(session, evaluation, actor.user.organisation_id, thresholds)
    version = current_version(session, evaluation)
    results = run_checks(data, thresholds)
    report = {
        "evaluation_id": evaluation.id,
        "version": version.number,
        "checks": [r.as_json() for r in results],
        "flags": [f.as_json() for r in results for f in r.flags],
        "thresholds": thresholds.as_json(),
    }
    if access is not Access.OWN:
        log_personal_read(
            session,
            actor,
            [evaluation.id],
            access,
            action="evaluation.integrity_read",
            fields=("gps_fixes",),
            reason=reason,
            ip=ip,
        )
        flush_as_stored(session)
    return report
