"""The permission matrix: every endpoint of the OpenAPI document, called as every role.

Each endpoint method declares who may call it with ``@allow`` (``backend.auth.access``). This
test reads the spec at run time, so endpoints added later are covered without editing it:

* every operation's view method carries the declaration (``allowed_roles`` / ``public``);
* anonymous callers get 401 ``AUTH_REQUIRED`` unless the endpoint is public;
* a role outside ``allowed_roles`` gets 403 ``FORBIDDEN``;
* a role inside gets past the role check (404, 409, 422 ... are fine: path ids are random);
* nobody ever gets a 500.

A small hand-written table pins the declarations of security-critical endpoints, so that a
change to them shows up here as well as in the code.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from backend.auth import session_store
from backend.auth.session import SESSION_TOKEN_KEY
from backend.extensions import db
from backend.users.models import Role, User
from tests.factories import make_organisation, make_user

METHODS = ("get", "post", "put", "patch", "delete")
UNSAFE = {"post", "put", "patch", "delete"}
PUBLIC = "public"

#: Security-critical endpoints and who may call them (DOMAIN.md "Who uses the product").
CRITICAL: dict[tuple[str, str], frozenset[Role] | str] = {
    ("get", "/api/audit"): frozenset({Role.ADMIN}),
    # Background jobs (issue 13): queue depth and failures, for administrators.
    ("get", "/api/admin/jobs"): frozenset({Role.ADMIN}),
    ("get", "/api/users"): frozenset({Role.ADMIN}),
    ("post", "/api/users"): frozenset({Role.ADMIN}),
    ("patch", "/api/users/{user_id}"): frozenset({Role.ADMIN}),
    ("post", "/api/users/{user_id}/unlock"): frozenset({Role.ADMIN}),
    ("post", "/api/users/{user_id}/password-reset"): frozenset({Role.ADMIN}),
    # The certification body's settings (issue 10): everyone reads, administrators change.
    ("get", "/api/organisation"): frozenset(Role),
    ("patch", "/api/organisation"): frozenset({Role.ADMIN}),
    ("put", "/api/organisation/logo"): frozenset({Role.ADMIN}),
    ("delete", "/api/organisation/logo"): frozenset({Role.ADMIN}),
    ("post", "/api/organisation/certificate-number-preview"): frozenset({Role.ADMIN}),
    # Which scheme version new engagements start from: the scheme managers' call (and admins').
    ("put", "/api/schemes/{scheme_version_id}/current"): frozenset(
        {Role.ADMIN, Role.SCHEME_MANAGER}
    ),
    ("get", "/api/auth/sessions"): frozenset(Role),
    ("delete", "/api/auth/sessions/{session_id}"): frozenset(Role),
    ("get", "/api/health"): PUBLIC,
    ("get", "/api/auth/csrf"): PUBLIC,
    ("post", "/api/auth/login"): PUBLIC,
    ("post", "/api/auth/logout"): PUBLIC,
    ("get", "/api/auth/me"): frozenset(Role),
    ("post", "/api/auth/password"): frozenset(Role),
    ("get", "/api/devices"): frozenset(Role),
    ("post", "/api/devices"): frozenset(Role),
    ("delete", "/api/devices/{device_id}"): frozenset(Role),
    ("get", "/api/push/vapid-public-key"): PUBLIC,
    ("post", "/api/push/subscriptions"): frozenset(Role),
    ("delete", "/api/push/subscriptions"): frozenset(Role),
    ("get", "/api/fieldapp/engagements/{engagement_id}/packet"): frozenset(
        {Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER}
    ),
    ("get", "/api/fieldapp/schemes/{scheme_version_id}/scales"): frozenset(
        {Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER, Role.REVIEWER}
    ),
    # Customer surveys (issue 5): contact numbers only for the audit team, never for clients;
    # client users read the aggregate analysis only.
    ("post", "/api/survey-campaigns"): frozenset({Role.ADMIN, Role.TEAM_LEADER}),
    ("patch", "/api/survey-campaigns/{campaign_id}"): frozenset({Role.ADMIN, Role.TEAM_LEADER}),
    ("post", "/api/survey-campaigns/{campaign_id}/callback-draw"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER}
    ),
    ("get", "/api/survey-campaigns/{campaign_id}/callbacks"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("post", "/api/survey-responses/{response_id}/contact"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("put", "/api/survey-responses/{response_id}"): frozenset({Role.TEAM_LEADER, Role.AUDITOR}),
    ("get", "/api/survey-campaigns/{campaign_id}/responses"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("get", "/api/survey-campaigns/{campaign_id}/export.csv"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("post", "/api/survey-campaigns/{campaign_id}/exports"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("get", "/api/survey-campaigns/{campaign_id}/analysis"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    # Issue 12: the certification file holds every record, GPS track and evidence original:
    # administrators, team leaders and reviewers (further narrowed per engagement); the CNCA
    # monthly sheets are the body's administrators' reporting.
    ("get", "/api/engagements/{engagement_id}/export.zip"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.REVIEWER}
    ),
    ("get", "/api/cnca/{month}/{sheet}.xlsx"): frozenset({Role.ADMIN}),
    # Reports (issue 10): the staff who read the scores, not client users (integrity flags).
    ("get", "/api/engagements/{engagement_id}/report.pdf"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    # The engagement page (issue 10): the overview computes the open integrity flags (the same
    # readers as the report); the radar chart shows the scores (the readers of the scores).
    ("get", "/api/engagements/{engagement_id}/overview"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("get", "/api/engagements/{engagement_id}/charts/radar.svg"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    # Application and planning (CQC rule §4, §5.1): the body plans, the client confirms the plan
    # in the portal, and the portal is the client's alone.
    ("post", "/api/applications/{application_id}/review"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER}
    ),
    ("patch", "/api/engagements/{engagement_id}/plan"): frozenset({Role.TEAM_LEADER}),
    ("post", "/api/engagements/{engagement_id}/plan/issue"): frozenset({Role.TEAM_LEADER}),
    ("post", "/api/engagements/{engagement_id}/document-reviews"): frozenset({Role.TEAM_LEADER}),
    # The document review recorded on the phone, offline, by the audit team (issue 11, §5.1.4).
    ("put", "/api/engagements/{engagement_id}/document-reviews/{review_id}"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("post", "/api/portal/plans/{engagement_id}/confirm"): frozenset({Role.CLIENT_USER}),
    ("get", "/api/portal/engagements"): frozenset({Role.CLIENT_USER}),
    # Issue 9 C10: team leaders plan teams from the directory (no email addresses); the
    # administrator reads scores and results (they name no evaluator and carry no GPS).
    ("get", "/api/users/directory"): frozenset({Role.ADMIN, Role.TEAM_LEADER}),
    ("get", "/api/engagements/{engagement_id}/scores"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    ("get", "/api/engagements/{engagement_id}/results"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    # Nonconformities (issue 12, §5.2.3.1): the audit team opens and verifies, the client's users
    # answer (with evidence through their own upload), results readers read; never shoppers.
    ("get", "/api/engagements/{engagement_id}/nonconformities"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    ("post", "/api/engagements/{engagement_id}/nonconformities"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("get", "/api/nonconformities/{nc_id}"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    ("post", "/api/nonconformities/{nc_id}/answer"): frozenset({Role.CLIENT_USER}),
    ("post", "/api/nonconformities/{nc_id}/verify"): frozenset({Role.TEAM_LEADER, Role.AUDITOR}),
    ("put", "/api/nonconformities/{nc_id}/evidence/{evidence_id}"): frozenset({Role.CLIENT_USER}),
    ("get", "/api/portal/nonconformities"): frozenset({Role.CLIENT_USER}),
    ("get", "/api/nonconformities/team"): frozenset({Role.TEAM_LEADER, Role.AUDITOR}),
    # Certificates in the portal (issue 12): the client's own, for its users only.
    ("get", "/api/portal/certificates"): frozenset({Role.CLIENT_USER}),
    # The life of a certificate (issue 12, CQC §7–§9): the body decides extensions, extra
    # surveillance and conclusions; the body and team leaders plan audits; staff read.
    ("get", "/api/calendar"): frozenset(
        {Role.ADMIN, Role.REVIEWER, Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("get", "/api/certificates/{certificate_id}/lifecycle"): frozenset(
        {Role.ADMIN, Role.REVIEWER, Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("post", "/api/certificates/{certificate_id}/surveillances"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER}
    ),
    ("post", "/api/certificates/{certificate_id}/recertification"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER}
    ),
    ("post", "/api/certificates/{certificate_id}/surveillance-extension"): frozenset({Role.ADMIN}),
    ("post", "/api/certificates/{certificate_id}/extra-surveillances"): frozenset({Role.ADMIN}),
    ("post", "/api/certificate-audits/{engagement_id}/conclusion"): frozenset({Role.ADMIN}),
    # Issue 11: the audit on site. The team records, the team leader reviews, reviewers read.
    ("get", "/api/engagements/{engagement_id}/scores/input"): frozenset(
        {Role.ADMIN, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER, Role.CLIENT_USER}
    ),
    ("put", "/api/onsite-records/{record_id}"): frozenset({Role.TEAM_LEADER, Role.AUDITOR}),
    ("patch", "/api/onsite-records/{record_id}"): frozenset({Role.TEAM_LEADER, Role.AUDITOR}),
    ("get", "/api/onsite-records/{record_id}"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("get", "/api/onsite-records/{record_id}/versions"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("post", "/api/onsite-records/{record_id}/review"): frozenset({Role.TEAM_LEADER}),
    ("get", "/api/engagements/{engagement_id}/onsite-records"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
    ),
    ("post", "/api/engagements/{engagement_id}/timing-import"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    # Two raters (seed 003): the team leader pairs; the raters (or the leader) reconcile.
    ("put", "/api/rater-pairs/{pair_id}"): frozenset({Role.TEAM_LEADER}),
    ("get", "/api/rater-pairs/{pair_id}"): frozenset({Role.TEAM_LEADER, Role.AUDITOR}),
    ("put", "/api/rater-pairs/{pair_id}/reconciliation"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("get", "/api/rater-pairs/agreement"): frozenset({Role.ADMIN, Role.TEAM_LEADER}),
    ("get", "/api/engagements/{engagement_id}/onsite-form"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
    ("get", "/api/engagements/{engagement_id}/rater-pairs"): frozenset(
        {Role.TEAM_LEADER, Role.AUDITOR}
    ),
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    rule: Rule
    view: Callable[..., Any]

    @property
    def public(self) -> bool:
        return bool(getattr(self.view, "public", False))

    @property
    def allowed(self) -> frozenset[Role]:
        return frozenset(getattr(self.view, "allowed_roles", frozenset()))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def openapi_path(rule: str) -> str:
    """``/api/users/<uuid:user_id>`` → ``/api/users/{user_id}`` (flask-smorest's rendering)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def find_view(app: Flask, method: str, path: str) -> tuple[Rule, Callable[..., Any]]:
    """The URL rule and the view method (on the MethodView class) serving an operation."""
    for rule in app.url_map.iter_rules():
        if openapi_path(rule.rule) == path and method.upper() in (rule.methods or ()):
            view = app.view_functions[rule.endpoint]
            view_class = getattr(view, "view_class", None)
            function = getattr(view_class, method, None) if view_class is not None else view
            assert function is not None, f"{method.upper()} {path}: no {method}() on {view_class}"
            return rule, function
    raise AssertionError(f"{method.upper()} {path} is in the OpenAPI document but not routed")


@pytest.fixture
def operations(app: Flask, client: FlaskClient) -> list[Operation]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    found = []
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                rule, view = find_view(app, method, path)
                found.append(Operation(method, path, rule, view))
    return found


#: Candidate values for path parameters, tried in order against each converter's pattern.
_CANDIDATES = (lambda: str(uuid.uuid4()), lambda: "1", lambda: "a" * 64, lambda: "x")


def concrete_url(rule: Rule) -> str:
    """The rule's path with a plausible value for each parameter (one its converter accepts)."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        pattern = re.compile(rf"(?:{rule._converters[name].regex})\Z")
        for candidate in _CANDIDATES:
            text = candidate()
            if pattern.match(text):
                return text
        raise AssertionError(f"no test value for <{name}> in {rule.rule}")

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", value, rule.rule)


_addresses = (f"10.{a}.{b}.{c}" for a in range(256) for b in range(256) for c in range(1, 255))


def _server_session(app: Flask, user: User) -> str:
    """A live server-side session of ``user`` (as a sign-in makes): the cookie's token."""
    with app.app_context():
        database = db.session()
        _, token = session_store.create(
            database, user, lifetime=timedelta(hours=1), user_agent=None, ip=None
        )
        database.commit()
    return token


def call(app: Flask, operation: Operation, user: User | None) -> tuple[int, str | None]:
    """Call the operation as ``user`` (None: anonymous) from a fresh client; status and code."""
    client = FlaskClient(app, app.response_class, use_cookies=True)
    # A CSRF token in every session, as the PWA has: anonymous callers hold a pre-session one
    # (GET /api/auth/csrf), which sign-in requires.
    token = uuid.uuid4().hex
    signed_in = _server_session(app, user) if user is not None else None
    with client.session_transaction() as session:
        session["csrf_token"] = token
        if signed_in is not None:
            session[SESSION_TOKEN_KEY] = signed_in
    headers = {"X-CSRF-Token": token}
    kwargs: dict[str, Any] = {
        "method": operation.method.upper(),
        "headers": headers,
        # Each call from its own address: rate limits on sign-in must not decide the answer.
        "environ_base": {"REMOTE_ADDR": next(_addresses)},
    }
    if operation.method in UNSAFE:
        kwargs["json"] = {}
    response = client.open(concrete_url(operation.rule), **kwargs)
    body = response.get_json(silent=True)
    code = body.get("code") if isinstance(body, dict) else None
    return response.status_code, code


@pytest.fixture
def users(db_session: Session) -> dict[Role, User]:
    organisation = make_organisation(db_session)
    return {role: make_user(db_session, role=role, organisation=organisation) for role in Role}


def test_every_operation_declares_who_may_call_it(operations: list[Operation]) -> None:
    assert operations, "the OpenAPI document lists no operation"
    undeclared = [
        str(op)
        for op in operations
        if not hasattr(op.view, "public") or not hasattr(op.view, "allowed_roles")
    ]
    assert undeclared == [], "endpoints without @allow(...)"
    contradictory = [str(op) for op in operations if op.public and op.allowed]
    assert contradictory == []
    nobody = [str(op) for op in operations if not op.public and not op.allowed]
    assert nobody == []


def test_every_api_route_is_in_the_openapi_document(
    app: Flask, operations: list[Operation]
) -> None:
    # A route missing from the document would escape the matrix below.
    documented = {(op.method, op.path) for op in operations}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.endpoint.startswith("api-docs."):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if (method.lower(), openapi_path(rule.rule)) not in documented:
                missing.append(f"{method} {rule.rule}")
    assert missing == []


def test_the_security_critical_endpoints_are_declared_as_expected(
    operations: list[Operation],
) -> None:
    by_key = {(op.method, op.path): op for op in operations}
    for key, expected in CRITICAL.items():
        assert key in by_key, f"{key} is not in the OpenAPI document"
        operation = by_key[key]
        if expected == PUBLIC:
            assert operation.public, f"{operation} should be public"
        else:
            assert not operation.public, f"{operation} should not be public"
            assert operation.allowed == expected, f"{operation}: {sorted(operation.allowed)}"


def test_client_users_and_the_public_never_reach_survey_contacts(
    operations: list[Operation],
) -> None:
    # Respondent contact data is never shown to the client (DOMAIN.md) nor to the public.
    exposed = [
        str(op)
        for op in operations
        if op.path.startswith("/api/survey")
        and any(word in op.path for word in ("contact", "callback", "responses", "export"))
        and (op.public or Role.CLIENT_USER in op.allowed)
    ]
    assert exposed == []


def test_client_users_and_the_public_never_reach_assignments(operations: list[Operation]) -> None:
    # Shopper identities are never shown to the evaluated organisation (DOMAIN.md).
    exposed = [
        str(op)
        for op in operations
        if "assignments" in op.path and (op.public or Role.CLIENT_USER in op.allowed)
    ]
    assert exposed == []


def expected_problem(
    operation: Operation, role: Role | None, status: int, code: str | None
) -> str | None:
    """What is wrong with the answer, or None when it is what the declaration says."""
    if status >= 500:
        return f"server error {status} {code}"
    if operation.public:
        if status == 401 or code in {"FORBIDDEN", "CSRF_FAILED"}:
            return f"public endpoint answered {status} {code}"
        return None
    if role is None:
        return (
            None if (status, code) == (401, "AUTH_REQUIRED") else f"anonymous got {status} {code}"
        )
    if role not in operation.allowed:
        return None if (status, code) == (403, "FORBIDDEN") else f"got {status} {code}, not 403"
    if status == 401 or code in {"AUTH_REQUIRED", "FORBIDDEN", "CSRF_FAILED"}:
        return f"allowed role got {status} {code}"
    return None


def test_every_endpoint_answers_every_role_as_declared(
    app: Flask, operations: list[Operation], users: dict[Role, User]
) -> None:
    problems = []
    callers: list[Role | None] = [None, *Role]
    for operation in operations:
        for role in callers:
            status, code = call(app, operation, users[role] if role is not None else None)
            problem = expected_problem(operation, role, status, code)
            if problem is not None:
                who = role.value if role is not None else "anonymous"
                problems.append(f"{operation} as {who}: {problem}")
    assert problems == []
    assert len(operations) * len(callers) >= len(CRITICAL) * len(callers)
