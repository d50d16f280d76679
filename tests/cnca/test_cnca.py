"""CNCA monthly sheets: certificate, audit-plan and audit-result rows, read back from the XLSX."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from backend.certificates.services import today_in_china
from backend.cli import main
from backend.cnca.sheets import (
    CERTIFICATE_HEADERS,
    PLAN_HEADERS,
    RESULT_HEADERS,
    BadMonth,
    parse_month,
)
from backend.engagements.models import Engagement
from tests.certificates.support import issued
from tests.evaluations.helpers import World


def _month() -> str:
    return today_in_china().strftime("%Y-%m")


def _rows(data: bytes, title: str) -> list[dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(data), read_only=True)[title]
    values = list(sheet.iter_rows(values_only=True))
    headers = values[0]
    return [dict(zip(headers, row, strict=True)) for row in values[1:]]


@pytest.fixture
def certified(client: FlaskClient, db_session: Session) -> tuple[World, dict[str, Any]]:
    world, certificate = issued(client, db_session)
    engagement = db_session.get_one(Engagement, world.engagement.id)
    engagement.starts_on = today_in_china().replace(day=1)
    engagement.ends_on = today_in_china()
    db_session.commit()
    return world, certificate


def _download(client: FlaskClient, world: World, sheet: str, month: str | None = None) -> Any:
    return client.get(f"/api/cnca/{month or _month()}/{sheet}.xlsx", headers=world.admin.headers)


def test_the_certificate_sheet_lists_the_issue_and_each_change_of_the_month(
    client: FlaskClient, db_session: Session, certified
) -> None:
    world, certificate = certified
    changed = client.post(
        f"/api/certificates/{certificate['id']}/changes",
        json={"changes": {"scope": "城镇污水处理厂工程施工服务（含运维）"}, "reason": "范围扩大"},
        headers=world.admin.headers,
    )
    assert changed.status_code == 200, changed.get_json()
    answer = _download(client, world, "certificates")
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    rows = _rows(answer.get_data(), "证书信息")
    assert [r["本月变动"] for r in rows] == ["新颁发", "变更"]
    first = rows[0]
    assert first["证书编号"] == certificate["number"]
    assert first["获证组织名称"] == certificate["fields"]["client"]
    assert first["评价等级"] == "一级"
    assert first["证书状态"] == "有效"
    assert first["颁证日期"].date() == date.fromisoformat(certificate["issued_on"])
    assert first["证书到期日期"].date() == date.fromisoformat(certificate["valid_until"])
    assert rows[1]["变动原因"] == "范围扩大"
    assert rows[1]["认证范围"] == "城镇污水处理厂工程施工服务（含运维）"


def test_the_audit_plan_and_result_sheets_carry_the_engagement_and_decision(
    client: FlaskClient, db_session: Session, certified
) -> None:
    world, certificate = certified
    data = _download(client, world, "all").get_data()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    assert workbook.sheetnames == ["证书信息", "审核计划", "审核结果"]
    assert [c.value for c in next(workbook["审核计划"].iter_rows(max_row=1))] == list(PLAN_HEADERS)
    plans = _rows(data, "审核计划")
    assert len(plans) == 1
    assert plans[0]["项目编号"] == str(world.engagement.id)
    assert plans[0]["审核类型"] == "初次认证"
    assert world.leader.user.display_name in plans[0]["审查组长"]
    assert world.auditor.user.display_name in plans[0]["审查组成员"]
    results = _rows(data, "审核结果")
    assert len(results) == 1
    result = results[0]
    assert result["认证决定"] == "批准认证"
    assert result["复核结论"] == "推荐认证"
    assert result["复核人"] == result["决定人"] == world.reviewer.user.display_name
    assert result["评价等级"] == "一级"
    assert result["证书编号"] == certificate["number"]
    # 认证依据 as the certificate prints it, on every sheet.
    assert result["认证依据"] == plans[0]["认证依据"] == certificate["fields"]["basis"]
    assert result["服务得分"] == 100
    assert list(_rows(data, "证书信息")[0]) == list(CERTIFICATE_HEADERS)
    assert list(result) == list(RESULT_HEADERS)


def test_another_month_has_headers_only(client: FlaskClient, certified) -> None:
    world, _ = certified
    data = _download(client, world, "all", month="2020-01").get_data()
    for title in ("证书信息", "审核计划", "审核结果"):
        assert _rows(data, title) == []


def test_another_bodys_administrator_sees_none_of_it(
    client: FlaskClient, db_session: Session, certified
) -> None:
    from tests.evaluations.helpers import make_world

    other = make_world(db_session)
    data = _download(client, other, "all").get_data()
    assert _rows(data, "证书信息") == [] and _rows(data, "审核结果") == []


@pytest.mark.parametrize(
    ("month", "sheet", "status", "code"),
    [("2026-13", "all", 422, "VALIDATION_ERROR"), ("2026-12", "nothing", 404, "NOT_FOUND")],
)
def test_a_bad_month_or_sheet_is_refused(
    client: FlaskClient, certified, month: str, sheet: str, status: int, code: str
) -> None:
    world, _ = certified
    answer = _download(client, world, sheet, month=month)
    assert (answer.status_code, answer.get_json()["code"]) == (status, code)


def test_only_administrators_download(client: FlaskClient, certified) -> None:
    world, _ = certified
    answer = client.get(f"/api/cnca/{_month()}/all.xlsx", headers=world.leader.headers)
    assert answer.status_code == 403


def test_months_are_calendar_months() -> None:
    assert parse_month("2024-02").last == date(2024, 2, 29)
    assert parse_month("2026-12").last == date(2026, 12, 31)
    with pytest.raises(BadMonth):
        parse_month("2026-1")


def test_the_command_writes_three_files(
    app: Flask, db_session: Session, certified, tmp_path: Path
) -> None:
    world, certificate = certified
    result = app.test_cli_runner().invoke(
        main,
        ["cnca", _month(), "--out", str(tmp_path), "--organisation", world.organisation.name],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    month = _month()
    assert names == [
        f"cnca-{month}-audit-plans.xlsx",
        f"cnca-{month}-audit-results.xlsx",
        f"cnca-{month}-certificates.xlsx",
    ]
    rows = _rows((tmp_path / f"cnca-{month}-certificates.xlsx").read_bytes(), "证书信息")
    assert rows[0]["证书编号"] == certificate["number"]


def test_the_command_exits_2_on_a_bad_month_or_an_unknown_body(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(main, ["cnca", "12/2026", "--out", str(tmp_path)]).exit_code == 2
    unknown = runner.invoke(
        main, ["cnca", "2026-12", "--out", str(tmp_path), "--organisation", "无"]
    )
    assert unknown.exit_code == 2
    assert "organisation" in unknown.stderr
