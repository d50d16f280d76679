"""A campaign's analysis, per site and overall, and its CSV and XLSX exports.

§5.1.2: the survey's score is the **mean of the per-respondent scores**, each computed by the
scoring core as Σ points × α ÷ Σ points of the items the respondent rated × 100 (§5.1.1 1));
"not applicable" answers leave both sums. Only counted answers enter it: a flagged answer counts
only when an auditor included it with a reason, an answer denied at callback never does.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.errors import ValidationFailed
from backend.evaluations.scores import Measurement
from backend.scoring import InputError, Scheme, parse_input
from backend.scoring.engine import score_service
from backend.scoring.numbers import to_float
from backend.scoring.render import exact_str, explanation_json
from backend.scoring.scheme import ServiceModel
from backend.surveys import logic
from backend.surveys.access import Need, campaign_for
from backend.surveys.campaigns import scheme_of
from backend.surveys.models import Channel, SurveyCampaign, SurveyResponse, SurveySite
from backend.surveys.reads import exclusion
from backend.users.models import Role

#: An item whose mean experience coefficient is below this (× 100) is flagged for extra
#: sampling (seed 003: "low-scoring items may trigger extra samples"). Level 3, "meets
#: expectation", counts as 0.6 (the scheme's level_alpha), so below 60 means customers found it
#: below expectation on average.
LOW_ITEM_THRESHOLD = 60
LEVELS = (1, 2, 3, 4, 5)


def _value(value: Fraction | None) -> dict[str, Any]:
    return {"score": to_float(value), "exact": exact_str(value)}


def _score(
    scheme: Scheme, model: ServiceModel, responses: Sequence[SurveyResponse]
) -> dict[str, Any]:
    """The mean of per-respondent scores through the scoring core (mode E)."""
    data = {"evaluations": [logic.evaluation_input(str(r.id), r.answers) for r in responses]}
    try:
        parsed = parse_input(data, scheme).evaluations
    except InputError as exc:
        # The scheme weights modes without E, or items changed: say so instead of guessing.
        raise ValidationFailed(details={exc.path: [exc.message]}) from exc
    result = score_service(model, parsed)
    return {
        **_value(result.score),
        "counted": result.counted,
        "method": "mean_of_evaluations",
        "explanation": explanation_json(result.explanation),
        "per_respondent": {r.id: to_float(r.score) for r in result.evaluations},
    }


def _distribution(responses: Iterable[SurveyResponse], item: str) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for r in responses:
        value = r.answers.get(item)
        if value is not None:
            counts[str(value)] += 1
    return {**{str(level): counts[str(level)] for level in LEVELS}, logic.NA: counts[logic.NA]}


def _item_score(scheme: Scheme, item: str, dist: Mapping[str, int]) -> float | None:
    """Mean α of the rated answers × 100 (the level's α as the scheme counts a bare level)."""
    if scheme.service is None:
        return None
    scale = scheme.service.items[item].scale
    total = Fraction(0)
    n = 0
    for level in LEVELS:
        band = scale.band_for_level(level)
        if band is None or not dist[str(level)]:
            continue
        total += band.level_alpha * dist[str(level)]
        n += dist[str(level)]
    return to_float(total / n * 100) if n else None


def campaign_analysis(session: Session, actor: Actor, campaign_id: uuid.UUID) -> dict[str, Any]:
    campaign, engagement = campaign_for(session, actor, campaign_id, Need.ANALYSIS)
    scheme = scheme_of(session, engagement)
    if scheme.service is None:
        raise ValidationFailed(details={"scheme": [f"{scheme.id} has no service items"]})
    responses = list(
        session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign.id)
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
        )
    )
    return analyse(session, campaign, scheme, responses, client_view=actor.role is Role.CLIENT_USER)


def analyse(
    session: Session,
    campaign: SurveyCampaign,
    scheme: Scheme,
    responses: Sequence[SurveyResponse],
    *,
    client_view: bool = False,
) -> dict[str, Any]:
    model = scheme.service
    if model is None:
        raise ValidationFailed(details={"scheme": [f"{scheme.id} has no service items"]})
    names = dict(
        session.execute(
            sa.select(Site.id, Site.name).where(Site.id.in_([s.site_id for s in campaign.sites]))
        ).all()
    )
    counted = [r for r in responses if exclusion(r) is None]
    excluded = Counter(reason for r in responses if (reason := exclusion(r)) is not None)
    by_site: dict[uuid.UUID, list[SurveyResponse]] = defaultdict(list)
    for r in responses:
        by_site[r.survey_site_id].append(r)

    def block(rs: Sequence[SurveyResponse], target: int | None) -> dict[str, Any]:
        use = [r for r in rs if exclusion(r) is None]
        online = [r for r in use if r.channel is Channel.ONLINE]
        offline = [r for r in use if r.channel is Channel.OFFLINE]
        overall = _score(scheme, model, use)
        per_respondent = overall.pop("per_respondent")
        out: dict[str, Any] = {
            "responses": len(rs),
            "counted": len(use),
            "excluded": dict(Counter(x for r in rs if (x := exclusion(r)) is not None)),
            "flagged": sum(1 for r in rs if r.flags),
            "flags": dict(Counter(f["flag"] for r in rs for f in r.flags)),
            "target": target,
            "target_met": None if target is None else len(use) >= target,
            "margin_of_error": round(logic.margin_of_error(len(use)), 4) if use else None,
            "score": overall,
            "channels": {
                Channel.ONLINE.value: {
                    "counted": len(online),
                    **_brief(_score(scheme, model, online)),
                },
                Channel.OFFLINE.value: {
                    "counted": len(offline),
                    **_brief(_score(scheme, model, offline)),
                },
            },
            "questions": _questions(scheme, campaign, use),
        }
        if not client_view:
            out["per_respondent"] = per_respondent
        return out

    sites = []
    for entry in campaign.sites:
        sites.append(
            {
                "site_id": entry.site_id,
                "site_name": names.get(entry.site_id, ""),
                "code": entry.code,
                **block(by_site.get(entry.id, []), entry.target),
            }
        )
    overall = block(responses, sum(s.target for s in campaign.sites))
    low = [q for q in overall["questions"] if q["low"]]
    latest: list[dict[str, Any]] = []
    if not client_view:
        codes = {s.id: s.site_id for s in campaign.sites}
        scores = overall["per_respondent"]
        for r in sorted(responses, key=lambda r: (r.received_at, str(r.id)), reverse=True)[:50]:
            latest.append(
                {
                    "id": r.id,
                    "received_at": r.received_at,
                    "site_name": names.get(codes[r.survey_site_id], ""),
                    "channel": r.channel.value,
                    "flags": [f["flag"] for f in r.flags],
                    "excluded_because": exclusion(r),
                    "score": scores.get(str(r.id)),
                }
            )
    return {
        "campaign_id": campaign.id,
        "title": campaign.title,
        "scheme": {"id": scheme.id, "version": scheme.version, "content_hash": scheme.content_hash},
        "mode": logic.SURVEY_MODE,
        "low_item_threshold": LOW_ITEM_THRESHOLD,
        "overall": overall,
        "sites": sites,
        "low_items": [
            {"item": q["item"], "zh": q["zh"], "en": q["en"], "score": q["score"]} for q in low
        ],
        "excluded": dict(excluded),
        "responses_counted": len(counted),
        #: The 50 latest answers (staff only): what just came in, and why it does not count.
        "latest": latest,
    }


def _brief(score: dict[str, Any]) -> dict[str, Any]:
    return {"score": score["score"], "exact": score["exact"]}


def _questions(
    scheme: Scheme, campaign: SurveyCampaign, responses: Sequence[SurveyResponse]
) -> list[dict[str, Any]]:
    out = []
    for q in campaign.questions:
        dist = _distribution(responses, q["item"])
        item_score = _item_score(scheme, q["item"], dist)
        out.append(
            {
                "item": q["item"],
                "zh": q["zh"],
                "en": q.get("en", ""),
                "distribution": dist,
                "rated": sum(dist[str(level)] for level in LEVELS),
                "score": item_score,
                "low": item_score is not None and item_score < LOW_ITEM_THRESHOLD,
            }
        )
    return out


def counted_evaluations(session: Session, engagement_id: uuid.UUID) -> list[Measurement]:
    """The engagement's counted survey answers as measurements of mode E (§5.1.2).

    Pooled with the engagement's accepted evaluations in its scores (registered in
    ``backend.evaluations.scores.measurement_sources`` by ``setup.init_surveys``): each
    respondent is one person in the mean, as DOMAIN.md pools every mode with equal weight
    unless the scheme weights modes. Flagged answers not included by an auditor, and answers a
    callback denied, do not count (``exclusion``).
    """
    rows = session.execute(
        sa.select(SurveyResponse, SurveySite.site_id)
        .join(SurveyCampaign, SurveyCampaign.id == SurveyResponse.campaign_id)
        .join(SurveySite, SurveySite.id == SurveyResponse.survey_site_id)
        .where(SurveyCampaign.engagement_id == engagement_id)
        .order_by(SurveyResponse.received_at, SurveyResponse.id)
    ).all()
    out: list[Measurement] = []
    for response, site_id in rows:
        if exclusion(response) is not None:
            continue
        data = logic.evaluation_input(str(response.id), response.answers)
        out.append(
            Measurement(
                id=data["id"],
                site_id=site_id,
                mode=data["mode"],
                ratings=data["ratings"],
                source="survey_answer",
            )
        )
    return out


# --------------------------------------------------------------------------- exports


def _safe(value: Any) -> Any:
    """Spreadsheet formula injection: text from the public starting with = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_rows(
    session: Session, actor: Actor, campaign_id: uuid.UUID
) -> tuple[SurveyCampaign, list[str], list[list[Any]], dict[str, Any]]:
    """One row per response: never a contact number or an address (hashes stay inside)."""
    campaign, engagement = campaign_for(session, actor, campaign_id, Need.RESPONSES)
    scheme = scheme_of(session, engagement)
    if scheme.service is None:
        raise ValidationFailed(details={"scheme": [f"{scheme.id} has no service items"]})
    responses = list(
        session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign.id)
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
        )
    )
    result = analyse(session, campaign, scheme, responses)
    scores = result["overall"]["per_respondent"]
    names = {s["code"]: s["site_name"] for s in result["sites"]}
    codes = {s.id: s.code for s in campaign.sites}
    items = [q["item"] for q in campaign.questions]
    header = [
        "response_id",
        "site",
        "channel",
        "received_at",
        "counted",
        "excluded_because",
        "flags",
        "included_reason",
        "callback",
        "score",
        *[f"q{item}" for item in items],
        "comment",
    ]
    rows = []
    for r in responses:
        reason = exclusion(r)
        rows.append(
            [
                str(r.id),
                names.get(codes[r.survey_site_id], ""),
                r.channel.value,
                r.received_at.isoformat(),
                "yes" if reason is None else "no",
                reason or "",
                ",".join(f["flag"] for f in r.flags),
                r.included_reason or "",
                r.callback_outcome.value if r.callback_outcome else "",
                scores.get(str(r.id), "") if reason is None else "",
                *[r.answers.get(item, "") for item in items],
                r.comment,
            ]
        )
    return campaign, header, rows, result


def export_csv(session: Session, actor: Actor, campaign_id: uuid.UUID) -> bytes:
    _, header, rows, _ = export_rows(session, actor, campaign_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_safe(v) for v in row])
    # UTF-8 with BOM: Excel on Chinese Windows opens it as UTF-8, not GBK.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_xlsx(session: Session, actor: Actor, campaign_id: uuid.UUID) -> bytes:
    from openpyxl import Workbook  # type: ignore[import-untyped]

    _, header, rows, result = export_rows(session, actor, campaign_id)
    book = Workbook()
    summary = book.create_sheet("汇总", 0)
    for sheet in list(book.worksheets[1:]):
        book.remove(sheet)
    summary.append(
        ["site", "responses", "counted", "target", "score", "online", "offline", "margin_of_error"]
    )
    for site in [*result["sites"], {"site_name": "全部 overall", **result["overall"]}]:
        summary.append(
            [
                _safe(site["site_name"]),
                site["responses"],
                site["counted"],
                site["target"],
                site["score"]["score"],
                site["channels"]["online"]["score"],
                site["channels"]["offline"]["score"],
                site["margin_of_error"],
            ]
        )
    questions = book.create_sheet("题目")
    questions.append(["item", "question", "1", "2", "3", "4", "5", "na", "score", "low"])
    for q in result["overall"]["questions"]:
        d = q["distribution"]
        questions.append(
            [
                q["item"],
                _safe(q["zh"]),
                *[d[str(level)] for level in LEVELS],
                d["na"],
                q["score"],
                q["low"],
            ]
        )
    answers = book.create_sheet("答卷")
    answers.append(header)
    for row in rows:
        answers.append([_safe(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
