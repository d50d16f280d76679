"""The facts of a certificate's life: what happened, and when, as plain frozen data.

These are the calculator's inputs. ``backend.lifecycle.inputs`` builds them from the JSON of
``fieldcert lifecycle``; the product builds them from its records (engagements, nonconformities,
certificates) and calls the same ``calculate``. Every date is a fact on or before ``today``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.scoring.model import AuditKind, SuspensionCause


@dataclass(frozen=True)
class Audit:
    """An on-site audit: initial, surveillance or recertification (§3 table 1)."""

    id: str
    kind: AuditKind
    ended_on: date
    #: The audit's conclusion (§5.2.3.3): True passed, False failed, None not concluded yet.
    passed: bool | None = None


@dataclass(frozen=True)
class Nonconformity:
    """A nonconformity opened at an audit (§5.2.3.1); closed when its rectification is verified."""

    id: str
    audit: str
    opened_on: date
    closed_on: date | None = None


@dataclass(frozen=True)
class Certificate:
    """The current certificate: when it was issued and, if the body withdrew it, when."""

    issued_on: date | None = None
    #: The body's decision to withdraw (撤销, §7.4 c, §9.4 / P9B6); never inferred from dates.
    withdrawn_on: date | None = None


@dataclass(frozen=True)
class Surveillance:
    """An annual surveillance done (§7.3): its date and, once concluded, whether it passed."""

    done_on: date
    passed: bool | None = None


@dataclass(frozen=True)
class Suspension:
    """A suspension of the certificate (§9.4); ``ended_on`` is the day it was lifted."""

    started_on: date
    cause: SuspensionCause
    ended_on: date | None = None


@dataclass(frozen=True)
class SurveillanceExtension:
    """§7.3: the body granted the client's request to postpone surveillance ``number``.

    ``number`` counts the surveillances of the current certification cycle from 1.
    """

    number: int
    granted_on: date | None = None


@dataclass(frozen=True)
class Facts:
    """Everything the calculator reads; only ``today`` is required."""

    today: date
    audits: tuple[Audit, ...] = ()
    nonconformities: tuple[Nonconformity, ...] = ()
    certificate: Certificate | None = None
    #: The annual surveillances done. None (not given): the audits of kind surveillance stand
    #: for them, one per day; given (even empty), this list alone counts.
    surveillances: tuple[Surveillance, ...] | None = None
    suspensions: tuple[Suspension, ...] = ()
    extensions: tuple[SurveillanceExtension, ...] = ()
    #: Input fields the calculator does not read, by path (``suspensions[0].id``): skipped.
    ignored_fields: tuple[str, ...] = ()
