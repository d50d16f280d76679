"""The evaluations feature's services, one import for the routes, other features and tests.

The work is split by responsibility (each module says what it is for):

* ``content``: canonical content, its hashes, the check against the pinned scheme;
* ``access``: who may read what (CQC rule §6.1, §6.2), the log of personal-data reads;
* ``views``: what the API shows of an evaluation;
* ``writes``: versions, evidence links and status events every change writes;
* ``create``, ``edit``, ``review``: the offline-safe changes (docs/sync.md);
* ``reads``: one evaluation, its versions, an engagement's queue, client results;
* ``signals``: the events other features hear (a visit submitted or returned), and the
  question the scores ask them (push and surveys connect to them).
"""

from __future__ import annotations

from backend.evaluations.access import (
    Access,
    evaluation_access,
    log_personal_read,
)
from backend.evaluations.content import (
    Content,
    apply_payload,
    canonical_json,
    content_of,
    create_hash,
    iso_utc,
    load_scheme_version,
    sha256_hex,
)
from backend.evaluations.create import MYSTERY_SHOPPER_MODES, create_evaluation
from backend.evaluations.edit import EDITABLE, edit_evaluation
from backend.evaluations.reads import (
    ClientResult,
    client_results,
    get_evaluation,
    list_engagement_evaluations,
    list_versions,
)
from backend.evaluations.review import review_evaluation
from backend.evaluations.views import (
    EvaluationReceipt,
    EvaluationSummary,
    EvaluationView,
    Person,
    build_view,
    current_version,
)

__all__ = [
    "EDITABLE",
    "MYSTERY_SHOPPER_MODES",
    "Access",
    "ClientResult",
    "Content",
    "EvaluationReceipt",
    "EvaluationSummary",
    "EvaluationView",
    "Person",
    "apply_payload",
    "build_view",
    "canonical_json",
    "client_results",
    "content_of",
    "create_evaluation",
    "create_hash",
    "current_version",
    "edit_evaluation",
    "evaluation_access",
    "get_evaluation",
    "iso_utc",
    "list_engagement_evaluations",
    "list_versions",
    "load_scheme_version",
    "log_personal_read",
    "review_evaluation",
    "sha256_hex",
]
