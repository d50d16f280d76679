"""The pure lifecycle core: a certificate's deadlines, due dates and status from a scheme's rules.

No Flask, no SQLAlchemy: plain frozen data in (``facts``), plain results out, so the API, the
CLI and the later product (certificates, the surveillance calendar, nonconformity reminders) share
one implementation of the CQC rule's dates (seed 002 §5.2.3.1, §6.3, §7–§9). Typical use::

    scheme = load_scheme("schemes/cqc83-831102-2025.yaml")
    facts = parse_lifecycle_input(json.loads(text), scheme.lifecycle)
    print(lifecycle_json(scheme, calculate(scheme.lifecycle, facts)))

The parts: ``dates`` (calendar arithmetic), ``facts`` (the input data), one module per rule
(``nonconformities``, ``certificate``, ``cycle`` and ``surveillance``, ``suspensions``,
``recertification``), ``calculate`` (all of them as of a day), ``inputs`` and ``render`` (the JSON
of ``fieldcert lifecycle``), ``cli`` (the command). The numbers are the scheme's ``lifecycle``
section (``backend.scoring.model.LifecycleModel``); our readings are its notes and
``docs/lifecycle.md``.
"""

from backend.lifecycle.calculate import AuditResult, LifecycleResult, calculate
from backend.lifecycle.certificate import (
    CertificateResult,
    Status,
    SuspensionDue,
    certificate_status,
    issue_by,
    valid_until,
)
from backend.lifecycle.dates import add_days, add_months, add_years, end_of_year
from backend.lifecycle.facts import (
    Audit,
    Certificate,
    Facts,
    Nonconformity,
    Surveillance,
    SurveillanceExtension,
    Suspension,
)
from backend.lifecycle.inputs import parse_lifecycle_input
from backend.lifecycle.nonconformities import (
    Deadlines,
    NonconformityResult,
    is_overdue,
    rectification_deadlines,
)
from backend.lifecycle.recertification import RecertificationResult, recertification_window
from backend.lifecycle.render import lifecycle_json
from backend.lifecycle.surveillance import (
    SurveillanceResult,
    extension_until,
    surveillance_due,
)
from backend.lifecycle.suspensions import SuspensionResult, suspension_ends_by

__all__ = [
    "Audit",
    "AuditResult",
    "Certificate",
    "CertificateResult",
    "Deadlines",
    "Facts",
    "LifecycleResult",
    "Nonconformity",
    "NonconformityResult",
    "RecertificationResult",
    "Status",
    "Surveillance",
    "SurveillanceExtension",
    "SurveillanceResult",
    "Suspension",
    "SuspensionDue",
    "SuspensionResult",
    "add_days",
    "add_months",
    "add_years",
    "calculate",
    "certificate_status",
    "end_of_year",
    "extension_until",
    "is_overdue",
    "issue_by",
    "lifecycle_json",
    "parse_lifecycle_input",
    "recertification_window",
    "rectification_deadlines",
    "surveillance_due",
    "suspension_ends_by",
    "valid_until",
]
