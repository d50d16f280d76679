"""The certification cycle: which audit started it, and which surveillances belong to it.

A cycle starts with an initial audit, and again with each recertification audit (§8:
recertification leads to a new certificate and a new three-year cycle), unless the audit failed;
one not concluded yet (``passed`` None) counts, so that its dates are known while it is pending.
Surveillance is counted inside a cycle (§7.3), and a certificate issued on or after the cycle's
audit ended is that cycle's certificate; an older one is the previous cycle's, still running while
the new one is being issued.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.lifecycle.facts import Audit, Certificate, Surveillance


@dataclass(frozen=True)
class Cycle:
    #: The latest initial or recertification audit not failed; None when none is given.
    audit: Audit | None
    #: Surveillances done after that audit ended, oldest first (all of them when it is None).
    surveillances: tuple[Surveillance, ...]
    #: The certificate belongs to this cycle (issued on or after the cycle's audit ended).
    certificate_in_cycle: bool


def current_cycle(
    audits: tuple[Audit, ...],
    surveillances: tuple[Surveillance, ...],
    certificate: Certificate | None,
) -> Cycle:
    starts = [
        (a.ended_on, i, a)
        for i, a in enumerate(audits)
        if a.kind in ("initial", "recertification") and a.passed is not False
    ]
    audit = max(starts, key=lambda t: (t[0], t[1]))[2] if starts else None
    done = sorted(
        (s for s in surveillances if audit is None or s.done_on > audit.ended_on),
        key=lambda s: s.done_on,
    )
    issued = certificate.issued_on if certificate is not None else None
    in_cycle = issued is not None and (audit is None or issued >= audit.ended_on)
    return Cycle(audit, tuple(done), in_cycle)
