"""A campaign's answers as CSV and XLSX, streamed in flat memory (issue 13).

One row per answer, never a contact number or an address (hashes stay inside). The rows are read
from a server-side cursor (``yield_per``: PostgreSQL streams them, nothing holds every answer)
with each answer's score from its stored sums (``tallies``): no answer is scored again. The CSV
is sent as it is written; the XLSX is written by openpyxl in write-only mode (rows go to a
temporary file as they come), either for ``GET …/export.xlsx`` or by the background job
``surveys.export`` that stores it for download (``backend/jobs/files.py``) and reports its
progress.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.errors import ValidationFailed
from backend.jobs import files
from backend.scoring.numbers import to_float
from backend.surveys import analysis, tallies
from backend.surveys.access import Need, campaign_for
from backend.surveys.campaigns import scheme_of
from backend.surveys.models import SurveyCampaign, SurveyResponse

#: Rows fetched per round trip from the server-side cursor, and between progress reports.
BATCH = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe(value: Any) -> Any:
    """Spreadsheet formula injection: text from the public starting with = + - @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dataclass(frozen=True)
class Plan:
    """What an export needs besides the rows: the summary, names, columns, how many rows."""

    campaign_id: uuid.UUID
    header: list[str]
    items: list[str]
    site_names: Mapping[uuid.UUID, str]
    scale: tallies.AnswerScale
    #: The analysis without per-answer scores: the XLSX's summary and question sheets.
    result: dict[str, Any]
    total: int


def plan(session: Session, actor: Actor, campaign_id: uuid.UUID) -> Plan:
    """Check access and prepare: the answers scored, the summary computed in the database."""
    campaign, engagement = campaign_for(session, actor, campaign_id, Need.RESPONSES)
    return plan_for(session, campaign, engagement)


def plan_for(session: Session, campaign: SurveyCampaign, engagement: Any) -> Plan:
    scheme = scheme_of(session, engagement)
    if scheme.service is None:
        raise ValidationFailed(details={"scheme": [f"{scheme.id} has no service items"]})
    scale = tallies.scale_of(scheme)
    if not tallies.ensure_scored(session, campaign.id, scale):
        # An answer the scheme cannot score: the scoring core says why (ValidationFailed).
        analysis.analyse(session, campaign, scheme, _every_answer(session, campaign.id))
        raise ValidationFailed(details={"answers": ["an answer cannot be scored"]})
    result = analysis.analyse_stored(session, campaign, scheme, scale, per_respondent=False)
    names = {s["code"]: s["site_name"] for s in result["sites"]}
    items = [q["item"] for q in campaign.questions]
    return Plan(
        campaign_id=campaign.id,
        header=[
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
        ],
        items=items,
        site_names={s.id: names.get(s.code, "") for s in campaign.sites},
        scale=scale,
        result=result,
        total=result["overall"]["responses"],
    )


def _every_answer(session: Session, campaign_id: uuid.UUID) -> list[SurveyResponse]:
    return list(
        session.scalars(
            sa.select(SurveyResponse)
            .where(SurveyResponse.campaign_id == campaign_id)
            .order_by(SurveyResponse.received_at, SurveyResponse.id)
        )
    )


def rows(session: Session, p: Plan) -> Iterator[list[Any]]:
    """One row per answer, oldest first, read in batches from a server-side cursor."""
    r = SurveyResponse
    result = session.execute(
        sa.select(
            r.id,
            r.survey_site_id,
            r.channel,
            r.received_at,
            r.flag_names,
            r.included_reason,
            r.callback_outcome,
            r.score_earned,
            r.score_possible,
            r.answers,
            r.comment,
        )
        .where(r.campaign_id == p.campaign_id)
        .order_by(r.received_at, r.id)
        .execution_options(yield_per=BATCH)
    )
    for (
        rid,
        site,
        channel,
        received,
        flag_text,
        included,
        callback,
        earned,
        possible,
        answers,
        comment,
    ) in result:
        reason = tallies.exclusion_of(callback, flag_text or "", included is not None)
        yield [
            str(rid),
            p.site_names.get(site, ""),
            channel.value,
            received.isoformat(),
            "yes" if reason is None else "no",
            reason or "",
            flag_text or "",
            included or "",
            callback.value if callback else "",
            to_float(p.scale.score(earned, possible)) if reason is None else "",
            *[answers.get(item, "") for item in p.items],
            comment,
        ]


def csv_chunks(
    session: Session, p: Plan, progress: Callable[[int], None] | None = None
) -> Iterator[bytes]:
    """The CSV in pieces of ``BATCH`` rows: UTF-8 with BOM (Excel on Chinese Windows reads it as
    UTF-8, not GBK)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(p.header)
    for n, row in enumerate(rows(session, p), start=1):
        writer.writerow([_safe(v) for v in row])
        if n % BATCH == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            if progress is not None:
                progress(n)
    yield buffer.getvalue().encode("utf-8")


def write_xlsx(
    session: Session,
    p: Plan,
    out: IO[bytes],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Summary, per-question and per-answer sheets, written row by row; returns the rows."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook(write_only=True)
    result = p.result
    summary = book.create_sheet("汇总")
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
                *[d[str(level)] for level in analysis.LEVELS],
                d["na"],
                q["score"],
                q["low"],
            ]
        )
    answers = book.create_sheet("答卷")
    answers.append(p.header)
    done = 0
    for row in rows(session, p):
        answers.append([_safe(v) for v in row])
        done += 1
        if progress is not None and done % BATCH == 0:
            progress(done)
    book.save(out)
    if progress is not None:
        progress(done)
    return done


# --------------------------------------------------------------------------- as background jobs

XLSX_KIND = "survey_responses.xlsx"
CSV_KIND = "survey_responses.csv"


def request_export(
    session: Session, actor: Actor, campaign_id: uuid.UUID, fmt: str
) -> files.FileJob:
    """Queue the export of the campaign's answers (``xlsx`` or ``csv``) for download."""
    campaign, _ = campaign_for(session, actor, campaign_id, Need.RESPONSES)
    total = session.scalar(
        sa.select(sa.func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.campaign_id == campaign.id)
    )
    return files.request_file(
        session,
        actor,
        kind=XLSX_KIND if fmt == "xlsx" else CSV_KIND,
        subject_id=campaign.id,
        filename=f"survey-{campaign.id}.{fmt}",
        media_type=XLSX_TYPE if fmt == "xlsx" else "text/csv",
        rows_total=total,
    )


def _job_plan(session: Session, job: files.FileJob) -> Plan:
    from backend.engagements.models import Engagement

    campaign = session.get_one(SurveyCampaign, job.subject_id)
    return plan_for(session, campaign, session.get_one(Engagement, campaign.engagement_id))


@files.producer(XLSX_KIND, "xlsx")
def _xlsx_file(
    session: Session, job: files.FileJob, out: IO[bytes], progress: Callable[[int], None]
) -> int:
    return write_xlsx(session, _job_plan(session, job), out, progress)


@files.producer(CSV_KIND, "csv")
def _csv_file(
    session: Session, job: files.FileJob, out: IO[bytes], progress: Callable[[int], None]
) -> int:
    p = _job_plan(session, job)
    for chunk in csv_chunks(session, p, progress):
        out.write(chunk)
    progress(p.total)
    return p.total
