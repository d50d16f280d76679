"""An engagement at a glance (issue 10 "The engagement page"): where its field work stands.

Per certification mode (CQC rule §5.1.1 modes A–I) whether it is done or still open; the
evaluations by review state (submitted, accepted, returned: only accepted ones count in the
scores, §5.1.2 reading); the mystery-shopper visits by state; the customer-survey answers against
each site's target sample (mode E); the integrity flags still open, i.e. on evaluations waiting
for review (flags, never verdicts: the reviewer decides). The scores themselves come from
``GET /api/engagements/<id>/scores`` (the scoring core); this adds only counts.

For the staff who read evaluations in full (``Need.EVALUATIONS``: the audit team and independent
reviewers): the flags derive from the evaluators' GPS tracks, so computing them is logged as the
integrity endpoint logs it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.engagements.access import Need, Standing, require
from backend.engagements.models import Assignment, AssignmentStatus, Engagement
from backend.evaluations import integrity
from backend.evaluations.access import Access, log_query_read
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.scoring.model import MODES
from backend.surveys import tallies
from backend.surveys.campaigns import scheme_of
from backend.surveys.models import SurveyCampaign
from backend.unit_of_work import flush_as_stored

#: Assignment states that still wait for the shopper or the review.
OPEN_VISITS = (AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS, AssignmentStatus.SUBMITTED)
#: Evaluation states that still wait for someone: the evaluator (draft, returned) or the review.
OPEN_EVALUATIONS = (EvaluationStatus.DRAFT, EvaluationStatus.SUBMITTED, EvaluationStatus.RETURNED)
#: The customer survey's mode letter (CQC rule §5.1.1 e).
SURVEY_MODE = "E"


def _status_counts(values: Counter[Any], states: type[Any]) -> dict[str, int]:
    return {state.value: values.get(state, 0) for state in states}


def _surveys(session: Session, engagement: Engagement) -> list[dict[str, Any]]:
    """Each campaign with its counted answers against the target sample, per site and in all."""
    campaigns = session.scalars(
        sa.select(SurveyCampaign)
        .where(SurveyCampaign.engagement_id == engagement.id)
        .order_by(SurveyCampaign.opens_at, SurveyCampaign.id)
    ).all()
    # Counted as the scores count them (a flagged answer counts once an auditor included it, an
    # answer the callback denied never does); received: all of them. From the tallies the
    # database keeps (surveys.tallies), not by reading every answer (issue 13, "Flat costs").
    if campaigns:
        scale = tallies.scale_of(scheme_of(session, engagement))
        for campaign in campaigns:
            tallies.ensure_scored(session, campaign.id, scale)
    per_site = tallies.answers_per_site(session, [c.id for c in campaigns])
    site_ids = {s.site_id for c in campaigns for s in c.sites}
    names = dict(session.execute(sa.select(Site.id, Site.name).where(Site.id.in_(site_ids))).all())
    out = []
    for campaign in campaigns:
        sites: list[dict[str, Any]] = [
            {
                "site_id": s.site_id,
                "site_name": names.get(s.site_id, ""),
                "answers": per_site.get(s.id, (0, 0))[1],
                "received": per_site.get(s.id, (0, 0))[0],
                "target": s.target,
            }
            for s in campaign.sites
        ]
        out.append(
            {
                "campaign_id": campaign.id,
                "title": campaign.title,
                "opens_at": campaign.opens_at,
                "closes_at": campaign.closes_at,
                "answers": sum(s["answers"] for s in sites),
                "received": sum(s["received"] for s in sites),
                "target": sum(s["target"] for s in sites),
                "sites": sites,
            }
        )
    return out


def _open_flags(
    session: Session, actor: Actor, waiting: list[Evaluation], site_names: dict[uuid.UUID, str]
) -> dict[str, Any]:
    """The integrity checks run on the evaluations waiting for review: flags still open."""
    rows = []
    severities: Counter[str] = Counter()
    for evaluation, loaded in integrity.load_inputs(session, waiting, actor.user.organisation_id):
        results = integrity.run_checks(loaded)
        counted = Counter(f.severity for r in results for f in r.flags)
        severities.update(counted)
        if counted:
            rows.append(
                {
                    "evaluation_id": evaluation.id,
                    "mode": evaluation.mode,
                    "site_name": site_names.get(evaluation.site_id, ""),
                    "alerts": counted["alert"],
                    "warnings": counted["warning"],
                    "infos": counted["info"],
                    "checks": sorted({r.check for r in results if r.flags}),
                }
            )
    return {
        "evaluations_checked": len(waiting),
        "evaluations_flagged": len(rows),
        "alerts": severities["alert"],
        "warnings": severities["warning"],
        "infos": severities["info"],
        "evaluations": rows,
    }


def _mode_state(evaluations: dict[str, int], open_visits: int, survey: tuple[int, int]) -> str:
    """``done``: measured and nothing left open; ``open``: work started or waiting; else
    ``not_started``. The survey mode is done when every site reached its target sample."""
    answers, target = survey
    waiting = sum(evaluations[s.value] for s in OPEN_EVALUATIONS) + open_visits
    measured = evaluations[EvaluationStatus.ACCEPTED.value] + answers
    if target and answers < target:
        return "open" if measured or waiting else "not_started"
    if measured and not waiting:
        return "done"
    return "open" if measured or waiting or any(evaluations.values()) else "not_started"


def _by_mode_and_status(
    session: Session, model: type[Evaluation] | type[Assignment], engagement_id: uuid.UUID
) -> Counter[tuple[str, Any]]:
    """The engagement's evaluations or visits counted per (mode, status), by the database."""
    return Counter(
        {
            (mode, status): n
            for mode, status, n in session.execute(
                sa.select(model.mode, model.status, sa.func.count())
                .where(model.engagement_id == engagement_id)
                .group_by(model.mode, model.status)
            )
        }
    )


def engagement_overview(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, ip: str | None = None
) -> dict[str, Any]:
    """The engagement's field work at a glance (see the module's docstring)."""
    granted = require(session, actor, engagement_id, Need.EVALUATIONS)
    engagement = granted.engagement
    # Counted in SQL (issue 13, "Flat costs"): only the evaluations waiting for review, whose
    # integrity flags are computed, are loaded.
    evaluations: Counter[tuple[str, EvaluationStatus]] = _by_mode_and_status(
        session, Evaluation, engagement.id
    )
    visits: Counter[tuple[str, AssignmentStatus]] = _by_mode_and_status(
        session, Assignment, engagement.id
    )
    waiting = session.scalars(
        sa.select(Evaluation)
        .where(
            Evaluation.engagement_id == engagement.id,
            Evaluation.status == EvaluationStatus.SUBMITTED,
        )
        .order_by(Evaluation.submitted_at, Evaluation.id)
    ).all()
    site_names = dict(
        session.execute(
            sa.select(Site.id, Site.name).where(Site.id.in_({e.site_id for e in waiting}))
        ).all()
    )
    surveys = _surveys(session, engagement)
    survey_answers = sum(c["answers"] for c in surveys)
    survey_target = sum(c["target"] for c in surveys)

    modes = []
    for mode in engagement.modes:
        by_status = Counter({s: n for (m, s), n in evaluations.items() if m == mode})
        counts = _status_counts(by_status, EvaluationStatus)
        open_visits = sum(n for (m, s), n in visits.items() if m == mode and s in OPEN_VISITS)
        survey = (survey_answers, survey_target) if mode == SURVEY_MODE else (0, 0)
        name = MODES.get(mode, (mode, mode))
        modes.append(
            {
                "mode": mode,
                "name": {"zh": name[0], "en": name[1]},
                "state": _mode_state(counts, open_visits, survey),
                "evaluations": counts,
                "open_visits": open_visits,
                "survey_answers": survey[0],
                "survey_target": survey[1],
            }
        )

    status_counts: Counter[EvaluationStatus] = Counter()
    for (_, evaluation_status), n in evaluations.items():
        status_counts[evaluation_status] += n
    flags = _open_flags(session, actor, list(waiting), site_names)
    if waiting:
        on_team = granted.standing in (Standing.LEADER, Standing.TEAM)
        # The query and a count, not every id: the entry stays small (issue 13).
        log_query_read(
            session,
            actor,
            engagement.id,
            Access.TEAM if on_team else Access.INDEPENDENT,
            action="engagement.overview_read",
            fields=("gps_fixes",),
            query={"status": [EvaluationStatus.SUBMITTED.value]},
            count=len(waiting),
            reason=None,
            ip=ip,
        )
        flush_as_stored(session)
    visit_counts: Counter[AssignmentStatus] = Counter()
    for (_, visit_status), n in visits.items():
        visit_counts[visit_status] += n
    return {
        "engagement_id": engagement.id,
        "status": engagement.status.value,
        "modes": modes,
        "modes_done": sum(1 for m in modes if m["state"] == "done"),
        "modes_open": sum(1 for m in modes if m["state"] != "done"),
        "evaluations": _status_counts(status_counts, EvaluationStatus),
        "visits": _status_counts(visit_counts, AssignmentStatus),
        "surveys": surveys,
        "survey_answers": survey_answers,
        "survey_received": sum(c["received"] for c in surveys),
        "survey_target": survey_target,
        "integrity": flags,
    }
