"""``/api/survey-campaigns`` and ``/api/survey-responses``: the survey API for staff.

The public page ``/s/<code>`` is ``backend/surveys/public.py``; the face-to-face entry protocol
for the field app is docs/surveys.md.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from typing import IO, Any

import flask
from flask import request
from flask.views import MethodView

from backend import paging
from backend.api import Blueprint
from backend.auth.access import allow, require_actor
from backend.concurrency import etag, parse_if_match
from backend.extensions import db
from backend.jobs import files
from backend.jobs.schemas import FileJobSchema
from backend.surveys import (
    analysis,
    campaigns,
    exports,
    interviews,
    logic,
    posters,
    reads,
    review,
)
from backend.surveys.models import SurveyResponse
from backend.surveys.schemas import (
    AnalysisArgsSchema,
    AnalysisSchema,
    CallbackEntrySchema,
    CallbackOutcomeSchema,
    CampaignCreateSchema,
    CampaignListArgsSchema,
    CampaignSchema,
    CampaignUpdateSchema,
    CodesRequestSchema,
    CodesSchema,
    ContactRequestSchema,
    ContactSchema,
    DrawRequestSchema,
    DrawSchema,
    ExportRequestSchema,
    InclusionSchema,
    MarginArgsSchema,
    MarginSchema,
    OfflineResponseSchema,
    PageArgsSchema,
    ResponseSchema,
)
from backend.surveys.setup import survey_settings
from backend.users.models import Role

campaigns_blp = Blueprint(
    "survey_campaigns",
    __name__,
    url_prefix="/api/survey-campaigns",
    description="Customer-survey campaigns (mode E): posters, analysis, callbacks, exports.",
)
responses_blp = Blueprint(
    "survey_responses",
    __name__,
    url_prefix="/api/survey-responses",
    description="Survey answers: face-to-face entry (idempotent), flags, callbacks, contact.",
)

#: Plan campaigns, print posters, issue codes, draw callbacks (team leader checked per team).
MANAGERS = (Role.ADMIN, Role.TEAM_LEADER)
#: The audit team: face-to-face answers, decisions on flags, callbacks.
TEAM = (Role.TEAM_LEADER, Role.AUDITOR)
#: Read campaigns and responses (reviewers only where they were not on the team).
READERS = (Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER)
#: The analysis: also the client's own users (aggregates only).
ANALYSTS = (*READERS, Role.CLIENT_USER)

_ERRORS = {
    401: "AUTH_REQUIRED: not signed in.",
    403: "FORBIDDEN / CONFLICT_OF_INTEREST: not for this role, or not on this team.",
    404: "NOT_FOUND: no such campaign or response that I may see.",
    409: "INVALID_TRANSITION / IDEMPOTENCY_CONFLICT / CONTACT_UNREADABLE: not possible now.",
    412: "PRECONDITION_FAILED: If-Match names an old version (details.current_version).",
    422: "VALIDATION_ERROR: details maps each field to its messages.",
    428: "PRECONDITION_REQUIRED: send If-Match with the campaign's ETag.",
}
_IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": 'The ETag of the campaign version being changed, e.g. "v1".',
}
_ETAG = {"ETag": {"schema": {"type": "string"}, "description": 'e.g. "v2"'}}


def _ip() -> str | None:
    return request.remote_addr


def _key() -> bytes:
    return survey_settings().contact_key


def _file(data: bytes, mimetype: str, filename: str | None = None) -> flask.Response:
    response = flask.Response(data, mimetype=mimetype)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _attachment(response: flask.Response, filename: str) -> flask.Response:
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _file_doc(mimetype: str, description: str) -> dict[str, Any]:
    return {
        "responses": {
            "200": {
                "description": description,
                "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
        "security": [{"session": []}],
    }


def public_url(path: str) -> str:
    base = survey_settings().public_url or request.url_root.rstrip("/")
    return base + path


@campaigns_blp.route("")
class Campaigns(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(CampaignListArgsSchema, location="query")
    @campaigns_blp.response(200, CampaignSchema(many=True))
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, args: dict[str, Any]) -> list[campaigns.CampaignView]:
        """An engagement's survey campaigns"""
        session = db.session()
        rows = campaigns.list_campaigns(session, require_actor(), args["engagement_id"])
        return [campaigns.campaign_view(session, row) for row in rows]

    @allow(*MANAGERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(CampaignCreateSchema)
    @campaigns_blp.response(201, CampaignSchema, headers=_ETAG)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def post(self, data: dict[str, Any]) -> Any:
        """Plan a survey campaign

        Administrators and the engagement's team leader. Without `questions`, the default
        questionnaire is generated from the engagement's scheme (one question per five-point
        item); each site gets a random poster code.
        """
        session = db.session()
        campaign = campaigns.create_campaign(
            session, require_actor(), data["engagement_id"], data, ip=_ip()
        )
        return campaigns.campaign_view(session, campaign), 201, {"ETag": etag(campaign.version)}


@campaigns_blp.route("/margin-of-error")
class MarginOfError(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(MarginArgsSchema, location="query")
    @campaigns_blp.response(200, MarginSchema)
    @campaigns_blp.errors(_ERRORS, 401, 403, 422)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Margin of error for a sample size, or the sample size for a margin

        Worst case (a share of 50 %), normal approximation, with the finite-population
        correction when `population` is given.
        """
        confidence = args["confidence"]
        population = args.get("population")
        n = args.get("n") or logic.sample_size(args["margin"], confidence, population)
        return {
            "n": n,
            "margin_of_error": round(logic.margin_of_error(n, confidence, population), 6),
            "confidence": confidence,
            "population": population,
        }


@campaigns_blp.route("/<uuid:campaign_id>")
class CampaignResource(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.response(200, CampaignSchema, headers=_ETAG)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404)
    def get(self, campaign_id: uuid.UUID) -> Any:
        """One campaign with its sites, poster codes and questionnaire"""
        view = campaigns.get_campaign(db.session(), require_actor(), campaign_id)
        return view, 200, {"ETag": etag(view.campaign.version)}

    @allow(*MANAGERS)
    @campaigns_blp.doc(security=[{"session": []}], parameters=[_IF_MATCH])
    @campaigns_blp.arguments(CampaignUpdateSchema)
    @campaigns_blp.response(200, CampaignSchema, headers=_ETAG)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 409, 412, 422, 428)
    def patch(self, changes: dict[str, Any], campaign_id: uuid.UUID) -> Any:
        """Change a campaign (If-Match)

        Dates, settings, sites and targets at any time; the questions only before the first
        answer (answers are keyed by item).
        """
        session = db.session()
        campaign = campaigns.update_campaign(
            session,
            require_actor(),
            campaign_id,
            changes,
            parse_if_match(request.headers.get("If-Match")),
            ip=_ip(),
        )
        return campaigns.campaign_view(session, campaign), 200, {"ETag": etag(campaign.version)}


@campaigns_blp.route("/<uuid:campaign_id>/sites/<uuid:site_id>/qr.png")
class QrPng(MethodView):
    @allow(*MANAGERS)
    @campaigns_blp.doc(**_file_doc("image/png", "The site's QR code (PNG)."))
    @campaigns_blp.errors(_ERRORS, 401, 403, 404)
    def get(self, campaign_id: uuid.UUID, site_id: uuid.UUID) -> flask.Response:
        """The QR code of a site's survey page (PNG)"""
        _, entry, _ = campaigns.survey_site(db.session(), require_actor(), campaign_id, site_id)
        return _file(posters.qr_png(public_url(f"/s/{entry.code}")), "image/png")


@campaigns_blp.route("/<uuid:campaign_id>/sites/<uuid:site_id>/qr.svg")
class QrSvg(MethodView):
    @allow(*MANAGERS)
    @campaigns_blp.doc(**_file_doc("image/svg+xml", "The site's QR code (SVG)."))
    @campaigns_blp.errors(_ERRORS, 401, 403, 404)
    def get(self, campaign_id: uuid.UUID, site_id: uuid.UUID) -> flask.Response:
        """The QR code of a site's survey page (SVG)"""
        _, entry, _ = campaigns.survey_site(db.session(), require_actor(), campaign_id, site_id)
        return _file(posters.qr_svg(public_url(f"/s/{entry.code}")), "image/svg+xml")


@campaigns_blp.route("/<uuid:campaign_id>/sites/<uuid:site_id>/poster.pdf")
class Poster(MethodView):
    @allow(*MANAGERS)
    @campaigns_blp.doc(**_file_doc("application/pdf", "An A4 poster in Chinese (PDF)."))
    @campaigns_blp.errors(_ERRORS, 401, 403, 404)
    def get(self, campaign_id: uuid.UUID, site_id: uuid.UUID) -> flask.Response:
        """A printable A4 poster: title, site, instructions, QR code, deadline"""
        campaign, entry, site = campaigns.survey_site(
            db.session(), require_actor(), campaign_id, site_id
        )
        pdf = posters.poster_pdf(
            url=public_url(f"/s/{entry.code}"),
            title=campaign.title,
            site_name=site.name,
            instructions=campaign.instructions,
            closes_at=campaign.closes_at,
        )
        return _file(pdf, "application/pdf", f"survey-poster-{entry.code}.pdf")


@campaigns_blp.route("/<uuid:campaign_id>/codes")
class Codes(MethodView):
    @allow(*MANAGERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(CodesRequestSchema)
    @campaigns_blp.response(201, CodesSchema)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def post(self, data: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
        """Issue one-time codes for receipts or cards (shown once, stored hashed)"""
        codes = campaigns.issue_codes(
            db.session(), require_actor(), campaign_id, data["count"], _key(), ip=_ip()
        )
        return {"codes": codes}


@campaigns_blp.route("/<uuid:campaign_id>/callback-draw")
class Draw(MethodView):
    @allow(*MANAGERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(DrawRequestSchema)
    @campaigns_blp.response(201, DrawSchema)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], campaign_id: uuid.UUID) -> Any:
        """Draw the callback sample (after the close date, once)

        A share (default the campaign's, 10 %) of the online answers that left a phone number,
        ranked by HMAC-SHA256(seed, response id); the seed and ids go to the audit log so the
        draw can be repeated.
        """
        return review.draw_callbacks(
            db.session(),
            require_actor(),
            campaign_id,
            seed=data.get("seed"),
            share=data.get("share"),
            ip=_ip(),
        )


@campaigns_blp.route("/<uuid:campaign_id>/callbacks")
class Callbacks(MethodView):
    @allow(*TEAM)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(PageArgsSchema, location="query")
    @campaigns_blp.response(200, CallbackEntrySchema(many=True), headers=paging.PAGE_HEADERS)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 409, 422)
    def get(self, args: dict[str, Any], campaign_id: uuid.UUID) -> Any:
        """The callback list: drawn answers with masked numbers and outcomes, a page

        At most `limit` rows (default 100, at most 500), in arrival order. When more follow, the
        `X-Next-Cursor` header (and `Link: <…>; rel="next"`) gives the next page: send it back
        as `cursor`.
        """
        page = review.callback_list(
            db.session(),
            require_actor(),
            campaign_id,
            _key(),
            cursor=args["cursor"],
            limit=args["limit"],
        )
        return page.items, 200, paging.page_headers(page)


def response_json(response: SurveyResponse) -> dict[str, Any]:
    reason = reads.exclusion(response)
    return {
        "id": response.id,
        "campaign_id": response.campaign_id,
        "survey_site_id": response.survey_site_id,
        "channel": response.channel,
        "answers": response.answers,
        "comment": response.comment,
        "received_at": response.received_at,
        "flags": response.flags,
        "counted": reason is None,
        "excluded_because": reason,
        "included_reason": response.included_reason,
        "callback_outcome": response.callback_outcome.value if response.callback_outcome else None,
        "has_contact": response.contact_ciphertext is not None,
        "interviewer_ids": response.interviewer_ids,
        "staff_absent": response.staff_absent,
    }


@campaigns_blp.route("/<uuid:campaign_id>/responses")
class Responses(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(PageArgsSchema, location="query")
    @campaigns_blp.response(200, ResponseSchema(many=True), headers=paging.PAGE_HEADERS)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, args: dict[str, Any], campaign_id: uuid.UUID) -> Any:
        """The answers with their quality flags and whether they count (no contact data), a page

        At most `limit` rows (default 100, at most 500), oldest first. When more follow, the
        `X-Next-Cursor` header (and `Link: <…>; rel="next"`) gives the next page: send it back
        as `cursor`.
        """
        page = reads.list_responses(
            db.session(), require_actor(), campaign_id, cursor=args["cursor"], limit=args["limit"]
        )
        return [response_json(r) for r in page.items], 200, paging.page_headers(page)


@campaigns_blp.route("/<uuid:campaign_id>/analysis")
class Analysis(MethodView):
    @allow(*ANALYSTS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(AnalysisArgsSchema, location="query")
    @campaigns_blp.response(200, AnalysisSchema)
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, args: dict[str, Any], campaign_id: uuid.UUID) -> dict[str, Any]:
        """Per site and overall: score (§5.1.2 mean of per-respondent scores), distributions

        Also online vs face to face, counts against targets, margins of error, and items scoring
        below 60 flagged for extra sampling. The page `/surveys/<id>/analysis` draws it.
        `?per_respondent=false` leaves out each answer's score (the list grows with the answers).
        """
        return analysis.campaign_analysis(
            db.session(), require_actor(), campaign_id, per_respondent=args["per_respondent"]
        )


@campaigns_blp.route("/<uuid:campaign_id>/export.csv")
class ExportCsv(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(**_file_doc("text/csv", "One row per answer (UTF-8 with BOM)."))
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, campaign_id: uuid.UUID) -> flask.Response:
        """Export the answers as CSV (streamed as it is read)"""
        session = db.session()
        plan = exports.plan(session, require_actor(), campaign_id)
        response = flask.Response(_csv_stream(plan), mimetype="text/csv")
        return _attachment(response, f"survey-{campaign_id}.csv")


def _csv_stream(plan: exports.Plan) -> Iterator[bytes]:
    """The CSV read in its own app context and session, as the server sends it: the request's
    own transaction is committed and its context gone by then (access was checked in it)."""
    app = flask.current_app._get_current_object()  # type: ignore[attr-defined]

    def generate() -> Iterator[bytes]:
        with app.app_context():
            session = db.session()
            try:
                yield from exports.csv_chunks(session, plan)
            finally:
                session.rollback()

    return generate()


@campaigns_blp.route("/<uuid:campaign_id>/export.xlsx")
class ExportXlsx(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(
        **_file_doc(exports.XLSX_TYPE, "Summary, per-question and per-answer sheets.")
    )
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def get(self, campaign_id: uuid.UUID) -> flask.Response:
        """Export the analysis and the answers as XLSX, made while you wait

        Written in openpyxl's write-only mode to a temporary file (flat memory), then sent. For
        large campaigns ask for it as a job instead: `POST …/exports` (the analysis page does).
        """
        session = db.session()
        plan = exports.plan(session, require_actor(), campaign_id)
        out = tempfile.TemporaryFile()  # noqa: SIM115 - closed once sent (_sent_and_closed)
        try:
            exports.write_xlsx(session, plan, out)
        except BaseException:
            out.close()
            raise
        size = out.tell()
        response = flask.Response(_sent_and_closed(out), mimetype=exports.XLSX_TYPE)
        response.headers["Content-Length"] = str(size)
        return _attachment(response, f"survey-{campaign_id}.xlsx")


def _sent_and_closed(out: IO[bytes]) -> Iterator[bytes]:
    """A temporary file's bytes in pieces; the file is closed (and gone) once sent."""
    with out:
        out.seek(0)
        while chunk := out.read(1 << 16):
            yield chunk


@campaigns_blp.route("/<uuid:campaign_id>/exports")
class ExportJobs(MethodView):
    @allow(*READERS)
    @campaigns_blp.doc(security=[{"session": []}])
    @campaigns_blp.arguments(ExportRequestSchema)
    @campaigns_blp.response(202, FileJobSchema, description="Queued: poll the Location.")
    @campaigns_blp.errors(_ERRORS, 401, 403, 404, 422)
    def post(self, payload: dict[str, Any], campaign_id: uuid.UUID) -> Any:
        """Ask for the answers as XLSX or CSV, made by a background job

        202 with the job's address (`Location: /api/file-jobs/<id>`): poll it for the rows done
        of the rows to do, then download `GET /api/file-jobs/<id>/file`. Kept 7 days.
        """
        session = db.session()
        job = exports.request_export(session, require_actor(), campaign_id, payload["format"])
        return files.progress_of(job), 202, {"Location": f"/api/file-jobs/{job.id}"}


@responses_blp.route("/<uuid:response_id>")
class OfflineResponse(MethodView):
    @allow(*TEAM)
    @responses_blp.doc(security=[{"session": []}])
    @responses_blp.arguments(OfflineResponseSchema)
    @responses_blp.response(201, ResponseSchema, description="Created.")
    @responses_blp.alt_response(
        200, schema=ResponseSchema, description="Replay of the same create: nothing written."
    )
    @responses_blp.errors(_ERRORS, 401, 403, 404, 409, 422)
    def put(self, payload: dict[str, Any], response_id: uuid.UUID) -> Any:
        """Enter a face-to-face answer under the phone's id (idempotent, channel offline)

        The audit team; every interviewer must be on the team and `staff_absent` must be true.
        201 on the first create, 200 when the same content is sent again, 409
        IDEMPOTENCY_CONFLICT when the id was used for other content.
        """
        response, created = interviews.put_offline_response(
            db.session(), require_actor(), response_id, payload, _key(), ip=_ip()
        )
        return response_json(response), 201 if created else 200


@responses_blp.route("/<uuid:response_id>/inclusion")
class Inclusion(MethodView):
    @allow(*TEAM)
    @responses_blp.doc(security=[{"session": []}])
    @responses_blp.arguments(InclusionSchema)
    @responses_blp.response(200, ResponseSchema)
    @responses_blp.errors(_ERRORS, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], response_id: uuid.UUID) -> dict[str, Any]:
        """Count a flagged answer anyway, with a reason (or withdraw that); audited"""
        response = review.set_inclusion(
            db.session(),
            require_actor(),
            response_id,
            include=data["include"],
            reason=data["reason"],
            ip=_ip(),
        )
        return response_json(response)


@responses_blp.route("/<uuid:response_id>/callback")
class CallbackOutcomeResource(MethodView):
    @allow(*TEAM)
    @responses_blp.doc(security=[{"session": []}])
    @responses_blp.arguments(CallbackOutcomeSchema)
    @responses_blp.response(200, ResponseSchema)
    @responses_blp.errors(_ERRORS, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], response_id: uuid.UUID) -> dict[str, Any]:
        """Record a callback: confirmed, not_reached or denied (denied leaves the score)"""
        response = review.record_callback(
            db.session(),
            require_actor(),
            response_id,
            outcome=data["outcome"],
            note=data["note"],
            ip=_ip(),
        )
        return response_json(response)


@responses_blp.route("/<uuid:response_id>/contact")
class Contact(MethodView):
    @allow(*TEAM)
    @responses_blp.doc(security=[{"session": []}])
    @responses_blp.arguments(ContactRequestSchema)
    @responses_blp.response(200, ContactSchema)
    @responses_blp.errors(_ERRORS, 401, 403, 404, 409, 422)
    def post(self, data: dict[str, Any], response_id: uuid.UUID) -> dict[str, str]:
        """The full number of an answer drawn for callback (team only; the read is audited)"""
        phone = review.reveal_contact(
            db.session(), require_actor(), response_id, _key(), reason=data["reason"], ip=_ip()
        )
        return {"phone": phone}
