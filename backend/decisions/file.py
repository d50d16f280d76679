"""An engagement's file as the reviewer and the decision maker see it, and its checklist (§6.1).

The file is everything the certification decision rests on: the service scores of the accepted
evaluations and counted survey answers (§5.1.2), the team's on-site record (management level
(Annex 3) or clause conformity (§5.2.3), the timing check tables), the nonconformities, the
integrity flags of the counted visits and the survey callbacks. The scoring core scores it all in
one run and picks the scheme's decision row (§5.3), so review, decision and certificate use the
same numbers. Each part becomes one checklist line saying what is there and what is missing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.engagements.models import Engagement
from backend.evaluations import integrity
from backend.evaluations.content import load_scheme_version
from backend.evaluations.ratings import scoring_ratings
from backend.evaluations.scores import other_measurements
from backend.evaluations.views import accepted_versions
from backend.onsite.inputs import ON_SITE_SECTIONS, accepted_sections
from backend.scoring import Scheme, parse_input
from backend.scoring.engine import ScoreResult, score
from backend.scoring.numbers import to_float
from backend.scoring.render import explanation_json
from backend.surveys.models import CallbackOutcome, SurveyCampaign, SurveyResponse

#: The checklist's lines, in the order the reviewer reads them.
CHECKLIST_KEYS = (
    "scores",
    "management",
    "conformity",
    "timing",
    "nonconformities",
    "integrity",
    "callbacks",
)
TITLES: dict[str, tuple[str, str]] = {
    "scores": ("服务特性测评得分", "Service scores"),
    "management": ("管理要求等级", "Management level"),
    "conformity": ("条款符合性判定", "Clause conformity"),
    "timing": ("时效检查表", "Timing check tables"),
    "nonconformities": ("不符合项", "Nonconformities"),
    "integrity": ("完整性检查标记", "Integrity flags"),
    "callbacks": ("顾客调查回访", "Survey callbacks"),
}


@dataclass
class Line:
    """One checklist line: whether it applies to the scheme, whether the file is complete there."""

    key: str
    applies: bool
    complete: bool
    zh: str
    en: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        title = TITLES[self.key]
        return {
            "key": self.key,
            "title": {"zh": title[0], "en": title[1]},
            "applies": self.applies,
            "complete": self.complete,
            "summary": {"zh": self.zh, "en": self.en},
            "numbers": self.numbers,
        }


@dataclass
class EngagementFile:
    engagement: Engagement
    scheme: Scheme
    result: ScoreResult
    lines: list[Line]
    on_site: dict[str, Any] | None

    @property
    def missing(self) -> list[str]:
        return [line.key for line in self.lines if line.applies and not line.complete]

    def characteristic_scores(self) -> dict[str, float | None]:
        """Characteristic code → score (two decimals), in the scheme's order (the radar chart)."""
        service = self.result.service
        model = self.scheme.service
        if model is None:
            return {}
        found = service.characteristics if service is not None else {}
        return {
            ch.code: (round(to_float(found[ch.code]) or 0.0, 2) if ch.code in found else None)
            for ch in model.characteristics
        }

    def characteristic_titles(self) -> dict[str, str]:
        model = self.scheme.service
        return {ch.code: ch.title.zh for ch in model.characteristics} if model else {}

    def decision_json(self) -> dict[str, Any] | None:
        decision = self.result.decision
        if decision is None:
            return None
        return {
            "outcome": decision.outcome,
            "row": decision.row,
            "grade": {"zh": decision.grade.zh, "en": decision.grade.en} if decision.grade else None,
            "explanation": explanation_json(decision.explanation),
        }


def on_site_data(session: Session, engagement_id: uuid.UUID) -> dict[str, Any] | None:
    """The on-site sections the file is scored with: those of the accepted on-site records
    (``backend/onsite``, the field app's management and conformity audits) where there are any,
    else the interim per-engagement record's."""
    from backend.decisions.models import OnSiteRecord

    record = session.get(OnSiteRecord, engagement_id)
    data = dict(record.data) if record is not None else {}
    found = accepted_sections(session, engagement_id)
    data.update({key: found[key] for key in ON_SITE_SECTIONS if key in found})
    return data or None


def build_file(
    session: Session, engagement: Engagement, organisation_id: uuid.UUID
) -> EngagementFile:
    """Score the whole file with the engagement's pinned scheme and make the checklist."""
    scheme = load_scheme_version(session, engagement.scheme_version_id)
    rows = accepted_versions(session, engagement.id)
    pooled = other_measurements(session, engagement.id)
    evaluations = [
        {"id": str(ev.id), "mode": ev.mode, "ratings": scoring_ratings(version.ratings)}
        for ev, version in rows
    ] + [{"id": m.id, "mode": m.mode, "ratings": m.ratings} for m in pooled]
    on_site = on_site_data(session, engagement.id)
    data: dict[str, Any] = {"evaluations": evaluations} if scheme.service is not None else {}
    for key in ("management", "conformity", "timing"):
        if on_site and key in on_site:
            data[key] = on_site[key]
    # Every part was validated against this scheme when it was written.
    result = score(scheme, parse_input(data, scheme))
    lines = [
        _scores_line(scheme, result, len(rows), len(pooled)),
        _management_line(scheme, result),
        _conformity_line(scheme, result),
        _timing_line(scheme, result, on_site),
        _nonconformity_line(session, engagement.id, result),
        _integrity_line(session, [ev for ev, _ in rows], organisation_id),
        _callback_line(session, engagement.id),
    ]
    return EngagementFile(engagement, scheme, result, lines, on_site)


def _scores_line(scheme: Scheme, result: ScoreResult, accepted: int, pooled: int) -> Line:
    if scheme.service is None:
        return Line(
            "scores", False, True, "本方案无服务特性测评。", "The scheme has no service score."
        )
    service = result.service
    value = to_float(service.score) if service is not None else None
    numbers = {"service_score": value, "accepted_evaluations": accepted, "survey_answers": pooled}
    if value is None:
        return Line(
            "scores",
            True,
            False,
            "尚无通过审核的测评，无服务得分。",
            "No accepted evaluation yet: no service score.",
            numbers,
        )
    return Line(
        "scores",
        True,
        True,
        f"服务得分 {value:.2f}（{accepted} 次通过审核的测评，{pooled} 份计入的顾客调查）。",
        f"Service score {value:.2f} ({accepted} accepted evaluations, {pooled} counted "
        "survey answers).",
        numbers,
    )


def _management_line(scheme: Scheme, result: ScoreResult) -> Line:
    if scheme.management is None:
        return Line("management", False, True, "本方案无管理要求评价。", "No management model.")
    m = result.management
    if m is None or m.total is None:
        return Line(
            "management",
            True,
            False,
            "现场审查记录中尚无管理要求评价。",
            "The on-site record has no management ratings yet.",
            {"missing": list(scheme.management.clauses)},
        )
    numbers = {"level": m.level, "total": to_float(m.total), "missing": list(m.missing)}
    if m.missing:
        return Line(
            "management",
            True,
            False,
            f"管理要求尚有 {len(m.missing)} 个条款未评价：{'、'.join(m.missing)}。",
            f"{len(m.missing)} management clause(s) not rated: {', '.join(m.missing)}.",
            numbers,
        )
    return Line(
        "management",
        True,
        True,
        f"管理要求得分 {to_float(m.total):.2f}，等级 {m.level}。",
        f"Management total {to_float(m.total):.2f}, level {m.level}.",
        numbers,
    )


def _conformity_line(scheme: Scheme, result: ScoreResult) -> Line:
    if scheme.conformity is None:
        return Line("conformity", False, True, "本方案无条款符合性判定。", "No conformity model.")
    c = result.conformity
    if c is None or c.final is None:
        return Line(
            "conformity",
            True,
            False,
            "现场审查记录中尚无条款判定。",
            "The on-site record has no clause judgements yet.",
        )
    numbers = {
        "final": to_float(c.final),
        "passed": c.passed,
        "unjudged": list(c.unjudged),
    }
    if c.unjudged:
        return Line(
            "conformity",
            True,
            False,
            f"条款 {'、'.join(c.unjudged)} 尚未判定。",
            f"Clause(s) {', '.join(c.unjudged)} not judged yet.",
            numbers,
        )
    verdict = ("通过", "passed") if c.passed else ("未通过", "not passed")
    return Line(
        "conformity",
        True,
        True,
        f"最终得分 {to_float(c.final):.2f}，现场审查{verdict[0]}。",
        f"Final score {to_float(c.final):.2f}: the on-site audit {verdict[1]}.",
        numbers,
    )


def _timing_line(scheme: Scheme, result: ScoreResult, on_site: dict[str, Any] | None) -> Line:
    if scheme.timing is None:
        return Line("timing", False, True, "本方案无时效检查表。", "No timing check tables.")
    rows = len(result.timing)
    conforming = sum(1 for r in result.timing if r.conforms)
    if rows == 0:
        return Line(
            "timing",
            True,
            False,
            "现场审查记录中尚无时效检查记录。",
            "The on-site record has no timing checks yet.",
        )
    return Line(
        "timing",
        True,
        True,
        f"时效检查 {rows} 条，其中 {conforming} 条符合时限。",
        f"{rows} timing checks, {conforming} within the limit.",
        {"rows": rows, "conforming": conforming},
    )


def _nonconformity_line(session: Session, engagement_id: uuid.UUID, result: ScoreResult) -> Line:
    """The nonconformity records (backend/nonconformities): open ones block the file, closed
    ones are fine (§5.2.3.1: 限期整改，审查组确认); one whose latest deadline passed says what
    followed (audit failed, §5.2.3.1, or certificate suspended, §7.4 b). A clause judged 不符合
    in the on-site record without a record blocks too (应开具不符合项)."""
    from backend.nonconformities.models import Nonconformity, Stage

    records = session.scalars(
        sa.select(Nonconformity)
        .where(Nonconformity.engagement_id == engagement_id)
        .order_by(Nonconformity.number)
    ).all()
    c = result.conformity
    judged = list(c.nonconformities) if c is not None and c.final is not None else []
    unrecorded = [clause for clause in judged if clause not in {r.clause for r in records}]
    closed = [r for r in records if r.stage == Stage.CLOSED.value]
    failed = [r for r in records if r.consequence == "audit_failed"]
    pending = [r for r in records if r.stage != Stage.CLOSED.value and r not in failed]
    numbers = {
        "total": len(records),
        "open": [f"{r.number}:{r.clause}" for r in pending],
        "closed": [f"{r.number}:{r.clause}" for r in closed],
        "audit_failed": [f"{r.number}:{r.clause}" for r in failed],
        "suspended": [
            f"{r.number}:{r.clause}" for r in records if r.consequence == "certificate_suspended"
        ],
        "judged_without_record": unrecorded,
    }
    if not records and not unrecorded:
        return Line(
            "nonconformities", True, True, "无不符合项记录。", "No nonconformity records.", numbers
        )
    zh = [f"不符合项 {len(records)} 项，已验证关闭 {len(closed)} 项"]
    en = [f"{len(records)} nonconformities, {len(closed)} verified and closed"]
    if pending:
        zh.append(f"尚未整改关闭：{'、'.join(f'{r.number}（{r.clause}）' for r in pending)}")
        en.append("not yet closed: " + ", ".join(f"{r.number} ({r.clause})" for r in pending))
    if failed:
        zh.append(
            f"{'、'.join(str(r.number) for r in failed)} 限期未完成整改，现场审查不通过（§5.2.3.1）"
        )
        en.append(
            f"{', '.join(str(r.number) for r in failed)} not rectified in time: the on-site "
            "audit failed (§5.2.3.1)"
        )
    if unrecorded:
        zh.append(f"条款 {'、'.join(unrecorded)} 判定为不符合，尚未开具不符合项")
        en.append(f"clause(s) {', '.join(unrecorded)} judged nonconforming without a record")
    return Line(
        "nonconformities",
        True,
        not pending and not unrecorded,
        "；".join(zh) + "。",
        "; ".join(en) + ".",
        numbers,
    )


def _integrity_line(session: Session, evaluations: list[Any], organisation_id: uuid.UUID) -> Line:
    flagged = 0
    alerts = 0
    for evaluation in evaluations:
        results = integrity.run_checks(integrity.load_input(session, evaluation, organisation_id))
        flags = [f for r in results for f in r.flags]
        flagged += bool(flags)
        alerts += sum(1 for f in flags if f.severity == "alert")
    return Line(
        "integrity",
        True,
        True,
        f"{len(evaluations)} 次计入的测评中 {flagged} 次有完整性标记（警示 {alerts} 条）。",
        f"{flagged} of {len(evaluations)} counted evaluations carry integrity flags "
        f"({alerts} alerts).",
        {"evaluations": len(evaluations), "flagged": flagged, "alerts": alerts},
    )


def _callback_line(session: Session, engagement_id: uuid.UUID) -> Line:
    rows = session.execute(
        sa.select(SurveyResponse.callback_outcome, sa.func.count())
        .join(SurveyCampaign, SurveyCampaign.id == SurveyResponse.campaign_id)
        .where(
            SurveyCampaign.engagement_id == engagement_id,
            SurveyResponse.callback_outcome.is_not(None),
        )
        .group_by(SurveyResponse.callback_outcome)
    ).all()
    counts = {outcome.value: n for outcome, n in rows if outcome is not None}
    drawn = sum(counts.values())
    pending = counts.get(CallbackOutcome.PENDING.value, 0)
    numbers = {"drawn": drawn, **{o.value: counts.get(o.value, 0) for o in CallbackOutcome}}
    if drawn == 0:
        return Line(
            "callbacks", True, True, "无抽取回访的顾客调查。", "No callbacks drawn.", numbers
        )
    return Line(
        "callbacks",
        True,
        pending == 0,
        f"抽取回访 {drawn} 份：确认 {numbers['confirmed']}，未接通 {numbers['not_reached']}，"
        f"否认 {numbers['denied']}，待回访 {pending}。",
        f"{drawn} callbacks drawn: {numbers['confirmed']} confirmed, {numbers['not_reached']} not "
        f"reached, {numbers['denied']} denied, {pending} still to call.",
        numbers,
    )
