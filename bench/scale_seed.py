"""Seed a database for bench/scale_bench.py: ``size`` evidence records, ``size / 5`` survey answers.

On top of the demo (``fieldcert demo load``: its organisation is the certification body, its
field engagement and survey campaign are the *probe* whose requests are timed), this adds
engagements of other clients, their sites, shoppers, evaluations (four photos each, one version,
their events), the audit entries the app writes for those (``evidence.uploaded``,
``evaluation.created``, ``evaluation.submitted``) and survey answers, shaped as the app stores
them (ratings of the scheme's 19 items, GPS fixes, quality flags from the survey rules).

The probe engagement holds ``probe_share`` of the evaluations and its campaign the same share of
the answers; every row is in the demo organisation, so organisation-wide checks (the photo reuse
check) see all of them. Rows go in with PostgreSQL ``COPY`` (psycopg 3 ``cursor.copy``), with
foreign-key triggers off for the session (``session_replication_role = replica``: the rows are
generated consistent; that also leaves the survey tally triggers off, so the tallies are counted
once from the answers afterwards, ``tallies.RECOUNT``), and secondary indexes built once
afterwards instead of row by row.

One module past 700 lines on purpose: the rows of every table the benchmark seeds, in the shapes
the app stores them, kept beside each other so that a change of one shape is seen with the rest.
"""

from __future__ import annotations

import importlib
import json
import random
import secrets
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from backend.demo import DEMO_ENGAGEMENT, DEMO_ORGANISATION
from backend.scoring import parse_scheme
from backend.surveys import logic, tallies
from bench.api_bench import ITEMS


def _band_function() -> Callable[[str | None], dict[str, int | None]] | None:
    """The reuse index's bands of a hash (backend.evidence.phash_index, since 7 Dec 2026)."""
    try:
        module = importlib.import_module("backend.evidence.phash_index")
    except ImportError:  # an older checkout: the hash alone
        return None
    function: Callable[[str | None], dict[str, int | None]] = module.band_columns
    return function


band_columns = _band_function()
#: The band columns the seed writes beside each hash (none before the index existed).
BAND_COLUMNS = list(band_columns(None)) if band_columns is not None else []

#: Bump when the rows change: a database seeded by another version is seeded again.
#: 3: answers carry their stored score columns (score_earned … scored_with, 7 Dec 2026).
#: 4: the probe's campaign has PROBE_CAMPAIGN_SITES sites at every size (8 Dec 2026).
SEED_VERSION = 4
#: The probe campaign's sites at every size: its analysis answers one block per site, so with
#: the sites growing with the size (2 at 1,000, 80 at 1,000,000) its ratio would count the
#: larger answer, not the answers behind it. The probe engagement has at least as many sites.
PROBE_CAMPAIGN_SITES = 20
PHOTOS_PER_EVALUATION = 4
#: Evaluation statuses of a programme under way, with their shares.
STATUSES = (("accepted", 0.55), ("submitted", 0.30), ("returned", 0.04), ("rejected", 0.02))
DRAFT_SHARE = 0.09
NOTES = (
    "门店整洁，排队约 5 分钟，员工主动问候。",
    "柜台有两名员工，办理业务时解释清楚，未主动推荐其他产品。",
    "到店时正值午休，等待 12 分钟；环境整洁，指示牌清晰。",
    "服务规范，着装统一，离店时有道别。",
)
COMMENTS = ("", "", "", "", "服务不错，等候时间略长", "工作人员态度很好", "希望增加周末营业时间")


@dataclass
class Plan:
    """How many of each, derived from the size (evidence records)."""

    size: int
    probe_share: float
    evaluations: int = 0
    answers: int = 0
    engagements: int = 0
    sites_per_engagement: int = 0
    shoppers: int = 0
    probe_evaluations: int = 0
    probe_answers: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        def clamp(value: int, low: int, high: int) -> int:
            return max(low, min(high, value))

        self.evaluations = max(1, self.size // PHOTOS_PER_EVALUATION)
        self.answers = max(1, self.size // 5)
        # A certification body's year: a few large programmes and many small ones.
        self.engagements = clamp(self.size // 20_000, 4, 50)
        self.sites_per_engagement = clamp(self.size // 12_500, 2, 80)
        self.shoppers = clamp(self.size // 2_000, 10, 500)
        self.probe_evaluations = max(1, round(self.evaluations * self.probe_share))
        self.probe_answers = max(1, round(self.answers * self.probe_share))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Base:
    """What the demo gave: the organisation, its people, the probe engagement and campaign."""

    organisation_id: str
    leader_id: str
    auditor_id: str
    shopper_hash: str
    engagement: dict[str, Any]
    unit_id: str
    site_ids: list[str]
    campaign: dict[str, Any]
    survey_site_ids: list[str]


@dataclass
class Engagement:
    id: str
    site_ids: list[str]
    campaign_id: str
    survey_site_ids: list[str]
    modes: list[str]


def libpq(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as psycopg wants it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _one(conn: psycopg.Connection[Any], query: str, *params: Any) -> Any:
    row = conn.execute(query, params).fetchone()
    if row is None:
        raise SystemExit(f"the demo data is missing: {query}")
    return row


def read_base(conn: psycopg.Connection[Any]) -> Base:
    (org,) = _one(conn, "SELECT id FROM organisations WHERE name = %s", DEMO_ORGANISATION)

    def user(role: str) -> tuple[str, str]:
        uid, pw = _one(
            conn,
            "SELECT id, password_hash FROM users WHERE organisation_id = %s AND role = %s "
            "AND email LIKE '%%@demo.fieldcert.cn'",
            org,
            role,
        )
        return str(uid), pw

    cur = conn.execute(
        "SELECT * FROM engagements WHERE organisation_id = %s AND title = %s",
        (org, DEMO_ENGAGEMENT),
    )
    columns = [c.name for c in cur.description or []]
    engagement = dict(zip(columns, cur.fetchone() or (), strict=True))
    site_ids = [
        str(r[0])
        for r in conn.execute(
            "SELECT site_id FROM engagement_sites WHERE engagement_id = %s", (engagement["id"],)
        )
    ]
    (unit_id,) = _one(conn, "SELECT unit_id FROM sites WHERE id = %s", site_ids[0])
    cur = conn.execute(
        "SELECT * FROM survey_campaigns WHERE engagement_id = %s", (engagement["id"],)
    )
    columns = [c.name for c in cur.description or []]
    campaign = dict(zip(columns, cur.fetchone() or (), strict=True))
    survey_sites = [
        str(r[0])
        for r in conn.execute(
            "SELECT id FROM survey_sites WHERE campaign_id = %s ORDER BY position",
            (campaign["id"],),
        )
    ]
    return Base(
        organisation_id=str(org),
        leader_id=user("team_leader")[0],
        auditor_id=user("auditor")[0],
        shopper_hash=user("shopper")[1],
        engagement=engagement,
        unit_id=str(unit_id),
        site_ids=site_ids,
        campaign=campaign,
        survey_site_ids=survey_sites,
    )


def _id() -> str:
    return str(uuid.uuid4())


def _hex(rnd: random.Random, digits: int) -> str:
    return format(rnd.getrandbits(digits * 4), f"0{digits}x")


def _ts(at: datetime) -> str:
    return at.isoformat()


def copy(conn: psycopg.Connection[Any], table: str, columns: str, rows: Iterable[Any]) -> int:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (tuples of text, numbers or None)."""
    n = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row(row)
            n += 1
    return n


def _secondary_indexes(conn: psycopg.Connection[Any], tables: Sequence[str]) -> list[str]:
    """CREATE INDEX statements of the tables' indexes that no constraint owns."""
    rows = conn.execute(
        "SELECT indexdef FROM pg_indexes i WHERE tablename = ANY(%s) AND schemaname = "
        "current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = "
        "i.indexname)",
        (list(tables),),
    ).fetchall()
    return [r[0] for r in rows]


def _structure(
    conn: psycopg.Connection[Any], base: Base, plan: Plan, rnd: random.Random, now: datetime
) -> tuple[list[Engagement], list[str]]:
    """Shoppers, clients, units, sites, engagements with their sites, leader and campaign."""
    shoppers = [_id() for _ in range(plan.shoppers)]
    copy(
        conn,
        "users",
        "id, organisation_id, email, display_name, role, password_hash, is_active",
        (
            (
                sid,
                base.organisation_id,
                f"scale-shopper-{i}@bench.fieldcert.cn",
                f"压测暗访员 {i}",
                "shopper",
                base.shopper_hash,
                True,
            )
            for i, sid in enumerate(shoppers)
        ),
    )

    def new_sites(unit_id: str, count: int, label: str) -> list[str]:
        ids = [_id() for _ in range(count)]
        rows = []
        for i, sid in enumerate(ids):
            lat, lon = rnd.uniform(22.0, 40.0), rnd.uniform(105.0, 121.0)
            rows.append(
                (
                    sid,
                    unit_id,
                    f"{label} 第 {i + 1} 网点",
                    f"{label} 某路 {i + 1} 号",
                    lat,
                    lon,
                    150.0,
                    "wgs84",
                    lat,
                    lon,
                )
            )
        copy(
            conn,
            "sites",
            (
                "id, unit_id, name, address, latitude, longitude, geofence_radius_m, "
                "entered_datum, entered_latitude, entered_longitude"
            ),
            rows,
        )
        return ids

    probe = base.engagement
    campaign = base.campaign
    engagements: list[Engagement] = []
    # The probe: the demo engagement, grown to the same number of sites as the others (and at
    # least the campaign's fixed number).
    probe_site_count = max(plan.sites_per_engagement, PROBE_CAMPAIGN_SITES)
    extra = new_sites(base.unit_id, max(0, probe_site_count - len(base.site_ids)), "探针")
    probe_sites = [*base.site_ids, *extra]
    engagements.append(
        Engagement(
            str(probe["id"]),
            probe_sites,
            str(campaign["id"]),
            list(base.survey_site_ids),
            list(probe["modes"]),
        )
    )
    campaign_columns = [c for c in campaign if c not in ("id", "engagement_id", "created_at")]
    for e in range(1, plan.engagements):
        client_id, unit_id, eng_id, camp_id = _id(), _id(), _id(), _id()
        name = f"规模压测委托方 {e} 有限公司"
        conn.execute(
            "INSERT INTO clients (id, organisation_id, name) VALUES (%s, %s, %s)",
            (client_id, base.organisation_id, name),
        )
        conn.execute(
            "INSERT INTO certification_units (id, client_id, name, scope) VALUES (%s, %s, %s, %s)",
            (unit_id, client_id, "门店服务", "营业网点柜面服务"),
        )
        sites = new_sites(unit_id, plan.sites_per_engagement, name)
        starts = (now - timedelta(days=rnd.randrange(30, 330))).date()
        conn.execute(
            "INSERT INTO engagements (id, organisation_id, client_id, scheme_version_id, kind, "
            "status, modes, title, starts_on, ends_on) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s)",
            (
                eng_id,
                base.organisation_id,
                client_id,
                probe["scheme_version_id"],
                "initial",
                rnd.choice(("fieldwork", "review", "decided", "closed")),
                json.dumps(probe["modes"]),
                f"{name} 门店服务认证",
                starts,
                starts + timedelta(days=60),
            ),
        )
        copy(
            conn,
            "engagement_sites",
            "id, engagement_id, site_id",
            ((_id(), eng_id, s) for s in sites),
        )
        conn.execute(
            "INSERT INTO engagement_members (id, engagement_id, user_id, team_role) VALUES "
            "(%s, %s, %s, 'leader')",
            (_id(), eng_id, base.leader_id),
        )
        values = {**{c: campaign[c] for c in campaign_columns}, "title": f"{name} 顾客满意度调查"}
        values["questions"] = json.dumps(values["questions"], ensure_ascii=False)
        cols = ["id", "engagement_id", *values]
        conn.execute(
            f"INSERT INTO survey_campaigns ({', '.join(cols)}) "  # noqa: S608 - our column names
            f"VALUES ({', '.join(['%s'] * len(cols))})",
            (camp_id, eng_id, *values.values()),
        )
        survey_sites = [_id() for _ in sites]
        copy(
            conn,
            "survey_sites",
            "id, campaign_id, site_id, code, target, position",
            (
                (ss, camp_id, s, f"scale-{e}-{i}-{secrets.token_hex(3)}", 30, i)
                for i, (ss, s) in enumerate(zip(survey_sites, sites, strict=True))
            ),
        )
        engagements.append(Engagement(eng_id, sites, camp_id, survey_sites, list(probe["modes"])))
    # The probe's new sites: on the engagement, and in its campaign up to its fixed number.
    probe_id, camp_id = str(probe["id"]), str(campaign["id"])
    in_campaign = extra[: max(0, PROBE_CAMPAIGN_SITES - len(base.survey_site_ids))]
    copy(
        conn,
        "engagement_sites",
        "id, engagement_id, site_id",
        ((_id(), probe_id, s) for s in extra),
    )
    added = [_id() for _ in in_campaign]
    copy(
        conn,
        "survey_sites",
        "id, campaign_id, site_id, code, target, position",
        (
            (ss, camp_id, s, f"scale-probe-{i}-{secrets.token_hex(3)}", 30, len(base.site_ids) + i)
            for i, (ss, s) in enumerate(zip(added, in_campaign, strict=True))
        ),
    )
    engagements[0].survey_site_ids += added
    return engagements, shoppers


def _spread(total: int, probe: int, engagements: int) -> list[int]:
    """``probe`` for the first engagement, the rest as evenly as possible over the others."""
    rest = max(0, total - probe)
    others = engagements - 1
    return [probe] + [rest // others + (1 if i < rest % others else 0) for i in range(others)]


def _evaluation_rows(
    base: Base,
    engagements: list[Engagement],
    counts: list[int],
    shoppers: list[str],
    rnd: random.Random,
    now: datetime,
    sink: dict[str, list[tuple[Any, ...]]],
) -> Iterator[tuple[Any, ...]]:
    """Evaluations (yielded) and, per evaluation, its version, events, evidence, audit entries.

    The dependants are collected in ``sink`` in batches by the caller's flushes.
    """
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    org = base.organisation_id
    for engagement, count in zip(engagements, counts, strict=True):
        for _ in range(count):
            eid = _id()
            site = rnd.choice(engagement.site_ids)
            shopper = rnd.choice(shoppers)
            started = now - timedelta(days=rnd.uniform(0, 300), minutes=rnd.uniform(0, 600))
            ended = started + timedelta(minutes=rnd.uniform(15, 60))
            draft = rnd.random() < DRAFT_SHARE
            status = "draft" if draft else rnd.choices(statuses, weights)[0]
            submitted = None if draft else ended + timedelta(minutes=rnd.uniform(5, 600))
            updated = submitted + timedelta(days=rnd.uniform(0, 5)) if submitted else ended
            yield (
                eid,
                engagement.id,
                site,
                rnd.choice(engagement.modes),
                shopper,
                status,
                1,
                _hex(rnd, 64),
                _ts(started),
                _ts(updated),
                _ts(submitted) if submitted else None,
            )
            lat, lon = rnd.uniform(22.0, 40.0), rnd.uniform(105.0, 121.0)
            links = []
            for p in range(PHOTOS_PER_EVALUATION):
                vid = _id()
                sha = _hex(rnd, 64)
                taken = started + timedelta(minutes=5 + 5 * p)
                item = rnd.choice(ITEMS) if p else None
                phash = _hex(rnd, 16)
                bands = tuple(band_columns(phash).values()) if band_columns is not None else ()
                sink["evidence"].append(
                    (
                        vid,
                        org,
                        sha,
                        rnd.randrange(180_000, 420_000),
                        "image/jpeg",
                        "photo",
                        f"IMG_{rnd.randrange(10**6):06d}.jpg",
                        shopper,
                        _ts(taken),
                        _ts(taken),
                        lat,
                        lon,
                        rnd.uniform(5, 30),
                        1600,
                        1200,
                        "{}",
                        phash,
                        f"originals/{sha[:2]}/{sha[2:4]}/{sha}",
                        f"display/{sha[:2]}/{sha}.jpg",
                        f"thumbnails/{sha[:2]}/{sha}.jpg",
                        _ts(taken + timedelta(seconds=3)),
                        *bands,
                    )
                )
                sink["evaluation_evidence"].append((eid, vid, item))
                sink["audit_log"].append(
                    (
                        _ts(taken),
                        org,
                        shopper,
                        "evidence.uploaded",
                        "evidence",
                        vid,
                        json.dumps(
                            {
                                "sha256": sha,
                                "size_bytes": 300_000,
                                "media_type": "image/jpeg",
                                "bytes_already_stored": False,
                            }
                        ),
                    )
                )
                links.append({"evidence_id": vid, "item": item})
            ratings = {code: {"level": rnd.choice((3, 4, 4, 5, 5, 5))} for code in ITEMS}
            fixes = [
                {
                    "latitude": round(lat + rnd.uniform(-1e-4, 1e-4), 6),
                    "longitude": round(lon + rnd.uniform(-1e-4, 1e-4), 6),
                    "accuracy_m": round(rnd.uniform(5, 30), 1),
                    "captured_at": _ts(started + timedelta(minutes=10 * i)),
                }
                for i in range(3)
            ]
            sink["evaluation_versions"].append(
                (
                    eid,
                    1,
                    json.dumps(ratings),
                    rnd.choice(NOTES),
                    "{}",
                    _ts(started),
                    _ts(ended),
                    json.dumps(fixes),
                    json.dumps(links),
                    _hex(rnd, 64),
                    shopper,
                    _ts(ended),
                )
            )
            sink["audit_log"].append(
                (
                    _ts(ended),
                    org,
                    shopper,
                    "evaluation.created",
                    "evaluation",
                    eid,
                    json.dumps({"engagement_id": engagement.id, "mode": "A", "version": 1}),
                )
            )
            if submitted:
                sink["evaluation_events"].append(
                    (eid, shopper, "draft", "submitted", 1, None, _ts(submitted))
                )
                sink["audit_log"].append(
                    (
                        _ts(submitted),
                        org,
                        shopper,
                        "evaluation.submitted",
                        "evaluation",
                        eid,
                        json.dumps({"from": "draft", "to": "submitted", "version": 1}),
                    )
                )
                if status != "submitted":
                    sink["evaluation_events"].append(
                        (eid, base.leader_id, "submitted", status, 1, None, _ts(updated))
                    )


_DEPENDANTS: dict[str, str] = {
    "evidence": (
        "id, organisation_id, sha256, size_bytes, media_type, kind, original_filename, "
        "uploaded_by_id, captured_at, received_at, capture_latitude, capture_longitude, "
        "capture_accuracy_m, width, height, metadata, phash, original_key, display_key, "
        "thumbnail_key, derived_at" + "".join(f", {c}" for c in BAND_COLUMNS)
    ),
    "evaluation_evidence": "evaluation_id, evidence_id, item_code",
    "evaluation_versions": (
        "evaluation_id, number, ratings, notes, item_notes, started_at, ended_at, "
        "gps_fixes, evidence, content_hash, created_by_id, created_at"
    ),
    "evaluation_events": "evaluation_id, actor_id, from_status, to_status, version, comment, at",
    "audit_log": "at, organisation_id, actor_id, action, object_type, object_id, details",
}
_EVALUATION_COLUMNS = (
    "id, engagement_id, site_id, mode, evaluator_id, status, version, create_hash, "
    "created_at, updated_at, submitted_at"
)


def answer_scale(conn: psycopg.Connection[Any], base: Base) -> tallies.AnswerScale:
    """The answer scale of the probe's pinned scheme (every seeded engagement pins the same)."""
    source, content_hash = _one(
        conn,
        "SELECT source_text, content_hash FROM scheme_versions WHERE id = %s",
        base.engagement["scheme_version_id"],
    )
    scheme = parse_scheme(source.encode("utf-8"), "scale_seed")
    if scheme.content_hash != content_hash:
        raise RuntimeError(f"stored scheme: text hashes {scheme.content_hash}, row {content_hash}")
    return tallies.scale_of(scheme)


def _answer_rows(
    base: Base,
    engagements: list[Engagement],
    counts: list[int],
    rnd: random.Random,
    now: datetime,
    scale: tallies.AnswerScale,
) -> Iterator[tuple[Any, ...]]:
    """The answers, scored as the app stores them (tallies.stored_columns): the analysis sums
    the stored columns, and unscored rows would be scored on the first analysis instead."""
    campaign = base.campaign
    items = [q["item"] for q in campaign["questions"]]
    settings = logic.FlagSettings(
        min_seconds_per_question=campaign["min_seconds_per_question"],
        burst_threshold=campaign["burst_threshold"],
        burst_window_minutes=campaign["burst_window_minutes"],
        opening_time=campaign["opening_time"],
        closing_time=campaign["closing_time"],
    )
    for engagement, count in zip(engagements, counts, strict=True):
        for _ in range(count):
            mood = rnd.choice((3, 4, 4, 5, 5))
            answers: dict[str, Any] = {
                item: "na"
                if rnd.random() < 0.04
                else max(1, min(5, mood + rnd.choice((-1, 0, 0, 1))))
                for item in items
            }
            received = now - timedelta(days=rnd.uniform(0, 300))
            # Most read and answer in one to four minutes; a few rush through.
            started = received - timedelta(seconds=rnd.uniform(8, 240))
            flags = logic.quality_flags(
                answers, settings, received_at=received, started_at=started, earlier_from_address=0
            )
            offline = rnd.random() < 0.1
            scored = tallies.stored_columns(scale, answers, flags)
            yield (
                _id(),
                engagement.campaign_id,
                rnd.choice(engagement.survey_site_ids),
                "offline" if offline else "online",
                json.dumps(answers),
                rnd.choice(COMMENTS),
                _ts(started),
                _ts(received),
                None if offline else _hex(rnd, 64),
                None if offline else _hex(rnd, 32),
                _hex(rnd, 64),
                json.dumps(flags),
                base.auditor_id if offline else None,
                json.dumps([base.auditor_id]) if offline else None,
                offline,
                *(scored[c] for c in _SCORED_COLUMNS),
            )


_SCORED_COLUMNS = ("score_earned", "score_possible", "levels", "flag_names", "scored_with")
_ANSWER_COLUMNS = (
    "id, campaign_id, survey_site_id, channel, answers, comment, started_at, "
    "received_at, device_hash, form_nonce, ip_hash, flags, entered_by_id, "
    "interviewer_ids, staff_absent, " + ", ".join(_SCORED_COLUMNS)
)


def seed(url: str, size: int, probe_share: float, log: Callable[[str], None] = print) -> Plan:
    """Add the rows of ``size`` to the demo database at ``url``; commit; return the plan."""
    import time

    plan = Plan(size, probe_share)
    rnd = random.Random(13)
    now = datetime.now(UTC)
    with psycopg.connect(libpq(url)) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '512MB'")
        t0 = time.perf_counter()
        base = read_base(conn)
        engagements, shoppers = _structure(conn, base, plan, rnd, now)
        big = ["evaluations", *_DEPENDANTS, "survey_responses"]
        indexes = _secondary_indexes(conn, big)
        for statement in indexes:
            name = statement.split(" INDEX ", 1)[1].split(" ON ", 1)[0]
            conn.execute(f"DROP INDEX {name}")
        plan.seconds["structure"] = round(time.perf_counter() - t0, 1)

        t0 = time.perf_counter()
        counts = _spread(plan.evaluations, plan.probe_evaluations, plan.engagements)
        sink: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _DEPENDANTS}
        rows = _evaluation_rows(base, engagements, counts, shoppers, rnd, now, sink)
        done = 0
        while True:
            # 20,000 evaluations at a time, then their dependants: memory stays bounded.
            batch = [row for _, row in zip(range(20_000), rows, strict=False)]
            if not batch:
                break
            copy(conn, "evaluations", _EVALUATION_COLUMNS, batch)
            for table, columns in _DEPENDANTS.items():
                copy(conn, table, columns, sink[table])
                sink[table].clear()
            done += len(batch)
            log(
                f"  {done:,} / {plan.evaluations:,} evaluations ({done * PHOTOS_PER_EVALUATION:,} "
                f"photos) in {time.perf_counter() - t0:.0f} s"
            )
        plan.seconds["evaluations"] = round(time.perf_counter() - t0, 1)

        t0 = time.perf_counter()
        answer_counts = _spread(plan.answers, plan.probe_answers, plan.engagements)
        copy(
            conn,
            "survey_responses",
            _ANSWER_COLUMNS,
            _answer_rows(base, engagements, answer_counts, rnd, now, answer_scale(conn, base)),
        )
        # The tally triggers did not fire (replica role): count the answers once, as they do.
        for statement in tallies.RECOUNT:
            conn.execute(statement)
        plan.seconds["answers"] = round(time.perf_counter() - t0, 1)

        t0 = time.perf_counter()
        for statement in indexes:
            conn.execute(statement)
        plan.seconds["indexes"] = round(time.perf_counter() - t0, 1)
        conn.commit()
        t0 = time.perf_counter()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        plan.seconds["analyze"] = round(time.perf_counter() - t0, 1)
    return plan
