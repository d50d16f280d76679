"""The demo engagement's report, with a realistic set of accepted visits and inspections.

Also the picture a person looks at: the PDF and, where Debian's pdftoppm is installed, one PNG
per page go to ``test-artifacts/reports/`` (gitignored), and the render time and size are
printed (``pytest -s``).
"""

from __future__ import annotations

import random
import shutil
import subprocess
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backend.auth.access import Actor
from backend.clients.models import Site
from backend.demo import DEMO_ENGAGEMENT, DEMO_LOGINS, load_demo_data
from backend.engagements.models import Engagement, EngagementSite
from backend.reports.engagement import engagement_report, render_engagement_report
from backend.users.models import Role, User
from tests.evaluations.helpers import VISIT_END, VISIT_START, beijing, make_device
from tests.factories import make_assignment
from tests.reports.pdfcheck import assert_fonts_embedded, page_count, text

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "reports"
#: TBSC034 Annex 1: seven characteristics, nineteen items.
ITEMS = [*(f"{c}.{i}" for c in range(1, 7) for i in range(1, 4)), "7.1"]


def _payload(engagement: Engagement, site: Site, mode: str, rng: random.Random) -> dict[str, Any]:
    # Better on the first characteristics than on the last: a radar chart with a shape.
    ratings: dict[str, Any] = {}
    for item in ITEMS:
        chapter = int(item.split(".")[0])
        if rng.random() < 0.08:
            ratings[item] = {"na": True, "reason": "本次未涉及"}
        else:
            ratings[item] = {"level": max(1, min(5, 5 - chapter // 3 + rng.choice((-1, 0, 0, 1))))}
    return {
        "engagement_id": str(engagement.id),
        "site_id": str(site.id),
        "mode": mode,
        "ratings": ratings,
        "notes": "现场服务规范，资料齐全。",
        "item_notes": {},
        "started_at": beijing(VISIT_START),
        "ended_at": beijing(VISIT_END),
        "gps_fixes": [
            {
                "latitude": site.latitude,
                "longitude": site.longitude,
                "accuracy_m": 15.0,
                "captured_at": beijing(VISIT_START + timedelta(minutes=2)),
            }
        ],
        "evidence": [],
        "submit": True,
    }


def test_the_demo_engagement_report(client: FlaskClient, db_session: Session) -> None:
    load_demo_data(db_session)
    users = {
        login.role: db_session.scalars(sa.select(User).where(User.email == login.email)).one()
        for login in DEMO_LOGINS
    }
    headers = {}
    for role in (Role.SHOPPER, Role.AUDITOR, Role.TEAM_LEADER):
        token = make_device(db_session, users[role]).token  # type: ignore[attr-defined]
        headers[role] = {"Authorization": f"Bearer {token}"}
    engagement = db_session.scalars(
        sa.select(Engagement).where(Engagement.title == DEMO_ENGAGEMENT)
    ).one()
    sites = db_session.scalars(
        sa.select(Site)
        .join(EngagementSite, EngagementSite.site_id == Site.id)
        .where(EngagementSite.engagement_id == engagement.id)
        .order_by(Site.name)
    ).all()
    rng = random.Random(20260316)  # noqa: S311 - repeatable test data, not a secret
    for n in range(12):
        site = sites[n % len(sites)]
        mode = "B" if n % 3 else "A"
        body = _payload(engagement, site, mode, rng)
        if mode == "B":
            assignment = make_assignment(
                db_session, engagement=engagement, site=site, shopper=users[Role.SHOPPER]
            )
            body["assignment_id"] = str(assignment.id)
        who = headers[Role.SHOPPER if mode == "B" else Role.AUDITOR]
        evaluation_id = uuid.uuid4()
        created = client.put(f"/api/evaluations/{evaluation_id}", json=body, headers=who)
        assert created.status_code == 201, created.get_json()
        if n < 11:  # the last one still waits for review
            accepted = client.post(
                f"/api/evaluations/{evaluation_id}/review",
                json={"action": "accept", "comment": "记录完整"},
                headers={**headers[Role.TEAM_LEADER], "If-Match": '"v1"'},
            )
            assert accepted.status_code == 200, accepted.get_json()

    started = time.perf_counter()
    report = engagement_report(db_session, Actor(users[Role.TEAM_LEADER]), engagement.id)
    gathered = time.perf_counter()
    pdf = render_engagement_report(report)
    rendered = time.perf_counter()
    render_engagement_report(report)  # again, with fonts and Pango already loaded
    again = time.perf_counter()
    print(
        f"\ndemo engagement report: data {gathered - started:.2f} s, render "
        f"{rendered - gathered:.2f} s (first in the process), {again - rendered:.2f} s (next), "
        f"{len(pdf) / 1024:.0f} KiB, {page_count(pdf)} pages"
    )
    assert "（审查组长）（审查组长）" not in text(pdf).replace("\n", "")

    assert_fonts_embedded(pdf)
    content = text(pdf)
    for heading in ("服务认证测评报告", "三、各服务特性得分", "六、测评记录真实性核查汇总"):
        assert heading in content
    assert "江西某污水处理工程有限公司" in content
    assert "阶段性结果" in content  # one visit waits for review, mode E has no answers yet
    assert report.evaluations_counted == 11
    assert len(report.per_characteristic) == 7
    assert all(row.score is not None for row in report.per_characteristic)
    assert len(pdf) < 1_000_000

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "engagement-report.pdf").write_bytes(pdf)
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        for old in ARTIFACTS.glob("engagement-report-*.png"):
            old.unlink()
        subprocess.run(
            [
                pdftoppm,
                "-r",
                "80",
                "-png",
                str(ARTIFACTS / "engagement-report.pdf"),
                str(ARTIFACTS / "engagement-report"),
            ],
            check=True,
        )
        assert sorted(ARTIFACTS.glob("engagement-report-*.png"))
