"""The CNCA monthly sheets for an administrator of the body (thin over ``sheets``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO

from sqlalchemy.orm import Session

from backend.auth.actor import Actor
from backend.cnca.sheets import SHEET_KEYS, SHEETS, BadMonth, parse_month, sheet_named, write_xlsx
from backend.errors import NotFound, ValidationFailed

#: ``all``: the three sheets in one workbook.
ALL = "all"


@dataclass(frozen=True)
class Written:
    file_name: str
    rows: dict[str, int]


def monthly_sheet(
    session: Session, actor: Actor, month_text: str, sheet_key: str, target: IO[bytes]
) -> Written:
    """Write one sheet (or ``all``) of the actor's organisation for the month into ``target``."""
    try:
        month = parse_month(month_text)
    except BadMonth as exc:
        raise ValidationFailed(details={"month": [f"应为 YYYY-MM / {exc}"]}) from exc
    if sheet_key != ALL and sheet_key not in SHEET_KEYS:
        raise NotFound(details={"sheet": sheet_key, "known": [*SHEET_KEYS, ALL]})
    sheets = SHEETS if sheet_key == ALL else (sheet_named(sheet_key),)
    rows = write_xlsx(session, actor.user.organisation_id, month, sheets, target)
    return Written(f"cnca-{month.label}-{sheet_key}.xlsx", rows)
