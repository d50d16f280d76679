"""The engagement report: the plain data (``EngagementReport``), the service that builds it from
the database, and its rendering to PDF.

What it prints: the engagement, client, sites and pinned scheme version; the service score as
the mean of the per-evaluation scores with the scoring core's explanation (§5.1.2); the
per-characteristic scores as a radar chart and a table (DOMAIN.md "Per-characteristic view");
the per-mode and per-site means (the report always shows the per-mode means, DOMAIN.md
§5.1.2 reading); a summary of the integrity flags of the counted evaluations (flags, never
verdicts: issue 3); the certification decision once one is recorded. While results are
incomplete the report says so on its first page and in its header: "阶段性结果".
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Client, Site
from backend.engagements.access import Need, Standing, require
from backend.engagements.models import (
    Assignment,
    AssignmentStatus,
    EngagementMember,
    EngagementSite,
    EngagementStatus,
    TeamRole,
)
from backend.evaluations import integrity
from backend.evaluations.access import Access, log_query_read
from backend.evaluations.models import Evaluation, EvaluationStatus
from backend.evaluations.scores import engagement_scores
from backend.reports.charts import Datum, bar_svg, radar_svg
from backend.reports.letterhead import letterhead_for
from backend.reports.pdf import Letterhead, PageSetup, render_pdf
from backend.scoring.model import MODES
from backend.unit_of_work import flush_as_stored
from backend.users.models import Organisation, User

KIND_ZH = {"initial": "初次认证", "surveillance": "监督审查", "recertification": "再认证"}
STATUS_ZH = {
    "planned": "计划中",
    "fieldwork": "现场实施中",
    "review": "复核中",
    "decided": "已作出认证决定",
    "closed": "已关闭",
}
TEAM_ROLE_ZH = {TeamRole.LEADER: "审查组长", TeamRole.AUDITOR: "审查员"}
#: The integrity checks (backend/evaluations/integrity.py) as the report names them.
CHECK_ZH = {
    "geofence": "到访位置（地理围栏）",
    "photo_location": "照片拍摄位置",
    "capture_times": "照片拍摄时间",
    "time_on_site": "现场停留时长",
    "clock_skew": "设备时钟偏差",
    "exif": "照片 EXIF 信息",
    "photo_reuse": "照片重复使用",
    "pace": "填写速度",
}
#: Modes whose evaluations make the service score (A–E); F–I are audits without one.
SCORING_MODES = ("A", "B", "C", "D", "E")


@dataclass(frozen=True)
class ScoreRow:
    label: str
    score: float | None
    #: Evaluations (and survey answers) in the mean.
    counted: int | None = None


@dataclass(frozen=True)
class CheckSummary:
    """One integrity check over the counted evaluations."""

    check: str
    label: str
    flagged: int  # evaluations with at least one flag of this check
    alerts: int
    warnings: int
    infos: int
    not_applicable: int  # evaluations the check could not run on (no photos, no times)


@dataclass(frozen=True)
class DecisionSummary:
    """The certification decision, once the decision feature records one (§6)."""

    outcome: str
    decided_on: date | None = None
    decided_by: str = ""
    rationale: str = ""


@dataclass(frozen=True)
class EngagementReport:
    """Everything the report prints, as plain data (the renderer reads nothing else)."""

    organisation: str
    engagement_id: str
    title: str
    kind: str
    status: str
    starts_on: date
    ends_on: date
    client: str
    service_provider: str
    sites: Sequence[tuple[str, str]]  # (name, address)
    team: Sequence[tuple[str, str]]  # (name, role)
    modes: Sequence[str]
    scheme_title: str
    scheme_version: str  # "cts-tbsc034-2026 v1.0 (sha256 1a2b3c4d…)"
    overall: float | None
    overall_explanation: str
    evaluations_counted: int
    accepted_evaluations: int
    survey_answers: int
    per_characteristic: Sequence[ScoreRow]
    per_mode: Sequence[ScoreRow]
    per_site: Sequence[ScoreRow]
    checks: Sequence[CheckSummary]
    evaluations_checked: int
    evaluations_flagged: int
    provisional_reasons: Sequence[str]
    decision: DecisionSummary | None
    generated_at: datetime
    notes: Sequence[str] = field(default_factory=tuple)
    letterhead: Letterhead | None = None

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_reasons)


#: The decision feature registers a reader of an engagement's decision here (as the surveys
#: feature answers ``backend.evaluations.signals.measurements_wanted``).
DecisionSource = Callable[[Session, uuid.UUID], DecisionSummary | None]
decision_sources: list[DecisionSource] = []


def _rows(
    items: Sequence[dict[str, Any]], label: Callable[[dict[str, Any]], str]
) -> list[ScoreRow]:
    return [ScoreRow(label(i), i["score"], i.get("evaluations_counted")) for i in items]


def _integrity(
    session: Session, actor: Actor, evaluation_ids: Sequence[uuid.UUID]
) -> tuple[list[CheckSummary], int]:
    """Run every integrity check on the counted evaluations; count flags per check."""
    flagged_by: Counter[str] = Counter()
    severities: dict[str, Counter[str]] = {}
    not_applicable: Counter[str] = Counter()
    flagged_evaluations = 0
    order: list[str] = []
    loaded: dict[uuid.UUID, Evaluation] = {}
    for start in range(0, len(evaluation_ids), integrity.BATCH_SIZE):
        chunk = evaluation_ids[start : start + integrity.BATCH_SIZE]
        loaded.update(
            (e.id, e)
            for e in session.scalars(sa.select(Evaluation).where(Evaluation.id.in_(chunk)))
        )
    evaluations = [loaded[i] for i in evaluation_ids]
    for _, read in integrity.load_inputs(session, evaluations, actor.user.organisation_id):
        results = integrity.run_checks(read)
        any_flag = False
        for result in results:
            if result.check not in order:
                order.append(result.check)
            if result.not_applicable is not None:
                not_applicable[result.check] += 1
            if result.flags:
                any_flag = True
                flagged_by[result.check] += 1
                severities.setdefault(result.check, Counter()).update(
                    f.severity for f in result.flags
                )
        flagged_evaluations += any_flag
    summaries = [
        CheckSummary(
            check=check,
            label=CHECK_ZH.get(check, check),
            flagged=flagged_by[check],
            alerts=severities.get(check, Counter())["alert"],
            warnings=severities.get(check, Counter())["warning"],
            infos=severities.get(check, Counter())["info"],
            not_applicable=not_applicable[check],
        )
        for check in order
    ]
    return summaries, flagged_evaluations


def _provisional_reasons(
    session: Session,
    engagement_id: uuid.UUID,
    status: EngagementStatus,
    modes: Sequence[str],
    scores: dict[str, Any],
    site_names: dict[uuid.UUID, str],
) -> list[str]:
    reasons: list[str] = []
    if status in (EngagementStatus.PLANNED, EngagementStatus.FIELDWORK):
        reasons.append(f"审查尚未结束（当前状态：{STATUS_ZH[status.value]}）。")
    by_status = dict(
        session.execute(
            sa.select(Evaluation.status, sa.func.count())
            .where(Evaluation.engagement_id == engagement_id)
            .group_by(Evaluation.status)
        ).all()
    )
    if waiting := by_status.get(EvaluationStatus.SUBMITTED, 0):
        reasons.append(f"{waiting} 份测评记录已提交、尚待复核，未计入得分。")
    if returned := by_status.get(EvaluationStatus.RETURNED, 0):
        reasons.append(f"{returned} 份测评记录已退回修改，尚未重新提交。")
    open_visits = session.scalar(
        sa.select(sa.func.count())
        .select_from(Assignment)
        .where(
            Assignment.engagement_id == engagement_id,
            Assignment.status.in_(
                [
                    AssignmentStatus.ASSIGNED,
                    AssignmentStatus.IN_PROGRESS,
                    AssignmentStatus.SUBMITTED,
                ]
            ),
        )
    )
    if open_visits:
        reasons.append(f"{open_visits} 项神秘顾客暗访任务尚未完成。")
    if not scores["evaluations_counted"]:
        reasons.append("尚无通过复核并计入得分的测评。")
    else:
        measured = {row["site_id"] for row in scores["per_site"]}
        missing = [name for site_id, name in site_names.items() if site_id not in measured]
        if missing:
            reasons.append(f"以下抽样场所尚无计入得分的测评：{'、'.join(missing)}。")
        scored_modes = {row["mode"] for row in scores["per_mode"] if row["score"] is not None}
        lacking = [m for m in modes if m in SCORING_MODES and m not in scored_modes]
        if lacking:
            names = "、".join(f"{m}（{MODES[m][0]}）" for m in lacking)
            reasons.append(f"以下认证模式尚无计入得分的测评：{names}。")
    return reasons


def _scheme_version(scheme: dict[str, Any]) -> str:
    # The content hash pins the exact file every score was computed with.
    return f"{scheme['id']} 版本 {scheme['version']}（内容摘要 {scheme['content_hash'][:16]}）"


def engagement_report(
    session: Session, actor: Actor, engagement_id: uuid.UUID, *, now: datetime | None = None
) -> EngagementReport:
    """The report's data, for the staff who may read the engagement's scores.

    The staff who read the scores (``GET /api/engagements/<id>/scores``): team leaders and
    auditors on the team, reviewers who were not (else CONFLICT_OF_INTEREST, CQC rule §6.1,
    §6.2), without client users: the integrity flags are the reviewer's tools. The flags come
    from the evaluators' GPS tracks, so the read is logged as the integrity endpoint logs it.
    """
    # Need.EVALUATIONS: who reads the evaluations in full and their integrity flags (the
    # audit team, independent reviewers); the scores' Need.RESULTS adds client users.
    granted = require(session, actor, engagement_id, Need.EVALUATIONS)
    engagement = granted.engagement
    scores = engagement_scores(session, actor, engagement_id)
    organisation = session.get_one(Organisation, engagement.organisation_id)
    client = session.get_one(Client, engagement.client_id)
    sites = session.execute(
        sa.select(Site.id, Site.name, Site.address)
        .join(EngagementSite, EngagementSite.site_id == Site.id)
        .where(EngagementSite.engagement_id == engagement.id)
        .order_by(Site.name, Site.id)
    ).all()
    team = session.execute(
        sa.select(User.display_name, EngagementMember.team_role)
        .join(EngagementMember, EngagementMember.user_id == User.id)
        .where(EngagementMember.engagement_id == engagement.id)
    ).all()
    # The team leader first, then the auditors by name.
    team = sorted(team, key=lambda m: (m[1] is not TeamRole.LEADER, m[0]))
    counted_ids = [uuid.UUID(e["id"]) for e in scores["evaluations"] if e["source"] == "evaluation"]
    checks, flagged = _integrity(session, actor, counted_ids)
    if counted_ids:
        on_team = granted.standing in (Standing.LEADER, Standing.TEAM)
        access = Access.TEAM if on_team else Access.INDEPENDENT
        # The query and a count, not every id: the entry stays small (issue 13).
        log_query_read(
            session,
            actor,
            engagement.id,
            access,
            action="engagement.report_read",
            fields=("gps_fixes",),
            query={"counted_in_scores": True},
            count=len(counted_ids),
            reason=None,
            ip=None,
        )
        flush_as_stored(session)
    scheme = scores["scheme"]
    decision = next(
        (d for source in decision_sources if (d := source(session, engagement.id)) is not None),
        None,
    )
    return EngagementReport(
        organisation=organisation.name,
        letterhead=letterhead_for(session, organisation.id),
        engagement_id=str(engagement.id),
        title=engagement.title,
        kind=KIND_ZH[engagement.kind.value],
        status=STATUS_ZH[engagement.status.value],
        starts_on=engagement.starts_on,
        ends_on=engagement.ends_on,
        client=client.name,
        service_provider=client.service_provider or "",
        sites=[(name, address) for _, name, address in sites],
        team=[(name, TEAM_ROLE_ZH[role]) for name, role in team],
        modes=[f"{m} {MODES[m][0]}" if m in MODES else m for m in engagement.modes],
        scheme_title=scheme["title"]["zh"],
        scheme_version=_scheme_version(scheme),
        overall=scores["overall"]["score"],
        overall_explanation=scores["overall"]["explanation"]["zh"],
        evaluations_counted=scores["evaluations_counted"],
        accepted_evaluations=scores["accepted_evaluations"],
        survey_answers=scores["survey_answers"],
        per_characteristic=_rows(
            scores["per_characteristic"], lambda c: f"{c['code']} {c['title']['zh']}"
        ),
        per_mode=_rows(scores["per_mode"], lambda m: f"{m['mode']} {MODES[m['mode']][0]}"),
        per_site=_rows(scores["per_site"], lambda s: s["site_name"]),
        checks=checks,
        evaluations_checked=len(counted_ids),
        evaluations_flagged=flagged,
        provisional_reasons=_provisional_reasons(
            session,
            engagement.id,
            engagement.status,
            engagement.modes,
            scores,
            {site_id: name for site_id, name, _ in sites},
        ),
        decision=decision,
        generated_at=now or datetime.now(UTC),
    )


def _chart(svg: str) -> Markup:
    # charts.py escapes every text it draws: the SVG is safe to place as markup.
    return Markup(svg)  # noqa: S704


def render_engagement_report(report: EngagementReport) -> bytes:
    """The report as an A4 PDF in Chinese."""
    title = "服务认证测评报告" + ("（阶段性结果）" if report.provisional else "")
    radar = radar_svg(
        [Datum(r.label.split(" ", 1)[-1], r.score) for r in report.per_characteristic]
    )
    context = {
        "r": report,
        "radar": _chart(radar),
        "mode_chart": _chart(
            bar_svg([Datum(r.label, r.score, f"n={r.counted}") for r in report.per_mode])
        ),
        "site_chart": _chart(
            bar_svg([Datum(r.label, r.score, f"n={r.counted}") for r in report.per_site])
        ),
    }
    setup = PageSetup(
        title=title,
        organisation=report.organisation,
        letterhead=report.letterhead,
        reference=report.engagement_id[:8].upper(),
        generated_at=report.generated_at,
    )
    return render_pdf("engagement_report.html", context, setup)
