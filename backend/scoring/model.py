"""The typed model of a certification scheme: plain frozen data, every number an exact ``Fraction``.

What a scheme file (``docs/scheme-format.md``) defines, once validated: items and their scales
(§5.1), management maturity clauses and levels (Annex 2/3), decision rows (§5.3), clause
conformity (CQC §5.2.3), timing tables and lifecycle rules (CQC §5.2.3.1, §6.3, §7–§9).
``backend.scoring.reader`` builds it from a file; the engine, ``backend.lifecycle`` and the API
only read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from backend.scoring.numbers import decimal_text

FORMAT = "fieldcert-scheme/1"

#: GB/T 27207 certification modes (CQC rule §3, table 1).
MODES: dict[str, tuple[str, str]] = {
    "A": ("公开的服务特性检验", "Open service-characteristic inspection"),
    "B": ("神秘顾客（暗访）的服务特性检验", "Mystery-shopper inspection"),
    "C": ("公开的服务特性检测", "Open measurement"),
    "D": ("神秘顾客（暗访）的服务特性检测", "Mystery-shopper measurement"),
    "E": ("顾客调查", "Customer survey"),
    "F": ("服务足迹测评", "Service-footprint evaluation"),
    "G": ("服务能力确认或验证", "Capability confirmation or verification"),
    "H": ("服务设计审核", "Service design audit"),
    "I": ("服务管理审核", "Service management audit"),
}

Outcome = Literal["grade", "certified", "not_certified"]
ScaleKind = Literal["alpha_bands", "yes_no", "score"]

#: The audits of a certification cycle (CQC rule §3 table 1: 初次认证, 监督审查, 再认证).
AuditKind = Literal["initial", "surveillance", "recertification"]
AUDIT_KINDS: tuple[AuditKind, ...] = ("initial", "surveillance", "recertification")
#: What a nonconformity not rectified by its latest deadline leads to (§5.2.3.1, §7.4 b).
Consequence = Literal["audit_failed", "certificate_suspended"]
CONSEQUENCES: tuple[Consequence, ...] = ("audit_failed", "certificate_suspended")
#: Why a certificate is suspended; the longest suspension depends on it (§9.4).
SuspensionCause = Literal["client_request", "other"]
SUSPENSION_CAUSES: tuple[SuspensionCause, ...] = ("client_request", "other")


@dataclass(frozen=True)
class Text:
    """A text in Chinese (as in the source document) with English alongside."""

    zh: str
    en: str


@dataclass(frozen=True)
class Interval:
    """A range with each end open or closed, exactly as a document writes it."""

    low: Fraction
    low_inclusive: bool
    high: Fraction
    high_inclusive: bool

    def contains(self, value: Fraction) -> bool:
        above = value >= self.low if self.low_inclusive else value > self.low
        below = value <= self.high if self.high_inclusive else value < self.high
        return above and below

    def describe(self, name: str = "α") -> str:
        lo = "≤" if self.low_inclusive else "<"
        hi = "≤" if self.high_inclusive else "<"
        return f"{decimal_text(self.low)} {lo} {name} {hi} {decimal_text(self.high)}"


@dataclass(frozen=True)
class Band(Interval):
    """One band of an alpha scale, e.g. §5.1.1 level 2: 0.2 < α <= 0.4."""

    level: int
    label: Text
    #: The α a bare level counts as (our reading: the band's upper bound), kept as data.
    level_alpha: Fraction


@dataclass(frozen=True)
class Scale:
    """How an item is rated: Likert level or exact α, a yes/no judgement, or a score up to a max."""

    code: str
    kind: ScaleKind
    title: Text
    bands: tuple[Band, ...] = ()
    maximum: Fraction | None = None

    def band_of(self, alpha: Fraction) -> Band:
        for band in self.bands:
            if band.contains(alpha):
                return band
        raise ValueError(f"α {alpha} is in no band of scale {self.code}")

    def band_for_level(self, level: int) -> Band | None:
        for band in self.bands:
            if band.level == level:
                return band
        return None


@dataclass(frozen=True)
class Item:
    """One scored item of the service-characteristic table (Annex 1)."""

    code: str
    points: Fraction
    scale: Scale
    characteristic: str
    title: Text | None = None
    text: Text | None = None
    dimension: str | None = None
    bonus: bool = False


@dataclass(frozen=True)
class Characteristic:
    code: str
    title: Text
    points: Fraction
    items: tuple[Item, ...]


@dataclass(frozen=True)
class ServiceModel:
    """Service-characteristic evaluation (§5.1): points x α per item, one score per evaluation."""

    section: str
    total_points: Fraction
    characteristics: tuple[Characteristic, ...]
    items: Mapping[str, Item]
    dimensions: Mapping[str, Text]
    #: §5.1.2 by default: every accepted evaluation weighs the same. A scheme may weight modes.
    mode_weights: Mapping[str, Fraction] | None
    bonus_items: tuple[Item, ...] = ()
    bonus_cap: Fraction | None = None
    bonus_title: Text | None = None
    aggregation_note: Text | None = None


@dataclass(frozen=True)
class Clause:
    """A management clause rated for maturity (Annex 2/3)."""

    code: str
    title: Text
    chapter: str
    #: Points per maturity level 1..5 (Annex 3); or ``points`` x a coefficient scale.
    points_by_level: tuple[Fraction, ...] | None
    points: Fraction | None
    scale: Scale | None

    @property
    def max_points(self) -> Fraction:
        if self.points_by_level is not None:
            return max(self.points_by_level)
        assert self.points is not None
        return self.points


@dataclass(frozen=True)
class LevelBand(Interval):
    """A range of totals that earns a level, e.g. Annex 3: 45 <= total < 70 is level 2."""

    level: int
    label: Text


@dataclass(frozen=True)
class ManagementModel:
    section: str
    total_points: Fraction
    chapters: Mapping[str, Text]
    clauses: Mapping[str, Clause]
    grading: tuple[LevelBand, ...]
    exemption_note: Text | None = None


@dataclass(frozen=True)
class Conditions:
    """What a decision row needs. Every condition that is set must hold."""

    service_min: Fraction | None = None
    service_below: Fraction | None = None
    management_level_min: int | None = None
    management_total_min: Fraction | None = None
    conformity_passed: bool | None = None
    #: CQC §5.2.3.1: a nonconformity must be rectified (and verified) before certification.
    no_open_nonconformities: bool | None = None
    #: §5.2.3.1 所有条款按照符合程度进行判定: every clause of the scheme must be judged.
    all_clauses_judged: bool | None = None

    def is_empty(self) -> bool:
        return all(
            v is None
            for v in (
                self.service_min,
                self.service_below,
                self.management_level_min,
                self.management_total_min,
                self.conformity_passed,
                self.no_open_nonconformities,
                self.all_clauses_judged,
            )
        )


@dataclass(frozen=True)
class DecisionRow:
    id: str
    outcome: Outcome
    when: Conditions
    grade: Text | None = None
    source: str | None = None


@dataclass(frozen=True)
class DecisionModel:
    section: str
    #: Best first: the outcome is the first row whose conditions are all met (§5.3, our reading).
    rows: tuple[DecisionRow, ...]
    note: Text | None = None


@dataclass(frozen=True)
class Judgement:
    code: str
    points: Fraction
    label: Text
    requires_suggestion: bool = False
    opens_nonconformity: bool = False


@dataclass(frozen=True)
class ConformityModel:
    """Clause conformity (CQC §5.2.3): judgement points, chapter means, final mean, pass mark."""

    section: str
    judgements: Mapping[str, Judgement]
    #: A clause re-judged after rectification counts at most this judgement (§5.2.3.1).
    rectified_cap: str
    pass_mark: Fraction
    chapters: Mapping[str, Text]
    clauses: Mapping[str, tuple[str, Text]]


@dataclass(frozen=True)
class TimingTable:
    id: str
    table: str
    title: Text
    clause: str
    limit_s: Fraction
    requirement: Text
    rows: tuple[Text, ...]


@dataclass(frozen=True)
class SuggestionRule:
    """The clause judgement suggested from the share of conforming timing rows."""

    judgement: str
    share_min: Fraction
    inclusive: bool

    def matches(self, share: Fraction) -> bool:
        return share >= self.share_min if self.inclusive else share > self.share_min


@dataclass(frozen=True)
class TimingModel:
    section: str
    tables: tuple[TimingTable, ...]
    suggestion: tuple[SuggestionRule, ...]
    otherwise: str
    note: Text | None = None

    def table_for(self, clause: str) -> TimingTable | None:
        for table in self.tables:
            if table.clause == clause:
                return table
        return None


@dataclass(frozen=True)
class RectificationRule:
    """Days to rectify a nonconformity after one kind of audit, and what missing them means."""

    kind: AuditKind
    typical_days: int
    max_days: int
    on_miss: Consequence
    section: str
    note: Text | None = None


@dataclass(frozen=True)
class CertificateRule:
    """§6.3 issue within N days of the passed audit; §9.2 valid N years."""

    issue_within_days: int
    validity_years: int
    section: str
    note: Text | None = None


@dataclass(frozen=True)
class SurveillanceRule:
    """§7.3: the first surveillance within N months after the audit, then every N months."""

    first_within_months: int
    interval_months: int
    #: §7.3 按照第一次监督日期为准: later ones count from the first surveillance's date.
    counted_from: Literal["first_surveillance", "previous_surveillance"]
    #: §7.3 可申请延期，在当年（自然年）内完成: an extension runs to the end of the due year.
    extension: Literal["end_of_calendar_year"] | None
    section: str
    note: Text | None = None


@dataclass(frozen=True)
class SuspensionRule:
    """§9.4: the longest suspension, in months, per cause."""

    max_months: Mapping[SuspensionCause, int]
    section: str
    note: Text | None = None


@dataclass(frozen=True)
class RecertificationRule:
    """§8: apply from N months before the certificate expires; finish within N months after."""

    apply_from_months_before_expiry: int
    finish_within_months_after_expiry: int
    #: §8 证书有效期内最后一次年度监督结果合格，CQC直接换发新证书.
    direct_renewal: bool
    section: str
    note: Text | None = None


@dataclass(frozen=True)
class LifecycleModel:
    """The numbers of a certificate's life, as data (``backend.lifecycle`` computes the dates)."""

    section: str
    rectification: Mapping[AuditKind, RectificationRule]
    certificate: CertificateRule
    surveillance: SurveillanceRule
    suspension: SuspensionRule
    recertification: RecertificationRule
    #: Parts kept as written for features that only show them (document review, person-days).
    other: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scheme:
    id: str
    version: str
    title: Text
    status: Literal["complete", "incomplete"]
    content_hash: str
    source: str
    document: Mapping[str, Any]
    modes: Mapping[str, Any]
    scales: Mapping[str, Scale]
    service: ServiceModel | None
    management: ManagementModel | None
    decision: DecisionModel | None
    conformity: ConformityModel | None
    timing: TimingModel | None
    lifecycle: LifecycleModel | None
    notes: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    incomplete_note: Text | None = None
