"""The certification body's letterhead for its documents: name, address, report logo."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from backend.organisations.models import OrganisationSettings
from backend.reports.pdf import Letterhead
from backend.users.models import Organisation


def letterhead_for(session: Session, organisation_id: uuid.UUID) -> Letterhead:
    """The organisation's name, with the address and logo of its settings when it has some."""
    organisation = session.get_one(Organisation, organisation_id)
    settings = session.get(OrganisationSettings, organisation_id)
    if settings is None:
        return Letterhead(name=organisation.name)
    return Letterhead(
        name=organisation.name,
        address=settings.address,
        logo=settings.logo,
        logo_media_type=settings.logo_media_type,
    )
