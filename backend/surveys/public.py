"""The public survey page ``/s/<code>`` and the staff analysis page (server-rendered HTML).

The survey page is what a customer's phone loads after scanning a poster, usually inside
WeChat's in-app browser, possibly on 2G: one HTML document with its CSS and a tiny script inline,
no font, no framework, no service worker, gzip-compressed (well under the 30 KB budget; the
budget is measured in tests/surveys/test_public_page.py). Without JavaScript every question shows
on one long form and it still works; with it, one question per screen with progress and back.

Answers are an ordinary form POST. The form carries a signed token with the instant the page
was served (the "too fast" flag needs a start the client cannot fake), the device token, which
the script also keeps in localStorage and the server in a cookie (one answer per device), and a
random form id stored with the answer (one answer per served form).
"""

from __future__ import annotations

import gzip
import math
import secrets
import threading
import uuid
from datetime import UTC, datetime
from http import HTTPStatus

import flask
from flask import Blueprint, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from limits.storage import MemoryStorage
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from backend.auth.access import current_actor
from backend.auth.limits import client_ip, current_limits
from backend.errors import (
    MESSAGES,
    AlreadyAnswered,
    ApiError,
    ErrorCode,
    PayloadTooLarge,
    SurveyClosed,
    SurveyNotOpen,
    ValidationFailed,
)
from backend.extensions import db
from backend.i18n import Language, request_language
from backend.surveys import access, answering, campaigns, logic, reads
from backend.surveys.fields import MAX_COMMENT
from backend.surveys.logic import CHINA
from backend.surveys.posters import deadline_text
from backend.surveys.setup import survey_settings

blp = Blueprint("surveys_public", __name__, template_folder="templates")

#: A served form stays valid this long (a customer may leave the page open for a while).
FORM_MAX_AGE = 24 * 3600
_FORM_FIELDS = frozenset({"t", "device", "comment", "phone", "consent", "code"})
_DEVICE_MAX_AGE = 400 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(flask.current_app.config["SECRET_KEY"], salt="survey-form")


def _cookie_name(campaign_id: uuid.UUID) -> str:
    return f"fcs_{campaign_id.hex[:12]}"


def _english() -> bool:
    return request.args.get("lang") == "en"


def _english_too() -> bool:
    """A Chinese message page also says it in English: the browser prefers English."""
    return not _english() and request_language() is Language.EN


def _nonce() -> str:
    return secrets.token_urlsafe(12)


def _finish(html: str, nonce: str, status: int = 200) -> flask.Response:
    """Headers every survey page gets; gzip when the browser takes it (2G: every byte counts)."""
    body = html.encode("utf-8")
    response = flask.Response(status=status, mimetype="text/html")
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
        # Level 1: 3.9 KB instead of 3.6 KB for the demo page, at a third of the CPU (measured):
        # every page is compressed anew (it carries its own token), on the busiest endpoint.
        body = gzip.compress(body, compresslevel=1, mtime=0)
        response.headers["Content-Encoding"] = "gzip"
    response.set_data(body)
    response.vary.add("Accept-Encoding")
    # The page holds a device token and a timed form: never from a cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'"
    )
    return response


def _message(
    kind: str,
    heading: str,
    lines: list[str],
    *,
    status: int,
    survey: answering.PublicSurvey | None = None,
    headers: dict[str, str] | None = None,
    english: tuple[str, list[str]] | None = None,
) -> flask.Response:
    """A short page (thanks, closed, already answered…); ``english``: the same said after it."""
    nonce = _nonce()
    html = render_template(
        "surveys/message.html",
        kind=kind,
        heading=heading,
        lines=lines,
        english=english,
        title=survey.title if survey else "",
        site_name=survey.site_name if survey else "",
        en=_english(),
        nonce=nonce,
    )
    response = _finish(html, nonce, status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _error_page(error: ApiError, survey: answering.PublicSurvey | None) -> flask.Response:
    en = _english()
    heading, lines = _error_text(error, survey, en=en)
    return _message(
        error.code.value.lower(),
        heading,
        lines,
        status=int(error.status),
        survey=survey,
        headers=error.headers,
        english=_error_text(error, survey, en=True) if _english_too() else None,
    )


def _error_text(
    error: ApiError, survey: answering.PublicSurvey | None, *, en: bool
) -> tuple[str, list[str]]:
    """The heading and lines of an error page, in English or Chinese."""
    text = MESSAGES[error.code].in_language(Language.EN if en else Language.ZH_CN)
    headings = {
        ErrorCode.SURVEY_CLOSED: ("Survey closed", "调查已结束"),
        ErrorCode.SURVEY_NOT_OPEN: ("Not open yet", "调查尚未开始"),
        ErrorCode.ALREADY_ANSWERED: ("Already answered", "您已提交过"),
        ErrorCode.NOT_FOUND: ("Survey not found", "未找到该调查"),
        ErrorCode.TOO_MANY_REQUESTS: ("Too many answers", "提交过于频繁"),
    }
    en_heading, zh_heading = headings.get(error.code, ("Cannot take this answer", "无法提交"))
    lines = [text]
    if error.code is ErrorCode.VALIDATION_ERROR:
        # The respondent's words, not the field names and messages the API gives.
        lines = list(dict.fromkeys(_problem(field, survey, en) for field in error.details))
        lines.append("Go back and check the answer." if en else "请返回检查后重新提交。")
    if error.code is ErrorCode.SURVEY_NOT_OPEN and survey is not None:
        lines.append(("Opens " if en else "开始时间：") + deadline_text(survey.opens_at, en=en))
    if error.code is ErrorCode.ALREADY_ANSWERED:
        # Most often a real respondent who tapped twice or went back and sent the form again:
        # reassure them that nothing was lost (the first answer counts).
        lines = [
            "Your answer was received: there is no need to send it again."
            if en
            else "您的答卷已收到，无需再次提交。",
            "Each phone and each form can send one answer; the first one sent counts."
            if en
            else "每台设备、每份问卷只能提交一次，以第一次提交的答卷为准。",
        ]
    return (en_heading if en else zh_heading), lines


#: Markers for the per-request values in a cached page. Passed as markup, so campaign text that
#: happens to contain them is escaped (``&lt;&lt;…``) and can never be mistaken for one.
_TOKEN, _DEVICE, _NONCE = Markup("<<fc-t>>"), Markup("<<fc-d>>"), Markup("<<fc-n>>")
#: Rendered pages by (survey, language, large text): a survey's page differs per request only in
#: its token, device and nonce. Entries hold the survey they were made from, which lives a few
#: seconds in answering's cache; a new survey object means a new page.
_pages: dict[tuple[int, bool, bool], tuple[answering.PublicSurvey, str]] = {}
_pages_lock = threading.Lock()


def _page_template(survey: answering.PublicSurvey, en: bool, big: bool) -> str:
    key = (id(survey), en, big)
    with _pages_lock:
        hit = _pages.get(key)
    if hit is not None and hit[0] is survey:
        return hit[1]
    html = render_template(
        "surveys/survey.html",
        survey=survey,
        token=_TOKEN,
        device=_DEVICE,
        nonce=_NONCE,
        en=en,
        big=big,
        deadline=deadline_text(survey.closes_at, en=en),
        retention=survey.retention_days,
    )
    with _pages_lock:
        if len(_pages) > 512:
            _pages.clear()
        _pages[key] = (survey, html)
    return html


def _render_form(survey: answering.PublicSurvey, device: str) -> flask.Response:
    nonce = _nonce()
    # The form id makes each served form good for one answer (answering.submit_online).
    token = _serializer().dumps([survey.survey_site_id.hex, device, secrets.token_urlsafe(16)])
    page = _page_template(survey, _english(), request.args.get("big") == "1")
    # Tokens and nonces are URL-safe base64: nothing in them needs escaping in HTML.
    html = page.replace(_TOKEN, token).replace(_DEVICE, device).replace(_NONCE, nonce)
    return _finish(html, nonce)


def _set_device_cookie(
    response: flask.Response, survey: answering.PublicSurvey, device: str
) -> None:
    response.set_cookie(
        _cookie_name(survey.campaign_id),
        device,
        max_age=_DEVICE_MAX_AGE,
        path="/s/",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )


def _valid_token(value: str | None) -> str | None:
    if value and 16 <= len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value):
        return value
    return None


@blp.get("/s/<code>")
def survey_page(code: str) -> flask.Response:
    session = db.session()
    survey: answering.PublicSurvey | None = None
    try:
        survey = answering.public_survey(session, code)
        state = survey.state(datetime.now(UTC))
        if state == "closed":
            raise SurveyClosed()
        if state == "not_open":
            raise SurveyNotOpen()
        key = survey_settings().contact_key
        cookie = _valid_token(request.cookies.get(_cookie_name(survey.campaign_id)))
        if cookie and answering.already_answered(session, key, survey.campaign_id, [cookie]):
            raise AlreadyAnswered()
    except ApiError as error:
        return _error_page(error, survey)
    device = cookie or secrets.token_urlsafe(16)
    response = _render_form(survey, device)
    _set_device_cookie(response, survey, device)
    return response


def _over_limit() -> dict[str, str] | None:
    """Count this answer against the per-address limit; Retry-After headers when over it."""
    limits = current_limits()
    if not limits.limiter.enabled:
        return None
    address = client_ip()
    if isinstance(limits.limiter.storage, MemoryStorage):
        wait = survey_settings().local_windows.hit(address)
        return None if wait is None else {"Retry-After": str(math.ceil(wait))}
    strategy = limits.limiter.limiter
    try:
        for item in parse_many(survey_settings().rate_limit):
            if not strategy.hit(item, "survey-answer", address):
                reset, _ = strategy.get_window_stats(item, "survey-answer", address)
                retry = max(1, int(reset - datetime.now(UTC).timestamp()) + 1)
                return {"Retry-After": str(retry)}
    except limits.limiter.storage.base_exceptions:
        # The limiter's storage (Redis) is down: take the answer; the burst flag still works.
        flask.current_app.logger.warning("survey rate limit storage unreachable", exc_info=True)
    return None


@blp.post("/s/<code>")
def survey_answer(code: str) -> flask.Response:
    session = db.session()
    survey: answering.PublicSurvey | None = None
    try:
        # A public endpoint: a form of answers is a few kilobytes; refuse more before parsing.
        request.max_content_length = 64 * 1024
        survey = answering.public_survey(session, code)
        retry = _over_limit()
        if retry is not None:
            raise ApiError(
                code=ErrorCode.TOO_MANY_REQUESTS, status=HTTPStatus.TOO_MANY_REQUESTS, headers=retry
            )
        form = request.form
        unknown = [name for name in form if name not in _FORM_FIELDS and not name.startswith("q.")]
        if unknown:
            raise ValidationFailed(details={name: ["unknown field"] for name in unknown[:5]})
        try:
            (site_hex, served_device, form_nonce), issued = _serializer().loads(
                form.get("t", ""), max_age=FORM_MAX_AGE, return_timestamp=True
            )
            if not isinstance(form_nonce, str):
                raise TypeError("form id")
        except (BadSignature, ValueError, TypeError) as exc:
            raise ValidationFailed(
                details={"t": ["the page expired or was altered: scan the code again"]}
            ) from exc
        if site_hex != survey.survey_site_id.hex:
            raise ValidationFailed(details={"t": ["form of another survey"]})
        device = _valid_token(form.get("device")) or served_device
        cookie = _valid_token(request.cookies.get(_cookie_name(survey.campaign_id)))
        answers = answering.parse_answers(
            survey.questions,
            {name: value for name, value in form.items() if name.startswith("q.")},
            survey.levels,
        )
        result = answering.submit_online(
            session,
            survey,
            answers=answers,
            comment=form.get("comment", ""),
            phone=form.get("phone", ""),
            consent=form.get("consent") == "1",
            one_time_code=form.get("code", ""),
            device_token=device,
            other_tokens=[served_device, cookie],
            form_nonce=form_nonce,
            started_at=issued.replace(tzinfo=UTC) if issued.tzinfo is None else issued,
            client_address=client_ip() or "",
            key=survey_settings().contact_key,
        )
    except RequestEntityTooLarge:
        return _error_page(PayloadTooLarge(), survey)
    except ApiError as error:
        return _error_page(error, survey)
    en = _english()
    heading, lines = _thanks_text(result.contact_stored, en=en)
    response = _message(
        "thanks",
        heading,
        lines,
        status=200,
        survey=survey,
        english=_thanks_text(result.contact_stored, en=True) if _english_too() else None,
    )
    _set_device_cookie(response, survey, device)
    return response


def _problem(field: str, survey: answering.PublicSurvey | None, en: bool) -> str:
    """What is wrong with one field of the survey form, said to the respondent."""
    numbers = {f"q.{q.item}": n for n, q in enumerate(survey.questions, 1)} if survey else {}
    if field in numbers:
        n = numbers[field]
        return (
            f"Question {n}: choose one of the answers."
            if en
            else f"第 {n} 题的答案无效，请重新选择。"
        )
    if field == "answers":
        return "Answer at least one question." if en else "请至少回答一道题。"
    if field == "comment":
        return (
            f"The comment can be at most {MAX_COMMENT} characters."
            if en
            else f"意见或建议最多 {MAX_COMMENT} 字。"
        )
    if field == "phone":
        return (
            "Phone: enter an 11-digit mobile number or a landline number with its area code."
            if en
            else "回访电话格式不正确：请填写 11 位手机号或带区号的固定电话。"
        )
    # The signed token ("t"), or fields the page never had: an old, altered or foreign form.
    return (
        "The page expired or was altered: scan the code again."
        if en
        else "页面已过期或内容不完整，请重新扫码后填写。"
    )


def _thanks_text(contact_stored: bool | None, *, en: bool) -> tuple[str, list[str]]:
    """The thank-you page's heading and lines; says whether the number was kept."""
    lines = [
        "Your answer was received. Thank you for helping us improve the service."
        if en
        else "您的答卷已提交。感谢您帮助我们改进服务。"
    ]
    if contact_stored is False:
        lines.append(
            "Your phone number was not kept: the consent was not ticked."
            if en
            else "您未勾选同意，电话号码未保存。"
        )
    elif contact_stored:
        lines.append(
            "We may call you once to confirm this answer."
            if en
            else "我们可能会致电回访核实本答卷。"
        )
    return ("Thank you!" if en else "提交成功，谢谢"), lines


# --------------------------------------------------------------------------- analysis page


#: The survey's enumerations as the staff pages show them (Chinese, English): never a raw value.
FLAG_NAMES = {
    "too_fast": ("答题过快", "Answered too fast"),
    "straight_lining": ("全部同一选项", "Same answer throughout"),
    "burst": ("同一地址集中提交", "Many answers from one address"),
    "outside_hours": ("营业时间外", "Outside opening hours"),
}
STATE_NAMES = {
    "not_open": ("未开始", "Not open yet"),
    "open": ("进行中", "Open"),
    "closed": ("已结束", "Closed"),
}
CHANNEL_NAMES = {"online": ("线上", "Online"), "offline": ("面访", "Face to face")}
EXCLUSION_NAMES = {
    "flagged": ("质量标记", "Flagged"),
    "callback_denied": ("回访否认", "Denied at callback"),
}


def _named(names: dict[str, tuple[str, str]], key: str) -> tuple[str, str]:
    """(Chinese, English) for an enumeration's value; an unknown one is said to be unknown."""
    return names.get(key, ("未知", "Unknown"))


@blp.get("/surveys")
def campaigns_page() -> flask.Response:
    """The campaigns the signed-in user may analyse, with links to each analysis page."""
    nonce = _nonce()
    actor = current_actor()
    if actor is None:
        return _finish(render_template("surveys/login.html", nonce=nonce), nonce, 401)
    rows = reads.analysable_campaigns(db.session(), actor)
    html = render_template(
        "surveys/index.html",
        nonce=nonce,
        rows=rows,
        user=actor.user,
        states=STATE_NAMES,
        named=_named,
    )
    return _finish(html, nonce)


@blp.get("/surveys/<uuid:campaign_id>/analysis")
def analysis_page(campaign_id: uuid.UUID) -> flask.Response:
    """The campaign's analysis with charts, for signed-in staff (and the client's own users)."""
    from backend.surveys import charts
    from backend.surveys.analysis import campaign_analysis

    nonce = _nonce()
    actor = current_actor()
    if actor is None:
        html = render_template("surveys/login.html", nonce=nonce)
        return _finish(html, nonce, 401)
    session = db.session()
    try:
        campaign, engagement = access.campaign_for(
            session, actor, campaign_id, access.Need.ANALYSIS
        )
        # The page shows no per-answer scores: the one part that grows with the answers.
        result = campaign_analysis(session, actor, campaign_id, per_respondent=False)
        scheme = campaigns.scheme_of(session, engagement)
    except ApiError as error:
        return _message(
            error.code.value.lower(),
            "无法查看 / Not available",
            [MESSAGES[error.code].zh_cn, MESSAGES[error.code].en],
            status=int(error.status),
        )
    view = campaigns.campaign_view(session, campaign)
    site_chart = charts.bars(
        [
            (
                site["site_name"],
                100 * site["counted"] / site["target"] if site["target"] else None,
                f"{site['counted']} / {site['target']}",
            )
            for site in result["sites"]
        ]
    )
    channels = result["overall"]["channels"]
    channel_chart = charts.bars(
        [
            (
                " ".join(CHANNEL_NAMES["online"]),
                channels["online"]["score"],
                f"{charts.score_text(channels['online']['score'])} "
                f"(n={channels['online']['counted']})",
            ),
            (
                " ".join(CHANNEL_NAMES["offline"]),
                channels["offline"]["score"],
                f"{charts.score_text(channels['offline']['score'])} "
                f"(n={channels['offline']['counted']})",
            ),
        ]
    )
    # The levels as the customers saw them, lowest first (1 远低于预期 … 5 远高于预期).
    first = next(iter(campaign.questions), None)
    ratable = logic.survey_items(scheme)
    levels = (
        {str(level): f"{level} {zh}" for level, zh, _ in logic.scale_labels(scheme, first["item"])}
        if first is not None and first["item"] in ratable
        else {}
    )
    html = render_template(
        "surveys/analysis.html",
        nonce=nonce,
        a=result,
        campaign=view,
        charts=charts,
        site_chart=site_chart,
        channel_chart=channel_chart,
        distribution=charts.distribution(result["overall"]["questions"], labels=levels),
        named=_named,
        flag_names=FLAG_NAMES,
        state_names=STATE_NAMES,
        channel_names=CHANNEL_NAMES,
        exclusion_names=EXCLUSION_NAMES,
        beijing=lambda at: at.astimezone(CHINA).strftime("%m-%d %H:%M"),
        staff=actor.role.value != "client_user",
        user=actor.user.display_name,
    )
    return _finish(html, nonce)
