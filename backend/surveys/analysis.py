"""A campaign's analysis, per site and overall (its exports: ``exports.py``).

§5.1.2: the survey's score is the **mean of the per-respondent scores**, each computed by the
scoring core as Σ points × α ÷ Σ points of the items the respondent rated × 100 (§5.1.1 1));
"not applicable" answers leave both sums. Only counted answers enter it: a flagged answer counts
only when an auditor included it with a reason, an answer denied at callback never does.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.clients.models import Site
from backend.errors import ValidationFailed
from backend.evaluations.scores import Measurement
from backend.scoring import InputError, Scheme, parse_input
from backend.scoring.engine import score_service
from backend.scoring.numbers import to_float
from backend.scoring.render import exact_str, explanation_json
from backend.scoring.scheme import ServiceModel
from backend.surveys import logic, tallies
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


def campaign_analysis(
    session: Session, actor: Actor, campaign_id: uuid.UUID, *, per_respondent: bool = True
) -> dict[str, Any]:
    """The campaign's analysis, summed by the database from each answer's stored sums.

    ``per_respondent``: include every counted answer's score per block (staff only; the one
    part of the answer that grows with the answers: the page does without it).
    """
    campaign, engagement = campaign_for(session, actor, campaign_id, Need.ANALYSIS)
    scheme = scheme_of(session, engagement)
    if scheme.service is None:
        raise ValidationFailed(details={"scheme": [f"{scheme.id} has no service items"]})
    client_view = actor.role is Role.CLIENT_USER
    scale = tallies.scale_of(scheme)
    if tallies.ensure_scored(session, campaign.id, scale):
        return analyse_stored(
            session,
            campaign,
            scheme,
            scale,
            client_view=client_view,
            per_respondent=per_respondent,
        )
    # An answer the scheme cannot score as a plain level: the scoring core says why.
    return analyse(
        session, campaign, scheme, _all_responses(session, campaign.id), client_view=client_view
    )


def _all_responses(session: Session, campaign_id: uuid.UUID) -> list[SurveyResponse]:
    return list(
        session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign_id)
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
        )
    )


def analyse_stored(
    session: Session,
    campaign: SurveyCampaign,
    scheme: Scheme,
    scale: tallies.AnswerScale,
    *,
    client_view: bool = False,
    per_respondent: bool = True,
) -> dict[str, Any]:
    """``analyse`` from the answers' stored sums: a few aggregate queries, no answer loaded.

    The same result as ``analyse`` over every answer (tests/surveys/test_tallies.py compares
    them on random answers): the means are exact Fractions summed per possible points.
    """
    model = scheme.service
    if model is None:
        raise ValidationFailed(details={"scheme": [f"{scheme.id} has no service items"]})
    names = _site_names(session, campaign)
    items = [q["item"] for q in campaign.questions]
    want_scores = per_respondent and not client_view
    t = tallies.tallies(session, campaign.id, scale, items, per_respondent=want_scores)
    by_site: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for g in t.groups:
        by_site[g.site].append(g)

    def block(
        groups: Sequence[Any],
        target: int | None,
        dist: Mapping[str, Counter[str]],
        first: Sequence[Fraction | None],
        scores: dict[str, float | None] | None,
    ) -> dict[str, Any]:
        use = [g for g in groups if g.excluded is None]
        counted = sum(g.count for g in use)
        excluded: Counter[str] = Counter()
        flags: Counter[str] = Counter()
        for g in groups:
            if g.excluded is not None:
                excluded[g.excluded] += g.count
            for name in g.flags.split(",") if g.flags else ():
                flags[name] += g.count
        channels = {}
        for channel in (Channel.ONLINE, Channel.OFFLINE):
            part = [g for g in use if g.channel is channel]
            channels[channel.value] = (
                sum(g.count for g in part),
                tallies.score_block(model, scale, part, []),
            )
        out = _block_answer(
            responses=sum(g.count for g in groups),
            counted=counted,
            excluded=excluded,
            flagged=sum(g.count for g in groups if g.flags),
            flags=flags,
            target=target,
            score=tallies.score_block(model, scale, use, first),
            channels=channels,
            questions=_questions_from(scheme, campaign, dist),
        )
        if scores is not None:
            out["per_respondent"] = scores
        return out

    site_scores = t.per_respondent_by_site or {}
    sites = []
    for entry in campaign.sites:
        sites.append(
            {
                "site_id": entry.site_id,
                "site_name": names.get(entry.site_id, ""),
                "code": entry.code,
                **block(
                    by_site.get(entry.id, []),
                    entry.target,
                    t.distributions.get(entry.id, {}),
                    t.first_by_site.get(entry.id, []),
                    site_scores.get(entry.id, {}) if want_scores else None,
                ),
            }
        )
    merged: dict[str, Counter[str]] = defaultdict(Counter)
    for per_item in t.distributions.values():
        for item, counts in per_item.items():
            merged[item].update(counts)
    overall = block(
        t.groups, sum(s.target for s in campaign.sites), merged, t.first_overall, t.per_respondent
    )
    latest: list[dict[str, Any]] = []
    if not client_view:
        codes = {s.id: s.site_id for s in campaign.sites}
        for (
            rid,
            received,
            site,
            channel,
            flag_text,
            callback,
            included,
            earned,
            possible,
        ) in tallies.latest(session, campaign.id, scale):
            reason = tallies.exclusion_of(callback, flag_text or "", bool(included))
            latest.append(
                {
                    "id": rid,
                    "received_at": received,
                    "site_name": names.get(codes[site], ""),
                    "channel": channel.value,
                    "flags": flag_text.split(",") if flag_text else [],
                    "excluded_because": reason,
                    "score": None if reason else to_float(scale.score(earned, possible)),
                }
            )
    excluded_all: Counter[str] = Counter()
    for g in t.groups:
        if g.excluded is not None:
            excluded_all[g.excluded] += g.count
    return _analysis_answer(campaign, scheme, overall, sites, excluded_all, latest)


def _questions_from(
    scheme: Scheme, campaign: SurveyCampaign, dist: Mapping[str, Counter[str]]
) -> list[dict[str, Any]]:
    out = []
    for q in campaign.questions:
        counts = dist.get(q["item"], Counter())
        full = {**{str(level): counts[str(level)] for level in LEVELS}, logic.NA: counts[logic.NA]}
        out.append(_question(scheme, q, full))
    return out


def _question(scheme: Scheme, q: Mapping[str, Any], dist: dict[str, int]) -> dict[str, Any]:
    item_score = _item_score(scheme, q["item"], dist)
    return {
        "item": q["item"],
        "zh": q["zh"],
        "en": q.get("en", ""),
        "distribution": dist,
        "rated": sum(dist[str(level)] for level in LEVELS),
        "score": item_score,
        "low": item_score is not None and item_score < LOW_ITEM_THRESHOLD,
    }


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
    names = _site_names(session, campaign)
    excluded = Counter(reason for r in responses if (reason := exclusion(r)) is not None)
    by_site: dict[uuid.UUID, list[SurveyResponse]] = defaultdict(list)
    for r in responses:
        by_site[r.survey_site_id].append(r)

    def block(rs: Sequence[SurveyResponse], target: int | None) -> dict[str, Any]:
        use = [r for r in rs if exclusion(r) is None]
        overall = _score(scheme, model, use)
        per_respondent = overall.pop("per_respondent")
        out = _block_answer(
            responses=len(rs),
            counted=len(use),
            excluded=Counter(x for r in rs if (x := exclusion(r)) is not None),
            flagged=sum(1 for r in rs if r.flags),
            flags=Counter(f["flag"] for r in rs for f in r.flags),
            target=target,
            score=overall,
            channels={
                channel.value: (len(part), _score(scheme, model, part))
                for channel in (Channel.ONLINE, Channel.OFFLINE)
                for part in [[r for r in use if r.channel is channel]]
            },
            questions=_questions(scheme, campaign, use),
        )
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
    return _analysis_answer(campaign, scheme, overall, sites, excluded, latest)


def _site_names(session: Session, campaign: SurveyCampaign) -> dict[uuid.UUID, str]:
    return dict(
        session.execute(
            sa.select(Site.id, Site.name).where(Site.id.in_([s.site_id for s in campaign.sites]))
        ).all()
    )


def _block_answer(
    *,
    responses: int,
    counted: int,
    excluded: Mapping[str, int],
    flagged: int,
    flags: Mapping[str, int],
    target: int | None,
    score: dict[str, Any],
    channels: Mapping[str, tuple[int, dict[str, Any]]],
    questions: list[dict[str, Any]],
) -> dict[str, Any]:
    """One block of the analysis (a site, or the whole campaign), whichever way it was summed."""
    return {
        "responses": responses,
        "counted": counted,
        "excluded": dict(excluded),
        "flagged": flagged,
        "flags": dict(flags),
        "target": target,
        "target_met": None if target is None else counted >= target,
        "margin_of_error": round(logic.margin_of_error(counted), 4) if counted else None,
        "score": score,
        "channels": {name: {"counted": n, **_brief(part)} for name, (n, part) in channels.items()},
        "questions": questions,
    }


def _analysis_answer(
    campaign: SurveyCampaign,
    scheme: Scheme,
    overall: dict[str, Any],
    sites: list[dict[str, Any]],
    excluded: Mapping[str, int],
    latest: list[dict[str, Any]],
) -> dict[str, Any]:
    """The whole analysis around its blocks, whichever way they were summed."""
    low = [q for q in overall["questions"] if q["low"]]
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
        "responses_counted": overall["counted"],
        #: The 50 latest answers (staff only): what just came in, and why it does not count.
        "latest": latest,
    }


def _brief(score: dict[str, Any]) -> dict[str, Any]:
    return {"score": score["score"], "exact": score["exact"]}


def _questions(
    scheme: Scheme, campaign: SurveyCampaign, responses: Sequence[SurveyResponse]
) -> list[dict[str, Any]]:
    return [_question(scheme, q, _distribution(responses, q["item"])) for q in campaign.questions]


def counted_evaluations(session: Session, engagement_id: uuid.UUID) -> list[Measurement]:
    """The engagement's counted survey answers as measurements of mode E (§5.1.2).

    Pooled with the engagement's accepted evaluations in its scores (the answer to
    ``backend.evaluations.signals.measurements_wanted``, ``backend.surveys.receivers``): each
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
