"""Scheme versions: import a scheme file once, pin it, and parse it back for scoring.

A scheme version is the file's exact bytes (kept as UTF-8 text) and their SHA-256: importing
the same bytes again finds the same row, and every engagement's scores are computed with the
exact file it pinned (STYLE.md "A pure core": the parsing is ``backend.scoring.parse_scheme``).
Schemes are published documents, shared by every organisation on the server.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.audit.services import record
from backend.auth.actor import Actor
from backend.errors import Conflict, Forbidden, NotFound, SchemeInvalid
from backend.schemes.models import CurrentSchemeVersion, SchemeVersion
from backend.scoring import Scheme, SchemeError, parse_scheme
from backend.unit_of_work import flush_as_stored
from backend.users.models import Role

#: Who may import schemes (DOMAIN.md: the scheme manager imports and versions scheme files).
IMPORTERS: frozenset[Role] = frozenset({Role.ADMIN, Role.SCHEME_MANAGER})
#: Who may list and read them: the certification body's staff. Shoppers get the items they rate
#: through their assignments; client users see their results, not the scheme catalogue.
READERS: frozenset[Role] = frozenset(
    {Role.ADMIN, Role.SCHEME_MANAGER, Role.TEAM_LEADER, Role.AUDITOR, Role.REVIEWER}
)
#: A scheme file is tens of kilobytes; a bigger body is a mistake or an attack on the parser.
MAX_SCHEME_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportResult:
    scheme_version: SchemeVersion
    #: False when the same bytes had been imported before (nothing new was created).
    created: bool


def _check(actor: Actor, roles: frozenset[Role]) -> None:
    if actor.role not in roles:
        raise Forbidden(
            details={"role": actor.role.value, "allowed": sorted(r.value for r in roles)}
        )


def invalid(error: SchemeError) -> SchemeInvalid:
    """The API error for an invalid scheme: every problem with its path in the document."""
    return SchemeInvalid(
        details={
            "problems": [
                {"path": problem.path, "message": problem.message} for problem in error.problems
            ]
        }
    )


def import_scheme(
    session: Session,
    actor: Actor | None,
    raw: bytes,
    *,
    source: str = "<upload>",
    ip: str | None = None,
) -> ImportResult:
    """Validate and store a scheme file; the same bytes again return the stored row.

    ``actor`` is None for the command line (``fieldcert scheme import``). Raises
    ``SchemeInvalid`` (422, every problem listed) and ``Conflict`` (409) when the file reuses the
    id and version of an imported file with different content: a changed scheme needs a new
    version, or engagements pinned to "the same" version would be scored differently.
    """
    if actor is not None:
        _check(actor, IMPORTERS)
    if len(raw) > MAX_SCHEME_BYTES:
        raise SchemeInvalid(
            details={"problems": [{"path": "", "message": f"larger than {MAX_SCHEME_BYTES} bytes"}]}
        )
    try:
        scheme = parse_scheme(raw, source)
    except SchemeError as exc:
        raise invalid(exc) from exc
    except RecursionError as exc:
        # PyYAML and the reader recurse per nesting level: "[[[[...]]]]" exhausts the stack.
        raise SchemeInvalid(
            details={"problems": [{"path": "", "message": "nested too deeply"}]}
        ) from exc
    _check_column_lengths(scheme)
    existing = _find(session, scheme)
    if existing is not None:
        return ImportResult(existing, created=False)
    same_version = session.scalars(
        sa.select(SchemeVersion).where(
            SchemeVersion.scheme_id == scheme.id, SchemeVersion.version == scheme.version
        )
    ).first()
    if same_version is not None:
        raise Conflict(
            details={
                "reason": "version already imported with other content; give the file a new "
                "version",
                "scheme_id": scheme.id,
                "version": scheme.version,
                "existing_id": str(same_version.id),
                "existing_hash": same_version.content_hash,
                "content_hash": scheme.content_hash,
            },
        )
    row = SchemeVersion(
        id=uuid.uuid4(),
        scheme_id=scheme.id,
        version=scheme.version,
        content_hash=scheme.content_hash,
        title_zh=scheme.title.zh,
        title_en=scheme.title.en,
        status=scheme.status,
        # parse_scheme decoded these bytes as UTF-8, so the text gives back the same bytes.
        source_text=raw.decode("utf-8"),
        imported_by_id=actor.user.id if actor is not None else None,
    )
    session.add(row)
    record(
        session,
        actor=actor,
        action="scheme.imported",
        object_type="scheme_version",
        object_id=row.id,
        details={
            "scheme_id": row.scheme_id,
            "version": row.version,
            "content_hash": row.content_hash,
            "status": row.status,
            "source": source,
        },
        ip=ip,
    )
    try:
        ensure_current(session, row, actor)
        flush_as_stored(session)
    except IntegrityError:
        # The same file imported concurrently (unique scheme id + hash): theirs won; use it.
        session.rollback()
        existing = _find(session, scheme)
        if existing is None:
            raise
        return ImportResult(existing, created=False)
    return ImportResult(row, created=True)


def _find(session: Session, scheme: Scheme) -> SchemeVersion | None:
    return session.scalars(
        sa.select(SchemeVersion).where(
            SchemeVersion.scheme_id == scheme.id,
            SchemeVersion.content_hash == scheme.content_hash,
        )
    ).one_or_none()


#: The columns' lengths (backend/schemes/models.py): a longer value is a problem in the file.
_LIMITS = (("id", 100), ("version", 50), ("title.zh", 300), ("title.en", 300))


def _check_column_lengths(scheme: Scheme) -> None:
    values = {
        "id": scheme.id,
        "version": scheme.version,
        "title.zh": scheme.title.zh,
        "title.en": scheme.title.en,
    }
    problems = [
        {"path": path, "message": f"longer than {limit} characters"}
        for path, limit in _LIMITS
        if len(values[path]) > limit
    ]
    if problems:
        raise SchemeInvalid(details={"problems": problems})


def list_scheme_versions(session: Session, actor: Actor) -> Sequence[SchemeVersion]:
    _check(actor, READERS)
    return session.scalars(
        sa.select(SchemeVersion).order_by(
            SchemeVersion.scheme_id, SchemeVersion.imported_at, SchemeVersion.id
        )
    ).all()


def get_scheme_version(
    session: Session, actor: Actor | None, scheme_version_id: uuid.UUID
) -> SchemeVersion:
    """One scheme version; ``actor`` None skips the role check (for other services)."""
    if actor is not None:
        _check(actor, READERS)
    row = session.get(SchemeVersion, scheme_version_id)
    if row is None:
        raise NotFound(details={"scheme_version_id": str(scheme_version_id)})
    return row


# --------------------------------------------------------------------------- parsed schemes

#: Parsed schemes by content hash: parsing a scheme takes milliseconds, scoring asks often.
_CACHE: OrderedDict[str, Scheme] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()


class StoredSchemeCorrupt(RuntimeError):
    """A stored scheme text no longer matches its content hash (or no longer parses)."""


def load_scheme_version(
    session: Session, scheme_version_id: uuid.UUID, *, content_hash: str | None = None
) -> Scheme:
    """The parsed scheme of a stored version, for scoring and for the items shoppers rate.

    Cached by content hash. The text is checked against its stored hash: a score must never be
    computed with a file other than the one the engagement pinned. A caller that already read
    the version's ``content_hash`` (joined into its own query) passes it: a cached scheme then
    costs no query at all. Otherwise only the hash is read first, not the whole stored text.
    """
    if content_hash is None:
        content_hash = session.scalar(
            sa.select(SchemeVersion.content_hash).where(SchemeVersion.id == scheme_version_id)
        )
    if content_hash is not None:
        with _CACHE_LOCK:
            cached = _CACHE.get(content_hash)
            if cached is not None:
                _CACHE.move_to_end(content_hash)
                return cached
    row = get_scheme_version(session, None, scheme_version_id)
    return parsed_scheme(row)


def parsed_scheme(row: SchemeVersion) -> Scheme:
    """The parsed scheme of a stored row (cached by content hash)."""
    with _CACHE_LOCK:
        cached = _CACHE.get(row.content_hash)
        if cached is not None:
            _CACHE.move_to_end(row.content_hash)
            return cached
    try:
        scheme = parse_scheme(row.source_text.encode("utf-8"), f"scheme_versions/{row.id}")
    except SchemeError as exc:
        raise StoredSchemeCorrupt(f"stored scheme {row.id} no longer parses: {exc}") from exc
    if scheme.content_hash != row.content_hash:
        raise StoredSchemeCorrupt(
            f"stored scheme {row.id}: text hashes to {scheme.content_hash}, "
            f"row says {row.content_hash}"
        )
    with _CACHE_LOCK:
        _CACHE[row.content_hash] = scheme
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return scheme


def ensure_current(session: Session, row: SchemeVersion, actor: Actor | None) -> None:
    """The first imported version of a scheme becomes its current one (the caller commits)."""
    if session.get(CurrentSchemeVersion, row.scheme_id) is None:
        session.flush()
        session.add(
            CurrentSchemeVersion(
                scheme_id=row.scheme_id,
                scheme_version_id=row.id,
                set_by_id=actor.user.id if actor is not None else None,
            )
        )
