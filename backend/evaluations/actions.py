"""Which review actions a user may take on an evaluation now, and why none: one rule.

The review endpoint (``services.review_evaluation``) refuses what this module does not allow,
and the evaluation view and the review queue tell the app the same answer (``review.actions``,
``review.reason``), so the app offers exactly the buttons the server will accept. Both call the
functions below, so the two cannot drift. Pure: no session, no request.

Who reviews (QA review of the audit team's work, issue 3): team leaders and auditors on the
engagement's audit team, never of their own evaluation. Independent reviewers (复核人, CQC
§6.1/§6.2: not on the team) read evaluations for their review and decision; they take no QA
review action here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend.evaluations.models import EvaluationStatus
from backend.users.models import Role

#: The review actions, in the order the app shows them.
REVIEW_ACTIONS = ("accept", "return", "reject", "exclude")

#: (status, action) → new status. Anything else is INVALID_TRANSITION (issue 3).
TRANSITIONS: Mapping[tuple[EvaluationStatus, str], EvaluationStatus] = {
    (EvaluationStatus.SUBMITTED, "accept"): EvaluationStatus.ACCEPTED,
    (EvaluationStatus.SUBMITTED, "return"): EvaluationStatus.RETURNED,
    (EvaluationStatus.SUBMITTED, "reject"): EvaluationStatus.REJECTED,
    (EvaluationStatus.SUBMITTED, "exclude"): EvaluationStatus.EXCLUDED,
    # An accepted evaluation may still be left out of the scores, with a reason.
    (EvaluationStatus.ACCEPTED, "exclude"): EvaluationStatus.EXCLUDED,
}

#: The status each action leads to (to recognise a replayed review).
ACTION_TARGET: Mapping[str, EvaluationStatus] = {
    "accept": EvaluationStatus.ACCEPTED,
    "return": EvaluationStatus.RETURNED,
    "reject": EvaluationStatus.REJECTED,
    "exclude": EvaluationStatus.EXCLUDED,
}

#: Roles that do QA review as members of the audit team.
_QA_ROLES = frozenset({Role.TEAM_LEADER, Role.AUDITOR})


class Refusal:
    """Why a user may take no review action at all (``details.reason`` of the 403)."""

    #: Nobody reviews their own evaluation.
    OWN_EVALUATION = "own_evaluation"
    #: The independent reviewer reads, for the review and the decision; QA review is the team's.
    INDEPENDENT_REVIEWER = "independent_reviewer"
    #: A team leader or auditor who is not on this engagement's audit team.
    NOT_ON_THE_AUDIT_TEAM = "not_on_the_audit_team"
    #: Any other role (shoppers, administrators, ...).
    ROLE = "role"
    #: Not a refusal of the user: no action applies to the evaluation's status now.
    STATUS = "status"


def refusal(role: Role, *, own: bool, on_team: bool) -> str | None:
    """Why this user may not review this evaluation whatever its status; None when they may.

    ``own``: the user is its evaluator; ``on_team``: the user is on the engagement's audit team.
    """
    if own:
        return Refusal.OWN_EVALUATION
    if role is Role.REVIEWER:
        return Refusal.INDEPENDENT_REVIEWER
    if role not in _QA_ROLES:
        return Refusal.ROLE
    if not on_team:
        return Refusal.NOT_ON_THE_AUDIT_TEAM
    return None


def allowed_in(status: EvaluationStatus) -> list[str]:
    """The actions the status allows, in ``REVIEW_ACTIONS`` order."""
    return [a for a in REVIEW_ACTIONS if (status, a) in TRANSITIONS]


@dataclass(frozen=True)
class ReviewActions:
    """What the app shows: the actions it may offer now, or why there are none."""

    actions: tuple[str, ...]
    reason: str | None


def review_actions(
    role: Role, *, own: bool, on_team: bool, status: EvaluationStatus
) -> ReviewActions:
    """The review actions this user may take on an evaluation in ``status`` now."""
    refused = refusal(role, own=own, on_team=on_team)
    if refused is not None:
        return ReviewActions((), refused)
    allowed = allowed_in(status)
    return ReviewActions(tuple(allowed), None if allowed else Refusal.STATUS)
