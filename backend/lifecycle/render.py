"""Render a ``LifecycleResult`` as the JSON document of the ``fieldcert lifecycle`` contract.

Dates are ISO 8601 strings (YYYY-MM-DD); a date that does not apply is null. Each part carries
its explanation (rule, section, Chinese, English, the numbers used), and ``explanations`` lists
them all in order, as ``fieldcert score`` does.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.lifecycle.calculate import LifecycleResult
from backend.scoring.engine.explanation import Explanation
from backend.scoring.model import Scheme
from backend.scoring.render import scheme_json


def _d(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _explanation(e: Explanation) -> dict[str, Any]:
    return {
        "rule": e.rule,
        "section": e.section,
        "zh": e.zh,
        "en": e.en,
        "numbers": dict(e.numbers),
    }


def lifecycle_json(scheme: Scheme, result: LifecycleResult) -> dict[str, Any]:
    """The whole result as plain JSON data."""
    explanations: list[dict[str, Any]] = []

    def explained(part: dict[str, Any], e: Explanation) -> dict[str, Any]:
        shown = _explanation(e)
        explanations.append(shown)
        return {**part, "explanation": shown}

    audits = [
        explained(
            {
                "id": a.id,
                "kind": a.kind,
                "ended_on": _d(a.ended_on),
                "passed": a.passed,
                "failed": a.failed,
                "overdue_nonconformities": list(a.overdue_nonconformities),
            },
            a.explanation,
        )
        for a in result.audits
    ]
    nonconformities = [
        explained(
            {
                "id": n.id,
                "audit": n.audit,
                "audit_kind": n.audit_kind,
                "opened_on": _d(n.opened_on),
                "closed_on": _d(n.closed_on),
                "typical_due": _d(n.typical_due),
                "latest_due": _d(n.latest_due),
                "overdue": n.overdue,
                "consequence": n.consequence,
            },
            n.explanation,
        )
        for n in result.nonconformities
    ]
    c = result.certificate
    certificate = explained(
        {
            "issued_on": _d(c.issued_on),
            "issue_by": _d(c.issue_by),
            "issue_audit": c.issue_audit,
            "valid_until": _d(c.valid_until),
            "withdrawn_on": _d(c.withdrawn_on),
            "status": c.status,
            "suspension_due": [
                {"since": _d(s.since), "because": s.because, "ref": s.ref} for s in c.suspension_due
            ],
        },
        c.explanation,
    )
    s = result.surveillance
    surveillance = explained(
        {
            "cycle_audit": s.cycle_audit,
            "first_on": _d(s.first_on),
            "number": s.number,
            "next_due": _d(s.next_due),
            "extension_until": _d(s.extension_until),
            "extended": s.extended,
            "overdue": s.overdue,
            "done": [
                {
                    "number": d.number,
                    "done_on": _d(d.done_on),
                    "passed": d.passed,
                    "due": _d(d.due),
                    "extended": d.extended,
                    "late": d.late,
                }
                for d in s.done
            ],
        },
        s.explanation,
    )
    suspensions = [
        explained(
            {
                "started_on": _d(x.started_on),
                "cause": x.cause,
                "ended_on": _d(x.ended_on),
                "ends_by": _d(x.ends_by),
                "open": x.open,
                "overdue": x.overdue,
            },
            x.explanation,
        )
        for x in result.suspensions
    ]
    r = result.recertification
    recertification = explained(
        {
            "apply_from": _d(r.apply_from),
            "finish_by": _d(r.finish_by),
            "open": r.open,
            "overdue": r.overdue,
            "renew_directly": r.renew_directly,
        },
        r.explanation,
    )
    return {
        "scheme": scheme_json(scheme),
        "today": _d(result.today),
        "audits": audits,
        "nonconformities": nonconformities,
        "certificate": certificate,
        "surveillance": surveillance,
        "suspensions": suspensions,
        "recertification": recertification,
        "explanations": explanations,
    }
