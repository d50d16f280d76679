"""Certification schemes as data: the typed model and its loader.

A scheme file (YAML, see ``docs/scheme-format.md``) carries every number and label a certification
document defines: items and points, rating scales, maturity points, level thresholds, decision rows,
conformity judgements, timing limits and lifecycle parameters. The loader checks the schema and the
consistency of the numbers (declared totals equal their sums, bands cover 0..1 without gaps,
thresholds ordered) and reports every problem with the file, the path inside it and what is wrong.

Numbers are exact ``Fraction`` values (YAML floats are read as decimals, never as binary floats).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import yaml

from backend.scoring.errors import Problem, SchemeError
from backend.scoring.numbers import describe_value, exact, is_number

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
        return f"{_num(self.low)} {lo} {name} {hi} {_num(self.high)}"


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
    lifecycle: Mapping[str, Any] | None
    notes: tuple[Mapping[str, Any], ...] = field(default_factory=tuple)
    incomplete_note: Text | None = None


def _num(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    dec = Decimal(value.numerator) / Decimal(value.denominator)
    return format(dec.normalize(), "f")


# --------------------------------------------------------------------------- loading


class _DecimalLoader(yaml.SafeLoader):
    """YAML loader that reads floats as exact decimals."""


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal | str:
    """A YAML 1.1 float as an exact decimal; forms that are no finite decimal stay text.

    YAML 1.1 also calls ``1:30`` (sexagesimal), ``.inf`` and ``.nan`` floats: they are returned as
    their text so that validation reports "must be a number" at their path instead of crashing.
    """
    assert isinstance(node, yaml.ScalarNode)
    raw = str(loader.construct_scalar(node))
    try:
        value = Decimal(raw.replace("_", ""))
    except InvalidOperation:
        return raw
    return value if value.is_finite() else raw


_DecimalLoader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_scheme(path: str | Path) -> Scheme:
    """Read, validate and return the scheme in ``path``; ``SchemeError`` lists every problem."""
    p = Path(path)
    source = str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SchemeError(
            source, [Problem("", f"cannot read file: {exc.strerror or exc}")]
        ) from exc
    return parse_scheme(raw, source)


def parse_scheme(raw: bytes, source: str = "<scheme>") -> Scheme:
    """Validate a scheme document given as bytes (its SHA-256 becomes the content hash)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SchemeError(source, [Problem("", f"not UTF-8 text ({exc.reason})")]) from exc
    try:
        data = yaml.load(text, Loader=_DecimalLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        raise SchemeError(source, [Problem("", f"{where}not valid YAML ({exc})")]) from exc
    except RecursionError as exc:
        # A hostile file can nest deeper than the parser's recursion allows.
        raise SchemeError(source, [Problem("", "nested too deeply to be a scheme")]) from exc
    digest = "sha256:" + hashlib.sha256(raw).hexdigest()
    reader = _Reader()
    try:
        scheme = reader.scheme(data, digest, source)
    except RecursionError as exc:
        raise SchemeError(source, [Problem("", "nested too deeply to be a scheme")]) from exc
    if reader.problems or scheme is None:
        raise SchemeError(source, reader.problems or [Problem("", "invalid scheme")])
    return scheme


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class _Reader:
    """Walks the raw YAML tree, building the model and collecting problems with their paths."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    # -- primitive helpers ---------------------------------------------------------------

    def fail(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def mapping(
        self, value: object, path: str, required: set[str], optional: set[str]
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.fail(path, f"must be a mapping, got {_kind(value)}")
            return None
        ok = True
        for key in value:
            if not isinstance(key, str):
                self.fail(path, f'key {key!r} must be a string (quote codes such as "1.1")')
                ok = False
            elif key not in required and key not in optional:
                self.fail(_join(path, key), "unknown key")
                ok = False
        for key in sorted(required):
            if key not in value:
                self.fail(_join(path, key), "is required")
                ok = False
        return value if ok else None

    def seq(self, value: object, path: str, *, min_len: int = 0) -> list[Any] | None:
        if not isinstance(value, list):
            self.fail(path, f"must be a list, got {_kind(value)}")
            return None
        if len(value) < min_len:
            self.fail(path, f"must have at least {min_len} entr{'y' if min_len == 1 else 'ies'}")
            return None
        return value

    def string(self, value: object, path: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"must be a non-empty string, got {_kind(value)}")
            return None
        return value

    def code(self, value: object, path: str) -> str | None:
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            self.fail(path, f'code {value} must be quoted as a string ("{value}")')
            return None
        s = self.string(value, path)
        if s is not None and not _CODE.match(s):
            self.fail(path, f"{s!r} is not a valid code (letters, digits, '.', '-', '_')")
            return None
        return s

    def number(
        self, value: object, path: str, *, min_value: Fraction | None = None, positive: bool = False
    ) -> Fraction | None:
        if not is_number(value):
            self.fail(path, f"must be a number, got {_kind(value)}")
            return None
        try:
            n = exact(value)
        except ValueError:
            self.fail(path, f"must be a finite number, got {value}")
            return None
        if positive and n <= 0:
            self.fail(path, f"must be greater than 0, got {_num(n)}")
            return None
        if min_value is not None and n < min_value:
            self.fail(path, f"must be at least {_num(min_value)}, got {_num(n)}")
            return None
        return n

    def integer(self, value: object, path: str, lo: int, hi: int) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, f"must be an integer {lo}..{hi}, got {_kind(value)}")
            return None
        if not lo <= value <= hi:
            self.fail(path, f"must be an integer {lo}..{hi}, got {value}")
            return None
        return value

    def boolean(self, value: object, path: str) -> bool | None:
        if not isinstance(value, bool):
            self.fail(path, f"must be true or false, got {_kind(value)}")
            return None
        return value

    def text(self, value: object, path: str) -> Text | None:
        m = self.mapping(value, path, {"zh", "en"}, set())
        if m is None:
            return None
        zh = self.string(m["zh"], _join(path, "zh"))
        en = self.string(m["en"], _join(path, "en"))
        if zh is None or en is None:
            return None
        return Text(zh=zh.strip(), en=en.strip())

    def opt_text(self, m: Mapping[str, Any], key: str, path: str) -> Text | None:
        return self.text(m[key], _join(path, key)) if key in m else None

    # -- the document --------------------------------------------------------------------

    def scheme(self, data: object, digest: str, source: str) -> Scheme | None:
        top = self.mapping(
            data,
            "",
            {"format", "id", "version", "title", "status", "document"},
            {
                "incomplete_note",
                "notes",
                "modes",
                "scales",
                "service",
                "management",
                "decision",
                "conformity",
                "timing",
                "lifecycle",
            },
        )
        if top is None:
            return None
        if top["format"] != FORMAT:
            self.fail("format", f"must be {FORMAT!r}, got {top['format']!r}")
        sid = self.code(top["id"], "id")
        version = self.string(top["version"], "version")
        title = self.text(top["title"], "title")
        status = top["status"]
        if status not in ("complete", "incomplete"):
            self.fail("status", f"must be 'complete' or 'incomplete', got {status!r}")
        incomplete_note = self.opt_text(top, "incomplete_note", "")
        if status == "incomplete" and incomplete_note is None:
            self.fail("incomplete_note", "an incomplete scheme must say what is missing")
        document = self.mapping(
            top["document"], "document", {"code", "title", "issuer"}, _DOC_OPTIONAL
        )
        if document is not None:
            self.string(document["code"], "document.code")
            self.text(document["title"], "document.title")
            self.text(document["issuer"], "document.issuer")
        notes = self._notes(top.get("notes", []), "notes")
        modes = self._modes(top.get("modes"), "modes")
        scales = self._scales(top.get("scales", {}), "scales")
        service = self._service(top["service"], "service", scales) if "service" in top else None
        management = (
            self._management(top["management"], "management", scales)
            if "management" in top
            else None
        )
        conformity = (
            self._conformity(top["conformity"], "conformity") if "conformity" in top else None
        )
        timing = self._timing(top["timing"], "timing", conformity) if "timing" in top else None
        decision = (
            self._decision(top["decision"], "decision", service, management, conformity)
            if "decision" in top
            else None
        )
        if service is None and management is None and conformity is None:
            self.fail("", "a scheme needs at least one of service, management or conformity")
        if service is not None and service.mode_weights is not None and modes:
            used = _all_used_modes(modes)
            for mode in service.mode_weights:
                if used and mode not in used:
                    self.fail(
                        f"service.aggregation.mode_weights.{mode}",
                        f"mode {mode} is weighted but not among the modes the scheme uses",
                    )
        lifecycle = top.get("lifecycle")
        if lifecycle is not None:
            self._lifecycle(lifecycle, "lifecycle")
        if (
            self.problems
            or sid is None
            or version is None
            or title is None
            or status not in ("complete", "incomplete")
            or document is None
        ):
            return None
        return Scheme(
            id=sid,
            version=version,
            title=title,
            status=status,
            content_hash=digest,
            source=source,
            document=document,
            modes=modes or {},
            scales=scales,
            service=service,
            management=management,
            decision=decision,
            conformity=conformity,
            timing=timing,
            lifecycle=lifecycle,
            notes=tuple(notes),
            incomplete_note=incomplete_note,
        )

    def _notes(self, value: object, path: str) -> list[Mapping[str, Any]]:
        items = self.seq(value, path)
        out: list[Mapping[str, Any]] = []
        for i, raw in enumerate(items or []):
            p = f"{path}[{i}]"
            m = self.mapping(raw, p, {"topic", "zh", "en"}, {"section"})
            if m is None:
                continue
            self.string(m["topic"], _join(p, "topic"))
            self.string(m["zh"], _join(p, "zh"))
            self.string(m["en"], _join(p, "en"))
            out.append(m)
        return out

    def _modes(self, value: object, path: str) -> dict[str, Any] | None:
        if value is None:
            return None
        m = self.mapping(value, path, set(), {"used", "section", "note"})
        if m is None:
            return None
        used = m.get("used")
        if used is not None:
            um = self.mapping(
                used, _join(path, "used"), set(), {"initial", "surveillance", "recertification"}
            )
            for stage, modes in (um or {}).items():
                seq = self.seq(modes, _join(path, "used", stage), min_len=1)
                for i, mode in enumerate(seq or []):
                    if mode not in MODES:
                        self.fail(
                            f"{_join(path, 'used', stage)}[{i}]", f"unknown mode {mode!r} (A–I)"
                        )
        if "note" in m:
            self.text(m["note"], _join(path, "note"))
        return m

    def _scales(self, value: object, path: str) -> dict[str, Scale]:
        m = self.mapping(value, path, set(), set(value) if isinstance(value, dict) else set())
        scales: dict[str, Scale] = {}
        for code, raw in (m or {}).items():
            p = _join(path, code)
            if self.code(code, p) is None:
                continue
            sm = self.mapping(raw, p, {"kind", "title"}, {"bands", "maximum", "section"})
            if sm is None:
                continue
            title = self.text(sm["title"], _join(p, "title"))
            kind = sm["kind"]
            if kind == "alpha_bands":
                bands = self._bands(sm.get("bands"), _join(p, "bands"))
                if bands is not None and title is not None:
                    scales[code] = Scale(code=code, kind="alpha_bands", title=title, bands=bands)
            elif kind == "yes_no":
                if title is not None:
                    scales[code] = Scale(code=code, kind="yes_no", title=title)
            elif kind == "score":
                mx = self.number(sm.get("maximum"), _join(p, "maximum"), positive=True)
                if mx is not None and title is not None:
                    scales[code] = Scale(code=code, kind="score", title=title, maximum=mx)
            else:
                self.fail(_join(p, "kind"), f"must be alpha_bands, yes_no or score, got {kind!r}")
        return scales

    def _bands(self, value: object, path: str) -> tuple[Band, ...] | None:
        items = self.seq(value, path, min_len=1)
        if items is None:
            return None
        bands: list[Band] = []
        for i, raw in enumerate(items):
            p = f"{path}[{i}]"
            m = self.mapping(
                raw,
                p,
                {"level", "label", "min", "max", "min_inclusive", "max_inclusive", "level_alpha"},
                set(),
            )
            if m is None:
                continue
            level = self.integer(m["level"], _join(p, "level"), 1, 99)
            label = self.text(m["label"], _join(p, "label"))
            low = self.number(m["min"], _join(p, "min"))
            high = self.number(m["max"], _join(p, "max"))
            lo_inc = self.boolean(m["min_inclusive"], _join(p, "min_inclusive"))
            hi_inc = self.boolean(m["max_inclusive"], _join(p, "max_inclusive"))
            la = self.number(m["level_alpha"], _join(p, "level_alpha"))
            if None in (level, label, low, high, lo_inc, hi_inc, la):
                continue
            assert level is not None and label is not None and low is not None and high is not None
            assert lo_inc is not None and hi_inc is not None and la is not None
            band = Band(low, lo_inc, high, hi_inc, level=level, label=label, level_alpha=la)
            if low > high or (low == high and not (lo_inc and hi_inc)):
                self.fail(p, f"empty band {band.describe()}")
                continue
            if not band.contains(la):
                self.fail(
                    _join(p, "level_alpha"), f"{_num(la)} lies outside its band {band.describe()}"
                )
            if level != i + 1:
                self.fail(
                    _join(p, "level"), f"levels must run 1, 2, 3, ... in order; expected {i + 1}"
                )
            bands.append(band)
        if len(bands) != len(items):
            return None
        self._coverage(
            [(b.low, b.low_inclusive, b.high, b.high_inclusive) for b in bands],
            Fraction(0),
            Fraction(1),
            path,
            "α",
        )
        return tuple(bands)

    def _coverage(
        self,
        ranges: list[tuple[Fraction, bool, Fraction, bool]],
        lo: Fraction,
        hi: Fraction,
        path: str,
        what: str,
    ) -> None:
        """Check that ordered ranges cover [lo, hi] exactly once: no gap, no overlap."""
        first = ranges[0]
        if first[0] != lo or not first[1]:
            self.fail(f"{path}[0]", f"must start at {what} = {_num(lo)} inclusive")
        last = ranges[-1]
        if last[2] != hi or not last[3]:
            self.fail(f"{path}[{len(ranges) - 1}]", f"must end at {what} = {_num(hi)} inclusive")
        for i in range(1, len(ranges)):
            prev, cur = ranges[i - 1], ranges[i]
            if cur[0] > prev[2]:
                self.fail(f"{path}[{i}]", f"gap between {_num(prev[2])} and {_num(cur[0])}")
            elif cur[0] < prev[2]:
                self.fail(f"{path}[{i}]", f"overlaps the previous band below {_num(prev[2])}")
            elif cur[1] == prev[3]:
                state = "both include" if cur[1] else "neither includes"
                self.fail(
                    f"{path}[{i}]",
                    f"{state} the boundary {_num(cur[0])}: it must belong to exactly one band",
                )

    def _scale_ref(self, value: object, path: str, scales: Mapping[str, Scale]) -> Scale | None:
        if not isinstance(value, str) or value not in scales:
            known = ", ".join(sorted(scales)) or "none defined"
            self.fail(path, f"unknown scale {value!r} (scales: {known})")
            return None
        return scales[value]

    def _service(
        self, value: object, path: str, scales: Mapping[str, Scale]
    ) -> ServiceModel | None:
        m = self.mapping(
            value,
            path,
            {"section", "scale", "total_points", "characteristics"},
            {"aggregation", "dimensions", "bonus"},
        )
        if m is None:
            return None
        section = self.string(m["section"], _join(path, "section"))
        default_scale = self._scale_ref(m["scale"], _join(path, "scale"), scales)
        total = self.number(m["total_points"], _join(path, "total_points"), positive=True)
        dimensions: dict[str, Text] = {}
        if "dimensions" in m:
            dm = self.mapping(
                m["dimensions"], _join(path, "dimensions"), set(), set(m["dimensions"] or {})
            )
            for code, raw in (dm or {}).items():
                t = self.text(raw, _join(path, "dimensions", code))
                if t is not None:
                    dimensions[code] = t
        mode_weights: dict[str, Fraction] | None = None
        aggregation_note: Text | None = None
        if "aggregation" in m:
            ap = _join(path, "aggregation")
            am = self.mapping(m["aggregation"], ap, {"method"}, {"mode_weights", "note", "section"})
            if am is not None:
                if am["method"] != "mean_of_evaluations":
                    self.fail(
                        _join(ap, "method"),
                        f"must be 'mean_of_evaluations' (§5.1.2), got {am['method']!r}",
                    )
                aggregation_note = self.opt_text(am, "note", ap)
                if am.get("mode_weights") is not None:
                    mode_weights = self._mode_weights(am["mode_weights"], _join(ap, "mode_weights"))
        codes: dict[str, str] = {}
        items: dict[str, Item] = {}
        chars: list[Characteristic] = []
        cp = _join(path, "characteristics")
        for ci, raw in enumerate(self.seq(m["characteristics"], cp, min_len=1) or []):
            p = f"{cp}[{ci}]"
            c = self.mapping(raw, p, {"code", "title", "points", "items"}, set())
            if c is None:
                continue
            ccode = self.code(c["code"], _join(p, "code"))
            ctitle = self.text(c["title"], _join(p, "title"))
            cpoints = self.number(c["points"], _join(p, "points"), positive=True)
            citems: list[Item] = []
            ip = _join(p, "items")
            for ii, iraw in enumerate(self.seq(c["items"], ip, min_len=1) or []):
                item = self._item(
                    iraw, f"{ip}[{ii}]", ccode or "?", default_scale, scales, dimensions, False
                )
                if item is None:
                    continue
                if item.code in codes:
                    self.fail(
                        f"{ip}[{ii}].code",
                        f"duplicate item code {item.code!r} (also at {codes[item.code]})",
                    )
                    continue
                codes[item.code] = f"{ip}[{ii}]"
                items[item.code] = item
                citems.append(item)
            if ccode is None or ctitle is None or cpoints is None:
                continue
            sum_points = sum((it.points for it in citems), Fraction(0))
            if len(citems) == len(c["items"] or []) and sum_points != cpoints:
                self.fail(
                    _join(p, "points"),
                    f"declares {_num(cpoints)} points but its items sum to {_num(sum_points)}",
                )
            chars.append(Characteristic(ccode, ctitle, cpoints, tuple(citems)))
        if total is not None and len(chars) == len(m["characteristics"] or []):
            sum_chars = sum((c.points for c in chars), Fraction(0))
            if sum_chars != total:
                self.fail(
                    _join(path, "total_points"),
                    f"declares {_num(total)} points but the characteristics sum to "
                    f"{_num(sum_chars)}",
                )
        bonus_items: list[Item] = []
        bonus_cap: Fraction | None = None
        bonus_title: Text | None = None
        if "bonus" in m:
            bp = _join(path, "bonus")
            bm = self.mapping(m["bonus"], bp, {"cap", "items", "title"}, set())
            if bm is not None:
                bonus_cap = self.number(bm["cap"], _join(bp, "cap"), positive=True)
                bonus_title = self.text(bm["title"], _join(bp, "title"))
                for ii, iraw in enumerate(
                    self.seq(bm["items"], _join(bp, "items"), min_len=1) or []
                ):
                    p = f"{bp}.items[{ii}]"
                    item = self._item(iraw, p, "bonus", default_scale, scales, dimensions, True)
                    if item is None:
                        continue
                    if item.code in codes:
                        self.fail(
                            f"{p}.code",
                            f"duplicate item code {item.code!r} (also at {codes[item.code]})",
                        )
                        continue
                    codes[item.code] = p
                    items[item.code] = item
                    bonus_items.append(item)
                if bonus_cap is not None:
                    available = sum((it.points for it in bonus_items), Fraction(0))
                    if available < bonus_cap:
                        self.fail(
                            _join(bp, "cap"),
                            f"cap {_num(bonus_cap)} exceeds the {_num(available)} bonus points "
                            "available",
                        )
        if section is None or default_scale is None or total is None:
            return None
        return ServiceModel(
            section=section,
            total_points=total,
            characteristics=tuple(chars),
            items=items,
            dimensions=dimensions,
            mode_weights=mode_weights,
            bonus_items=tuple(bonus_items),
            bonus_cap=bonus_cap,
            bonus_title=bonus_title,
            aggregation_note=aggregation_note,
        )

    def _mode_weights(self, value: object, path: str) -> dict[str, Fraction] | None:
        m = self.mapping(value, path, set(), set(value) if isinstance(value, dict) else set())
        if m is None:
            return None
        weights: dict[str, Fraction] = {}
        for mode, raw in m.items():
            if mode not in MODES:
                self.fail(_join(path, mode), f"unknown mode {mode!r} (A–I)")
                continue
            w = self.number(raw, _join(path, mode), positive=True)
            if w is not None:
                weights[mode] = w
        if len(weights) == len(m):
            total = sum(weights.values(), Fraction(0))
            if total != 1:
                self.fail(path, f"mode weights must sum to 1, they sum to {_num(total)}")
        return weights if weights else None

    def _item(
        self,
        raw: object,
        path: str,
        characteristic: str,
        default_scale: Scale | None,
        scales: Mapping[str, Scale],
        dimensions: Mapping[str, Text],
        bonus: bool,
    ) -> Item | None:
        m = self.mapping(raw, path, {"code", "points"}, {"title", "text", "dimension", "scale"})
        if m is None:
            return None
        code = self.code(m["code"], _join(path, "code"))
        points = self.number(m["points"], _join(path, "points"), positive=True)
        title = self.opt_text(m, "title", path)
        text = self.opt_text(m, "text", path)
        dimension = m.get("dimension")
        if dimension is not None and dimension not in dimensions:
            self.fail(_join(path, "dimension"), f"unknown dimension {dimension!r}")
        scale = (
            self._scale_ref(m["scale"], _join(path, "scale"), scales)
            if "scale" in m
            else default_scale
        )
        if code is None or points is None or scale is None:
            return None
        return Item(
            code=code,
            points=points,
            scale=scale,
            characteristic=characteristic,
            title=title,
            text=text,
            dimension=dimension,
            bonus=bonus,
        )

    def _management(
        self, value: object, path: str, scales: Mapping[str, Scale]
    ) -> ManagementModel | None:
        m = self.mapping(
            value,
            path,
            {"section", "total_points", "chapters"},
            {"grading", "exemption_note", "level_descriptions"},
        )
        if m is None:
            return None
        section = self.string(m["section"], _join(path, "section"))
        total = self.number(m["total_points"], _join(path, "total_points"), positive=True)
        exemption = self.opt_text(m, "exemption_note", path)
        if "level_descriptions" in m:
            self._level_descriptions(m["level_descriptions"], _join(path, "level_descriptions"))
        chapters: dict[str, Text] = {}
        clauses: dict[str, Clause] = {}
        chp = _join(path, "chapters")
        expected = 0
        for ci, raw in enumerate(self.seq(m["chapters"], chp, min_len=1) or []):
            p = f"{chp}[{ci}]"
            c = self.mapping(raw, p, {"code", "title", "clauses"}, set())
            if c is None:
                continue
            ccode = self.code(c["code"], _join(p, "code"))
            ctitle = self.text(c["title"], _join(p, "title"))
            if ccode is not None and ctitle is not None:
                chapters[ccode] = ctitle
            clp = _join(p, "clauses")
            for li, lraw in enumerate(self.seq(c["clauses"], clp, min_len=1) or []):
                expected += 1
                clause = self._clause(lraw, f"{clp}[{li}]", ccode or "?", scales)
                if clause is None:
                    continue
                if clause.code in clauses:
                    self.fail(f"{clp}[{li}].code", f"duplicate clause code {clause.code!r}")
                    continue
                clauses[clause.code] = clause
        if total is not None and len(clauses) == expected:
            max_sum = sum((c.max_points for c in clauses.values()), Fraction(0))
            if max_sum != total:
                self.fail(
                    _join(path, "total_points"),
                    f"declares {_num(total)} points but the clauses' maxima sum to {_num(max_sum)}",
                )
        grading: tuple[LevelBand, ...] = ()
        if "grading" in m:
            grading = self._grading(m["grading"], _join(path, "grading"), total)
        if section is None or total is None:
            return None
        return ManagementModel(section, total, chapters, clauses, grading, exemption)

    def _level_descriptions(self, value: object, path: str) -> None:
        items = self.seq(value, path, min_len=1)
        for i, raw in enumerate(items or []):
            p = f"{path}[{i}]"
            m = self.mapping(raw, p, {"chapters", "levels"}, set())
            if m is None:
                continue
            self.seq(m["chapters"], _join(p, "chapters"), min_len=1)
            levels = self.seq(m["levels"], _join(p, "levels"), min_len=5)
            for li, lraw in enumerate(levels or []):
                self.text(lraw, f"{_join(p, 'levels')}[{li}]")

    def _clause(
        self, raw: object, path: str, chapter: str, scales: Mapping[str, Scale]
    ) -> Clause | None:
        m = self.mapping(raw, path, {"code", "title"}, {"points_by_level", "points", "scale"})
        if m is None:
            return None
        code = self.code(m["code"], _join(path, "code"))
        title = self.text(m["title"], _join(path, "title"))
        pbl: tuple[Fraction, ...] | None = None
        points: Fraction | None = None
        scale: Scale | None = None
        if "points_by_level" in m:
            if "points" in m or "scale" in m:
                self.fail(path, "give either points_by_level or points with a scale, not both")
                return None
            seq = self.seq(m["points_by_level"], _join(path, "points_by_level"), min_len=5)
            if seq is not None:
                if len(seq) != 5:
                    self.fail(_join(path, "points_by_level"), f"must list 5 levels, got {len(seq)}")
                    return None
                values = [
                    self.number(v, f"{_join(path, 'points_by_level')}[{i}]", min_value=Fraction(0))
                    for i, v in enumerate(seq)
                ]
                if any(v is None for v in values):
                    return None
                pbl = tuple(v for v in values if v is not None)
                if any(pbl[i] >= pbl[i + 1] for i in range(4)):
                    self.fail(_join(path, "points_by_level"), "points must rise with the level")
        elif "points" in m:
            points = self.number(m["points"], _join(path, "points"), positive=True)
            scale = self._scale_ref(m.get("scale"), _join(path, "scale"), scales)
            if points is None or scale is None:
                return None
        else:
            self.fail(
                path, "needs points_by_level (maturity points per level) or points with a scale"
            )
            return None
        if code is None or title is None:
            return None
        return Clause(code, title, chapter, pbl, points, scale)

    def _grading(self, value: object, path: str, total: Fraction | None) -> tuple[LevelBand, ...]:
        items = self.seq(value, path, min_len=1)
        if items is None:
            return ()
        bands: list[LevelBand] = []
        for i, raw in enumerate(items):
            p = f"{path}[{i}]"
            m = self.mapping(
                raw, p, {"level", "label", "min", "max", "min_inclusive", "max_inclusive"}, set()
            )
            if m is None:
                continue
            level = self.integer(m["level"], _join(p, "level"), 1, 99)
            label = self.text(m["label"], _join(p, "label"))
            low = self.number(m["min"], _join(p, "min"), min_value=Fraction(0))
            high = self.number(m["max"], _join(p, "max"))
            lo_inc = self.boolean(m["min_inclusive"], _join(p, "min_inclusive"))
            hi_inc = self.boolean(m["max_inclusive"], _join(p, "max_inclusive"))
            if (
                level is None
                or label is None
                or low is None
                or high is None
                or lo_inc is None
                or hi_inc is None
            ):
                continue
            if level != i + 1:
                self.fail(
                    _join(p, "level"), f"levels must run 1, 2, 3, ... in order; expected {i + 1}"
                )
            if low >= high:
                self.fail(p, f"min {_num(low)} must be below max {_num(high)}")
                continue
            bands.append(LevelBand(low, lo_inc, high, hi_inc, level=level, label=label))
        if len(bands) != len(items):
            return ()
        for i in range(1, len(bands)):
            prev, cur = bands[i - 1], bands[i]
            if cur.low > prev.high:
                self.fail(f"{path}[{i}]", f"gap between {_num(prev.high)} and {_num(cur.low)}")
            elif cur.low < prev.high:
                self.fail(f"{path}[{i}]", f"overlaps the previous level below {_num(prev.high)}")
            elif cur.low_inclusive == prev.high_inclusive:
                self.fail(
                    f"{path}[{i}]", f"the boundary {_num(cur.low)} must belong to exactly one level"
                )
        if total is not None and bands and bands[-1].high != total:
            self.fail(
                f"{path}[{len(bands) - 1}].max",
                f"must end at the total {_num(total)}, got {_num(bands[-1].high)}",
            )
        return tuple(bands)

    def _conformity(self, value: object, path: str) -> ConformityModel | None:
        m = self.mapping(
            value, path, {"section", "judgements", "rectified_cap", "pass_mark", "chapters"}, set()
        )
        if m is None:
            return None
        section = self.string(m["section"], _join(path, "section"))
        jp = _join(path, "judgements")
        judgements: dict[str, Judgement] = {}
        jm = self.mapping(
            m["judgements"],
            jp,
            set(),
            set(m["judgements"]) if isinstance(m["judgements"], dict) else set(),
        )
        for code, raw in (jm or {}).items():
            p = _join(jp, code)
            j = self.mapping(
                raw, p, {"points", "label"}, {"requires_suggestion", "opens_nonconformity"}
            )
            if j is None or self.code(code, p) is None:
                continue
            pts = self.number(j["points"], _join(p, "points"), min_value=Fraction(0))
            label = self.text(j["label"], _join(p, "label"))
            rs = self.boolean(j.get("requires_suggestion", False), _join(p, "requires_suggestion"))
            on = self.boolean(j.get("opens_nonconformity", False), _join(p, "opens_nonconformity"))
            if pts is None or label is None or rs is None or on is None:
                continue
            judgements[code] = Judgement(code, pts, label, rs, on)
        ordered = sorted(judgements.values(), key=lambda j: j.points)
        if len({j.points for j in ordered}) != len(ordered):
            self.fail(jp, "two judgements have the same points")
        cap = m["rectified_cap"]
        if judgements and cap not in judgements:
            self.fail(_join(path, "rectified_cap"), f"unknown judgement {cap!r}")
        pass_mark = self.number(m["pass_mark"], _join(path, "pass_mark"), min_value=Fraction(0))
        if pass_mark is not None and ordered and pass_mark > ordered[-1].points:
            self.fail(
                _join(path, "pass_mark"),
                f"{_num(pass_mark)} is above the highest judgement's points",
            )
        chapters: dict[str, Text] = {}
        clauses: dict[str, tuple[str, Text]] = {}
        chp = _join(path, "chapters")
        for ci, raw in enumerate(self.seq(m["chapters"], chp, min_len=1) or []):
            p = f"{chp}[{ci}]"
            c = self.mapping(raw, p, {"code", "title", "clauses"}, set())
            if c is None:
                continue
            ccode = self.code(c["code"], _join(p, "code"))
            ctitle = self.text(c["title"], _join(p, "title"))
            if ccode is None or ctitle is None:
                continue
            if ccode in chapters:
                self.fail(_join(p, "code"), f"duplicate chapter {ccode!r}")
            chapters[ccode] = ctitle
            clp = _join(p, "clauses")
            for li, lraw in enumerate(self.seq(c["clauses"], clp, min_len=1) or []):
                lp = f"{clp}[{li}]"
                cl = self.mapping(lraw, lp, {"code", "title"}, set())
                if cl is None:
                    continue
                lcode = self.code(cl["code"], _join(lp, "code"))
                ltitle = self.text(cl["title"], _join(lp, "title"))
                if lcode is None or ltitle is None:
                    continue
                if lcode in clauses:
                    self.fail(_join(lp, "code"), f"duplicate clause {lcode!r}")
                clauses[lcode] = (ccode, ltitle)
        if section is None or pass_mark is None or not judgements or cap not in judgements:
            return None
        return ConformityModel(section, judgements, cap, pass_mark, chapters, clauses)

    def _timing(
        self, value: object, path: str, conformity: ConformityModel | None
    ) -> TimingModel | None:
        m = self.mapping(value, path, {"section", "tables", "suggestion"}, {"note"})
        if m is None:
            return None
        section = self.string(m["section"], _join(path, "section"))
        note = self.opt_text(m, "note", path)
        tables: list[TimingTable] = []
        tp = _join(path, "tables")
        seen: set[str] = set()
        for ti, raw in enumerate(self.seq(m["tables"], tp, min_len=1) or []):
            p = f"{tp}[{ti}]"
            t = self.mapping(
                raw, p, {"id", "table", "title", "clause", "limit_s", "requirement"}, {"rows"}
            )
            if t is None:
                continue
            tid = self.code(t["id"], _join(p, "id"))
            table = self.string(t["table"], _join(p, "table"))
            title = self.text(t["title"], _join(p, "title"))
            clause = self.code(t["clause"], _join(p, "clause"))
            limit = self.number(t["limit_s"], _join(p, "limit_s"), positive=True)
            req = self.text(t["requirement"], _join(p, "requirement"))
            rows = [
                self.text(r, f"{_join(p, 'rows')}[{i}]")
                for i, r in enumerate(self.seq(t.get("rows", []), _join(p, "rows")) or [])
            ]
            if clause is not None:
                if clause in seen:
                    self.fail(_join(p, "clause"), f"clause {clause} already has a timing table")
                seen.add(clause)
                if conformity is not None and clause not in conformity.clauses:
                    self.fail(
                        _join(p, "clause"), f"clause {clause} is not among the conformity clauses"
                    )
            if None in (tid, table, title, clause, limit, req) or any(r is None for r in rows):
                continue
            assert tid and table and title and clause and limit and req
            tables.append(
                TimingTable(tid, table, title, clause, limit, req, tuple(r for r in rows if r))
            )
        sp = _join(path, "suggestion")
        sm = self.mapping(m["suggestion"], sp, {"rules", "otherwise"}, set())
        rules: list[SuggestionRule] = []
        otherwise = ""
        if sm is not None:
            judgements = conformity.judgements if conformity else {}
            for ri, raw in enumerate(self.seq(sm["rules"], _join(sp, "rules"), min_len=1) or []):
                p = f"{sp}.rules[{ri}]"
                r = self.mapping(raw, p, {"judgement", "share_min", "inclusive"}, set())
                if r is None:
                    continue
                if r["judgement"] not in judgements:
                    self.fail(_join(p, "judgement"), f"unknown judgement {r['judgement']!r}")
                share = self.number(r["share_min"], _join(p, "share_min"), min_value=Fraction(0))
                inc = self.boolean(r["inclusive"], _join(p, "inclusive"))
                if share is not None and share > 1:
                    self.fail(_join(p, "share_min"), "a share is at most 1")
                if share is not None and inc is not None:
                    if rules and (
                        share > rules[-1].share_min
                        or (share == rules[-1].share_min and inc >= rules[-1].inclusive)
                    ):
                        self.fail(p, "rules must be ordered from the highest share down")
                    rules.append(SuggestionRule(str(r["judgement"]), share, inc))
            otherwise = str(sm["otherwise"])
            if otherwise not in judgements:
                self.fail(_join(sp, "otherwise"), f"unknown judgement {otherwise!r}")
        if section is None or not rules:
            return None
        return TimingModel(section, tuple(tables), tuple(rules), otherwise, note)

    def _decision(
        self,
        value: object,
        path: str,
        service: ServiceModel | None,
        management: ManagementModel | None,
        conformity: ConformityModel | None,
    ) -> DecisionModel | None:
        m = self.mapping(value, path, {"section", "rows"}, {"note"})
        if m is None:
            return None
        section = self.string(m["section"], _join(path, "section"))
        note = self.opt_text(m, "note", path)
        rows: list[DecisionRow] = []
        rp = _join(path, "rows")
        raw_rows = self.seq(m["rows"], rp, min_len=1) or []
        for ri, raw in enumerate(raw_rows):
            p = f"{rp}[{ri}]"
            r = self.mapping(raw, p, {"id", "outcome", "when"}, {"grade", "source"})
            if r is None:
                continue
            rid = self.code(r["id"], _join(p, "id"))
            outcome = r["outcome"]
            if outcome not in ("grade", "certified", "not_certified"):
                self.fail(
                    _join(p, "outcome"),
                    f"must be grade, certified or not_certified, got {outcome!r}",
                )
                continue
            grade = self.opt_text(r, "grade", p)
            if outcome == "grade" and grade is None:
                self.fail(_join(p, "grade"), "a grade row needs the grade's label")
            if outcome != "grade" and "grade" in r:
                self.fail(
                    _join(p, "grade"),
                    f"only outcome 'grade' names a grade, this row is {outcome!r}",
                )
            when = self._conditions(r["when"], _join(p, "when"), service, management, conformity)
            if rid is None or when is None:
                continue
            rows.append(DecisionRow(rid, outcome, when, grade, r.get("source")))
        if len(rows) == len(raw_rows):
            # Best row first: a row must not be easier to meet than a later one on service score.
            for i in range(1, len(rows)):
                a, b = rows[i - 1].when.service_min, rows[i].when.service_min
                if a is not None and b is not None and b > a:
                    self.fail(
                        f"{rp}[{i}].when.service_min",
                        f"rows must be ordered best first: {_num(b)} > {_num(a)} above it",
                    )
            ids = [r.id for r in rows]
            for i, rid in enumerate(ids):
                if rid in ids[:i]:
                    self.fail(f"{rp}[{i}].id", f"duplicate row id {rid!r}")
        if section is None:
            return None
        return DecisionModel(section, tuple(rows), note)

    def _conditions(
        self,
        value: object,
        path: str,
        service: ServiceModel | None,
        management: ManagementModel | None,
        conformity: ConformityModel | None,
    ) -> Conditions | None:
        m = self.mapping(value, path, set(), _CONDITION_KEYS)
        if m is None:
            return None
        smin = (
            self.number(m["service_min"], _join(path, "service_min"), min_value=Fraction(0))
            if "service_min" in m
            else None
        )
        sbelow = (
            self.number(m["service_below"], _join(path, "service_below"), positive=True)
            if "service_below" in m
            else None
        )
        lmin = (
            self.integer(m["management_level_min"], _join(path, "management_level_min"), 1, 99)
            if "management_level_min" in m
            else None
        )
        tmin = (
            self.number(
                m["management_total_min"],
                _join(path, "management_total_min"),
                min_value=Fraction(0),
            )
            if "management_total_min" in m
            else None
        )
        cpass = (
            self.boolean(m["conformity_passed"], _join(path, "conformity_passed"))
            if "conformity_passed" in m
            else None
        )
        nonc = (
            self.boolean(m["no_open_nonconformities"], _join(path, "no_open_nonconformities"))
            if "no_open_nonconformities" in m
            else None
        )
        if nonc is False:
            self.fail(_join(path, "no_open_nonconformities"), "can only be true (or left out)")
        allj = (
            self.boolean(m["all_clauses_judged"], _join(path, "all_clauses_judged"))
            if "all_clauses_judged" in m
            else None
        )
        if allj is False:
            self.fail(_join(path, "all_clauses_judged"), "can only be true (or left out)")
        if (smin is not None or sbelow is not None) and service is None:
            self.fail(path, "a service condition needs a service model")
        if smin is not None and sbelow is not None and smin >= sbelow:
            self.fail(path, f"service_min {_num(smin)} must be below service_below {_num(sbelow)}")
        if (lmin is not None or tmin is not None) and management is None:
            self.fail(path, "a management condition needs a management model")
        if lmin is not None and management is not None:
            levels = {b.level for b in management.grading}
            if lmin not in levels:
                self.fail(
                    _join(path, "management_level_min"),
                    f"level {lmin} is not a management level of this scheme",
                )
        if tmin is not None and management is not None and tmin > management.total_points:
            self.fail(
                _join(path, "management_total_min"),
                f"{_num(tmin)} is above the management total {_num(management.total_points)}",
            )
        if (cpass is not None or nonc is not None or allj is not None) and conformity is None:
            self.fail(path, "a conformity condition needs a conformity model")
        cond = Conditions(smin, sbelow, lmin, tmin, cpass, nonc, allj)
        if cond.is_empty():
            self.fail(path, "a row needs at least one condition")
            return None
        return cond

    def _lifecycle(self, value: object, path: str) -> None:
        m = self.mapping(value, path, set(), _LIFECYCLE_KEYS)
        if m is None:
            return
        self._walk_numbers(m, path)

    def _walk_numbers(self, value: object, path: str) -> None:
        """Lifecycle values are counts of days, months or years: non-negative numbers or texts."""
        if isinstance(value, dict):
            for key, sub in value.items():
                if key in ("zh", "en", "section", "note", "unit"):
                    continue
                self._walk_numbers(sub, _join(path, str(key)))
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                self._walk_numbers(sub, f"{path}[{i}]")
        elif is_number(value):
            self.number(value, path, min_value=Fraction(0))
        elif not isinstance(value, str | bool):
            self.fail(path, f"must be a number, got {_kind(value)}")


_DOC_OPTIONAL = {"version", "published", "effective", "revised", "source", "section_marks", "basis"}
_CONDITION_KEYS = {
    "service_min",
    "service_below",
    "management_level_min",
    "management_total_min",
    "conformity_passed",
    "no_open_nonconformities",
    "all_clauses_judged",
}
_LIFECYCLE_KEYS = {
    "section",
    "note",
    "document_review",
    "onsite_audit",
    "rectification_days",
    "certificate_issue_days",
    "validity_years",
    "surveillance",
    "suspension_max_months",
    "recertification",
}


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _kind(value: object) -> str:
    return describe_value(value, "a mapping")


def _all_used_modes(modes: Mapping[str, Any]) -> set[str]:
    used = modes.get("used") or {}
    return {m for stage in used.values() if isinstance(stage, list) for m in stage}


def find_scheme(ref: str, directory: Path) -> Path:
    """Resolve a scheme reference: a path, or a file stem / scheme id inside ``directory``."""
    p = Path(ref)
    if p.exists():
        return p
    candidate = directory / f"{ref}.yaml"
    if candidate.exists():
        return candidate
    return p


SchemeLoader = Callable[[str | Path], Scheme]
