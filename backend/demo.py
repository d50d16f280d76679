"""Demo data: one organisation and one user per role, for trying fieldcert on a laptop.

``fieldcert demo load`` is idempotent: it creates what is missing, puts back what was changed,
and leaves rows that already match untouched (not even a new password salt).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from backend.auth.passwords import hash_password, verify_password
from backend.users.models import Organisation, Role, User
from backend.users.services import (
    add_organisation,
    add_user,
    get_organisation_by_name,
    get_user_by_email,
)

DEMO_ORGANISATION = "fieldcert 演示认证机构"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    role: Role
    email: str
    password: str
    display_name: str


#: Fixed, published passwords: demo data never belongs on a server (see FIELDCERT_ENV).
DEMO_LOGINS: Sequence[DemoLogin] = (
    DemoLogin(Role.ADMIN, "admin@demo.fieldcert.cn", "demo-admin-2026", "王管理（认证机构管理员）"),
    DemoLogin(
        Role.SCHEME_MANAGER,
        "scheme-manager@demo.fieldcert.cn",
        "demo-scheme-manager-2026",
        "李方案（方案管理）",
    ),
    DemoLogin(
        Role.TEAM_LEADER,
        "team-leader@demo.fieldcert.cn",
        "demo-team-leader-2026",
        "张组长（审查组长）",
    ),
    DemoLogin(Role.AUDITOR, "auditor@demo.fieldcert.cn", "demo-auditor-2026", "刘审查（审查员）"),
    DemoLogin(
        Role.REVIEWER, "reviewer@demo.fieldcert.cn", "demo-reviewer-2026", "陈复核（复核人）"
    ),
    DemoLogin(Role.SHOPPER, "shopper@demo.fieldcert.cn", "demo-shopper-2026", "周暗访（神秘顾客）"),
    DemoLogin(
        Role.CLIENT_USER,
        "client@demo.fieldcert.cn",
        "demo-client-2026",
        "孙委托（服务提供者）",
    ),
)


@dataclass(frozen=True, slots=True)
class DemoLoadResult:
    created: int
    updated: int
    unchanged: int


class DemoRefused(click.ClickException):
    """Demo data was asked for where it must not go."""


def load_demo_data(session: Session) -> DemoLoadResult:
    """Create or restore the demo organisation and users, then commit."""
    created = updated = unchanged = 0
    organisation = get_organisation_by_name(session, DEMO_ORGANISATION)
    if organisation is None:
        organisation = add_organisation(session, name=DEMO_ORGANISATION)
        created += 1
    else:
        unchanged += 1
    for login in DEMO_LOGINS:
        user = get_user_by_email(session, login.email)
        if user is None:
            add_user(
                session,
                organisation=organisation,
                email=login.email,
                display_name=login.display_name,
                role=login.role,
                password=login.password,
            )
            created += 1
        elif _restore(user, login, organisation):
            updated += 1
        else:
            unchanged += 1
    session.commit()
    return DemoLoadResult(created=created, updated=updated, unchanged=unchanged)


def _restore(user: User, login: DemoLogin, organisation: Organisation) -> bool:
    """Put a demo user back into its demo state; whether anything had to change."""
    changed = False
    if user.organisation_id != organisation.id:
        user.organisation = organisation
        changed = True
    if user.display_name != login.display_name:
        user.display_name = login.display_name
        changed = True
    if user.role is not login.role:
        user.role = login.role
        changed = True
    if not user.is_active:
        user.is_active = True
        changed = True
    # Only a password that no longer matches is rehashed: a fresh salt would be a change too.
    if not verify_password(user.password_hash, login.password):
        user.password_hash = hash_password(login.password)
        changed = True
    return changed


def format_logins_table(logins: Sequence[DemoLogin]) -> str:
    """The demo logins as a plain-text table, aligned also for Chinese (wide) characters."""
    rows = [("role", "email", "password", "name")] + [
        (login.role.value, login.email, login.password, login.display_name) for login in logins
    ]
    widths = [max(_display_width(row[column]) for row in rows) for column in range(4)]

    def line(cells: Sequence[str]) -> str:
        padded = (
            cell + " " * (width - _display_width(cell))
            for cell, width in zip(cells, widths, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(rows[0]), rule, *(line(row) for row in rows[1:])])


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


demo_cli = AppGroup("demo", help="Demo data for trying fieldcert locally (never in production).")


@demo_cli.command("load")
def load_command() -> None:
    """Create the demo organisation and one user per role (idempotent)."""
    from backend.extensions import db

    if current_app.config["FIELDCERT_ENV"] == "production":
        raise DemoRefused(
            "FIELDCERT_ENV=production: refusing to load demo data with published passwords."
        )
    result = load_demo_data(db.session())
    click.echo(
        f"Demo data for {DEMO_ORGANISATION}: {result.created} created, "
        f"{result.updated} restored, {result.unchanged} unchanged."
    )
    click.echo(format_logins_table(DEMO_LOGINS))


@demo_cli.command("logins")
def logins_command() -> None:
    """Print the demo logins (changes nothing)."""
    click.echo(format_logins_table(DEMO_LOGINS))
