"""A realistic audit plan (CQC fire-facility IoT service, initial audit, three sites)."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from backend.reports.audit_plan import AuditPlan, PlanSite, SamplingLine, ScheduleItem, TeamMember

LEADER = "李卫国"
AUDITOR = "陈思远"
EXPERT = "赵明"


def realistic_plan(**changes: object) -> AuditPlan:
    day1, day2 = date(2026, 3, 16), date(2026, 3, 17)
    schedule = [
        ScheduleItem(
            day1,
            "首次会议：介绍审查组、确认审查计划与范围、说明保密承诺",
            time(8, 30),
            time(9, 0),
            "总部",
            "全体审查组成员",
        ),
        ScheduleItem(
            day1,
            "管理体系审核：方针目标、组织架构与职责（I）",
            time(9, 0),
            time(10, 30),
            "总部 综合管理部",
            LEADER,
        ),
        ScheduleItem(
            day1,
            "服务设计与服务能力确认：平台接入、人员资质、应急预案（G）",
            time(9, 0),
            time(12, 0),
            "总部 技术部",
            AUDITOR,
        ),
        ScheduleItem(
            day1,
            "监控中心公开检验：报警信息接收与转发时限（A，3 s / 10 s / 100 s）",
            time(13, 30),
            time(16, 0),
            "监控中心",
            f"{AUDITOR}、{EXPERT}",
        ),
        ScheduleItem(
            day1,
            "顾客投诉处理、服务质量监测记录抽查",
            time(13, 30),
            time(15, 30),
            "总部 客服部",
            LEADER,
        ),
        ScheduleItem(day1, "审查组内部沟通", time(16, 30), time(17, 0), "总部", "全体审查组成员"),
        ScheduleItem(
            day2,
            "联网单位现场：设施运行、维护保养记录核查（A）",
            time(8, 30),
            time(11, 30),
            "红谷滩联网单位",
            AUDITOR,
        ),
        ScheduleItem(
            day2,
            "联网单位现场：值班人员访谈、应急演练记录（A）",
            time(8, 30),
            time(11, 30),
            "青山湖联网单位",
            EXPERT,
        ),
        ScheduleItem(
            day2,
            "顾客调查：面访与问卷回收情况核对（E）",
            time(9, 0),
            time(11, 30),
            "总部 客服部",
            LEADER,
        ),
        ScheduleItem(
            day2, "不符合项汇总、审查结论评定", time(13, 30), time(15, 30), "总部", "全体审查组成员"
        ),
        ScheduleItem(
            day2,
            "末次会议：通报审查发现与不符合项，说明整改要求与期限",
            time(15, 30),
            time(16, 30),
            "总部",
            "全体审查组成员",
        ),
    ]
    fields: dict[str, object] = {
        "organisation": "fieldcert 演示认证机构",
        "reference": "SC-2026-0042-P1",
        "client": "江西赣安消防科技有限公司",
        "client_address": "江西省南昌市红谷滩区丰和中大道 1088 号",
        "audit_kind": "initial",
        "modes": ("A", "E", "G", "I"),
        "purpose": (
            "依据认证依据评价受审查方的消防设施物联网服务特性、服务能力和服务管理是否满足认证"
            "要求，确定能否推荐认证注册；确认服务体系运行的有效性，识别持续改进的机会。"
        ),
        "basis": (
            "CQC83-831102-2025《服务认证规则 消防设施物联网服务》",
            "CQC/SC 11002《消防设施物联网服务技术规范》",
            "GB/T 27207《合格评定 服务认证技术通则》",
            "受审查方的服务管理体系文件及适用的法律法规",
        ),
        "scope": (
            "消防设施物联网服务（远程监控、报警信息处理与转发、设施运行状态监测及维护提示），"
            "覆盖总部、监控中心及所服务的联网单位。"
        ),
        "process": (
            "文件审核：审查服务管理体系文件、服务规范与应急预案（已完成，1 人日）。",
            "现场审查：按认证模式 A、E、G、I 实施，服务特性检验在服务正常开展时进行（§4.4.4 b）。",
            "报警信息转发时限按技术规范抽测 3 s、10 s、100 s 三档，记录每次实测值。",
            "发现的不符合项当场与受审查方确认，并约定整改期限。",
        ),
        "sampling": (
            SamplingLine(
                "site", "联网单位", 46, 2, "按 CNAS-TRC-018:2023 风险评估抽取，兼顾地域与规模"
            ),
            SamplingLine(
                "service_item", "报警信息转发测试", None, 30, "每个抽样联网单位各抽测 15 次"
            ),
            SamplingLine("service_item", "维护保养记录", 120, 20, "随机抽取近 12 个月记录"),
            SamplingLine(
                "survey", "联网单位负责人", 46, 41, "置信度 95%，误差 ±5%，不足时面访补充"
            ),
        ),
        "sites": (
            PlanSite(
                "总部",
                "南昌市红谷滩区丰和中大道 1088 号",
                ("综合管理部", "技术部", "客服部"),
                "管理体系审核、服务能力确认",
            ),
            PlanSite(
                "监控中心",
                "南昌市红谷滩区丰和中大道 1088 号 5 楼",
                ("监控中心",),
                "报警接收与转发时限检验",
            ),
            PlanSite("红谷滩联网单位", "南昌市红谷滩区会展路 999 号", ("值班室",), "设施运行检验"),
            PlanSite(
                "青山湖联网单位",
                "南昌市青山湖区北京东路 1 号",
                ("值班室",),
                "设施运行检验、人员访谈",
            ),
        ),
        "starts_on": day1,
        "ends_on": day2,
        "schedule": tuple(schedule),
        "team": (
            TeamMember(
                LEADER,
                "审查组长",
                "服务认证审查员 CCAA-2024-SC-01234",
                "管理体系审核（I）、顾客调查（E）",
            ),
            TeamMember(
                AUDITOR,
                "审查员",
                "服务认证审查员 CCAA-2023-SC-05678",
                "服务能力确认（G）、公开检验（A）",
            ),
            TeamMember(EXPERT, "技术专家", "注册消防工程师", "报警转发时限测试"),
        ),
        "person_days": Decimal("5"),
        "person_days_basis": "文件审核 1 人日（§5.1.2），现场审查 2 个认证单元各 2 人日（§5.2.2）",
        "prepared_by": LEADER,
        "prepared_on": date(2026, 3, 2),
    }
    fields.update(changes)
    return AuditPlan(**fields)  # type: ignore[arg-type]
