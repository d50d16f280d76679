"""Every model, imported in one place so that ``Base.metadata`` is complete.

Alembic's autogenerate and ``db.create_all`` see only tables whose modules were imported.
"""

from __future__ import annotations

from backend.audit.models import AuditEntry
from backend.auth.models import SignInThrottle, UserSession
from backend.certificates.models import Certificate, CertificateChange, CertificateSuspension
from backend.clients.models import CertificationUnit, Client, Site
from backend.decisions.models import Decision, OnSiteRecord, Review
from backend.devices.models import Device
from backend.engagements.models import Assignment, Engagement, EngagementMember, EngagementSite
from backend.evaluations.models import Evaluation, EvaluationEvent, EvaluationVersion
from backend.evidence.models import EvaluationEvidence, Evidence
from backend.jobs.files import FileJob
from backend.jobs.models import OutboxJob
from backend.nonconformities.models import Nonconformity, NonconformityEvidence
from backend.onsite.models import (
    OnsiteAuditEvent,
    OnsiteAuditRecord,
    OnsiteAuditVersion,
    RaterPair,
)
from backend.organisations.models import OrganisationSettings
from backend.planning.models import (
    Application,
    ApplicationDocument,
    ApplicationUnit,
    AuditPlan,
    DocumentReview,
)
from backend.push.models import PushSubscription
from backend.schemes.models import CurrentSchemeVersion, SchemeVersion
from backend.surveillance.models import (
    CertificateAudit,
    ExtraSurveillance,
    SurveillanceExtensionGrant,
)
from backend.surveys.models import (
    CallbackDraw,
    SurveyCampaign,
    SurveyCode,
    SurveyResponse,
    SurveySite,
    SurveyTallyGroup,
    SurveyTallyLevel,
    SurveyTallyPosition,
)
from backend.users.models import Organisation, User

__all__ = [
    "Application",
    "ApplicationDocument",
    "ApplicationUnit",
    "Assignment",
    "AuditEntry",
    "AuditPlan",
    "CallbackDraw",
    "Certificate",
    "CertificateAudit",
    "CertificateChange",
    "CertificateSuspension",
    "CertificationUnit",
    "Client",
    "CurrentSchemeVersion",
    "Decision",
    "Device",
    "DocumentReview",
    "Engagement",
    "EngagementMember",
    "EngagementSite",
    "Evaluation",
    "EvaluationEvent",
    "EvaluationEvidence",
    "EvaluationVersion",
    "Evidence",
    "ExtraSurveillance",
    "FileJob",
    "Nonconformity",
    "NonconformityEvidence",
    "OnSiteRecord",
    "OnsiteAuditEvent",
    "OnsiteAuditRecord",
    "OnsiteAuditVersion",
    "Organisation",
    "OrganisationSettings",
    "OutboxJob",
    "PushSubscription",
    "RaterPair",
    "Review",
    "SchemeVersion",
    "SignInThrottle",
    "Site",
    "SurveillanceExtensionGrant",
    "SurveyCampaign",
    "SurveyCode",
    "SurveyResponse",
    "SurveySite",
    "SurveyTallyGroup",
    "SurveyTallyLevel",
    "SurveyTallyPosition",
    "User",
    "UserSession",
]
