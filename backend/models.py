"""Every model, imported in one place so that ``Base.metadata`` is complete.

Alembic's autogenerate and ``db.create_all`` see only tables whose modules were imported.
"""

from __future__ import annotations

from backend.audit.models import AuditEntry
from backend.auth.models import SignInThrottle, UserSession
from backend.clients.models import CertificationUnit, Client, Site
from backend.devices.models import Device
from backend.engagements.models import Assignment, Engagement, EngagementMember, EngagementSite
from backend.evaluations.models import Evaluation, EvaluationEvent, EvaluationVersion
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.push.models import PushSubscription
from backend.schemes.models import SchemeVersion
from backend.surveys.models import (
    CallbackDraw,
    SurveyCampaign,
    SurveyCode,
    SurveyResponse,
    SurveySite,
)
from backend.users.models import Organisation, User

__all__ = [
    "Assignment",
    "AuditEntry",
    "CallbackDraw",
    "CertificationUnit",
    "Client",
    "Device",
    "Engagement",
    "EngagementMember",
    "EngagementSite",
    "Evaluation",
    "EvaluationEvent",
    "EvaluationEvidence",
    "EvaluationVersion",
    "Evidence",
    "Organisation",
    "PushSubscription",
    "SchemeVersion",
    "SignInThrottle",
    "Site",
    "SurveyCampaign",
    "SurveyCode",
    "SurveyResponse",
    "SurveySite",
    "User",
    "UserSession",
]
