"""The audit plan as a PDF (审查计划, CQC rule §4.4.4 a)): an issued snapshot handed to the
reports feature's renderer (``backend.reports.audit_plan``), which draws every plan the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from backend.reports.audit_plan import (
    AuditPlan,
    PlanSite,
    SamplingLine,
    TeamMember,
    render_audit_plan,
)

_ROLE = {"leader": "审查组长", "auditor": "审查员"}


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def audit_plan(
    content: Mapping[str, Any], *, revision: int, issued_at: datetime | None
) -> AuditPlan:
    """The renderer's plain data from a plan snapshot (``plans._content``)."""
    engagement = content["engagement"]
    sampling = content["sampling"]
    days = content["person_days"]
    scheme = content["scheme"]
    lines = [
        SamplingLine(
            kind="site",
            subject="服务场所",
            population=max(sampling.get("site_population", 0), sampling["site_count"]),
            sample=sampling["site_count"],
            method="初次审查原则上全覆盖（§4.4.4 b)）；多场所按风险评估抽样（§4.4.2）",
        )
    ]
    if sampling["service_items"]:
        items = sampling["service_items"]
        lines.append(
            SamplingLine(
                kind="service_item",
                subject="服务特性检验项目：" + "、".join(items),
                population=max(sampling.get("item_population", 0), len(items)),
                sample=len(items),
            )
        )
    lines.extend(
        SamplingLine(
            kind="survey", subject=f"{t['site']} 顾客", population=None, sample=t["target"]
        )
        for t in sampling["survey_targets"]
    )
    parts = []
    if days["document_review"] is not None:
        parts.append(f"文件审核 {days['document_review']} 人日")
    if days["onsite"] is not None:
        parts.append(f"现场审查 {days['onsite']} 人日（{days['units']} 个认证单元）")
    if days["extra"] not in (None, "0"):
        parts.append(f"增加 {days['extra']} 人日：{days['extra_reason']}")
    basis = (
        f"依据认证规则 {days['section']}"
        if days["source"] == "scheme"
        else "认证方案未规定人日数，由审查组长核定"
    )
    units = "、".join(content["units"])
    leader = next((m["name"] for m in content["team"] if m["team_role"] == "leader"), "")
    notes = [sampling["note"]] if sampling["note"] else []
    # Which items each mode rates (seed 003: unannounced experience or open inspection).
    notes.extend(
        f"模式 {mode} 评价项目：" + "、".join(codes)
        for mode, codes in sorted((sampling.get("items_by_mode") or {}).items())
    )
    notes.append("请受审查方确认本计划；计划如有变更，将书面通知并重新确认（§4.4.4 c)）。")
    return AuditPlan(
        organisation=content.get("organisation", ""),
        reference=f"AP-{engagement['id'][:8].upper()}",
        client=content["client"]["name"],
        client_address=content["sites"][0]["address"] if content["sites"] else "",
        audit_kind=engagement["kind"],
        modes=tuple(engagement["modes"]),
        purpose=content["purpose"],
        basis=(*_lines(content["basis"]), f"认证方案：{scheme['title']}（{scheme['version']}）"),
        scope=content["scope"] + (f"\n认证单元：{units}" if units else ""),
        process=_lines(content["process"]),
        sampling=tuple(lines),
        sites=tuple(
            PlanSite(
                name=s["name"],
                address=s["address"],
                departments=_lines(content["departments"].replace("、", "\n")),
            )
            for s in content["sites"]
        ),
        starts_on=date.fromisoformat(engagement["starts_on"]),
        ends_on=date.fromisoformat(engagement["ends_on"]),
        schedule=(),
        team=tuple(
            TeamMember(name=m["name"], role=_ROLE.get(m["team_role"], m["team_role"]))
            for m in content["team"]
        ),
        person_days=Decimal(days["total"]),
        person_days_basis="；".join(parts) + f"。{basis}。" if parts else basis,
        prepared_by=leader,
        prepared_on=issued_at.date() if issued_at is not None else None,
        revision=max(revision, 1),
        changes="计划变更后重新发送，请重新确认。" if revision > 1 else "",
        notes=tuple(notes),
    )


def plan_pdf(content: Mapping[str, Any], *, revision: int, issued_at: datetime | None) -> bytes:
    """The plan snapshot as an A4 PDF in Chinese (drawn by ``backend.reports``)."""
    return render_audit_plan(
        audit_plan(content, revision=revision, issued_at=issued_at), generated_at=issued_at
    )
