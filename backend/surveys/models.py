"""Customer surveys (mode E, 顾客调查): campaigns, their sites and posters, responses.

A campaign belongs to one engagement and asks customers, by a QR code poster on each site, a
short Likert questionnaire whose questions are mapped to the engagement's scheme items (DOMAIN.md
"Customer survey"). Responses come online (the public page ``/s/<code>``) or face to face
(auditors, the ``offline`` channel). Each response is one evaluation in the sense of §5.1.2: its
score is averaged with the others', never pooled.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, UtcDateTime, created_at, uuid_pk
from backend.db_types import enum_column


class Channel(enum.StrEnum):
    ONLINE = "online"  # the public page, scanned from a poster
    OFFLINE = "offline"  # face to face, entered by auditors (client staff absent)


class CallbackOutcome(enum.StrEnum):
    PENDING = "pending"  # drawn, not called yet
    CONFIRMED = "confirmed"  # the customer confirmed the answer
    NOT_REACHED = "not_reached"  # nobody answered: the response stays
    DENIED = "denied"  # the customer says they never answered: it leaves the score


class SurveyCampaign(Base):
    """A survey of one engagement: dates, questionnaire, integrity settings."""

    __tablename__ = "survey_campaigns"
    __table_args__ = (
        sa.CheckConstraint("opens_at < closes_at", name="dates_ordered"),
        sa.CheckConstraint("callback_share > 0 AND callback_share <= 1", name="callback_share"),
    )

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    engagement_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    #: Shown on the poster and the page under the title (how to answer, who runs the survey).
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: After this instant the page says the survey is closed and takes no answer.
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: [{"item": "1.1", "zh": "...", "en": "..."}]: customer wording mapped to scheme items.
    questions: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    #: Share of phone-leaving online responses drawn for a callback (seed 003: 10 %).
    callback_share: Mapped[float] = mapped_column(sa.Float, default=0.1)
    #: Contact numbers are deleted this many days after the close date (PIPL: no longer than
    #: the purpose needs; the callback check ends well before).
    contact_retention_days: Mapped[int] = mapped_column(default=90)
    #: Seconds per answered question below which a response is flagged "too fast".
    min_seconds_per_question: Mapped[float] = mapped_column(sa.Float, default=2.0)
    #: Responses from one address within ``burst_window_minutes`` above which each further one
    #: is flagged "burst".
    burst_threshold: Mapped[int] = mapped_column(default=5)
    burst_window_minutes: Mapped[int] = mapped_column(default=10)
    #: Local opening hours "HH:MM" (Asia/Shanghai); answers outside them are flagged. Null: none.
    opening_time: Mapped[str | None] = mapped_column(sa.String(5))
    closing_time: Mapped[str | None] = mapped_column(sa.String(5))
    #: Campaigns that print one-time codes on receipts or cards accept only answers with one.
    requires_code: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Optimistic concurrency (ETag / If-Match).
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    created_at: Mapped[created_at]

    sites: Mapped[list[SurveySite]] = relationship(
        back_populates="campaign", cascade="all, delete-orphan", order_by="SurveySite.position"
    )


class SurveySite(Base):
    """One site of a campaign: its poster code and target sample."""

    __tablename__ = "survey_sites"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "site_id", name="uq_survey_sites_campaign_site"),
        sa.CheckConstraint("target >= 0", name="target_positive"),
    )

    id: Mapped[uuid_pk]
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="CASCADE"), index=True
    )
    site_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("sites.id", ondelete="RESTRICT"))
    #: The public code in the poster's URL ``/s/<code>``: random, unguessable, unique.
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    target: Mapped[int] = mapped_column(default=30)
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[SurveyCampaign] = relationship(back_populates="sites")


class SurveyResponse(Base):
    """One respondent's answers (§5.1.2: one evaluation), with its quality flags."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        # One answer per device per campaign (cookie + local storage token, hashed).
        sa.UniqueConstraint("campaign_id", "device_hash", name="uq_survey_responses_device"),
        # One answer per served form: a page load cannot be submitted again with fresh devices.
        sa.UniqueConstraint("campaign_id", "form_nonce", name="uq_survey_responses_form"),
        sa.Index("ix_survey_responses_campaign_ip", "campaign_id", "ip_hash", "received_at"),
        # The analysis's first and latest answers, the paged list: (campaign, received_at, id).
        sa.Index("ix_survey_responses_campaign_received", "campaign_id", "received_at", "id"),
        # A site's first answers (the analysis's explanation per site) read in order, 50 rows
        # whatever the campaign's other sites hold; it also serves the foreign key.
        sa.Index("ix_survey_responses_site_received", "survey_site_id", "received_at", "id"),
        # tallies.ensure_scored: answers not scored on this scheme, and answers it cannot score.
        sa.Index("ix_survey_responses_campaign_scored", "campaign_id", "scored_with"),
        sa.Index(
            "ix_survey_responses_unscored",
            "campaign_id",
            postgresql_where=sa.text("score_possible IS NULL"),
            sqlite_where=sa.text("score_possible IS NULL"),
        ),
        # The callback list's pages (arrival order, drawn answers only): a page seeks here and
        # reads its own rows however many answers the campaign has (issue 13, "Flat costs").
        sa.Index(
            "ix_survey_responses_campaign_callbacks",
            "campaign_id",
            "received_at",
            "id",
            postgresql_where=sa.text("callback_outcome IS NOT NULL"),
            sqlite_where=sa.text("callback_outcome IS NOT NULL"),
        ),
        sa.CheckConstraint(
            "channel = 'online' OR (staff_absent AND entered_by_id IS NOT NULL)",
            name="offline_attested",
        ),
    )

    #: Online: generated by the server. Offline: the auditor's phone generates it (idempotent PUT).
    id: Mapped[uuid_pk]
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="RESTRICT"), index=True
    )
    survey_site_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_sites.id", ondelete="RESTRICT")
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "survey_channel", 8))
    #: Item code -> level 1..5, or "na" (not applicable).
    answers: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    #: When the page was served (signed into the form) and when the answer arrived.
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: HMAC of the device token (online only): the token itself is never stored.
    device_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: The random id signed into the served form (online only): each form stores one answer.
    #: It needs no expiry of its own: the form's signed token expires (public.FORM_MAX_AGE).
    form_nonce: Mapped[str | None] = mapped_column(sa.String(32))
    #: HMAC of the client address, for the burst flag; never the address itself.
    ip_hash: Mapped[str | None] = mapped_column(sa.String(64))
    #: Quality flags (too_fast, straight_lining, burst, outside_hours), each with its numbers.
    flags: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    #: An auditor's decision to count a flagged response anyway, with the reason (audited).
    included_reason: Mapped[str | None] = mapped_column(sa.Text)
    included_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    #: The phone number, AES-256-GCM (nonce ‖ ciphertext ‖ tag), bound to this row's id.
    contact_ciphertext: Mapped[bytes | None] = mapped_column(sa.LargeBinary)
    #: Which key encrypted it (first 16 hex digits of the key's SHA-256): rotation shows up.
    contact_key_id: Mapped[str | None] = mapped_column(sa.String(16))
    contact_consent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    contact_purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: The callback check: set when the response is drawn, then the outcome of the call.
    callback_outcome: Mapped[CallbackOutcome | None] = mapped_column(
        enum_column(CallbackOutcome, "callback_outcome", 16)
    )
    callback_note: Mapped[str | None] = mapped_column(sa.Text)
    callback_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    callback_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    one_time_code_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("survey_codes.id", ondelete="RESTRICT"), unique=True
    )
    # Face to face (channel offline): who entered it, who interviewed, the attestation.
    entered_by_id: Mapped[uuid.UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="RESTRICT")
    )
    interviewer_ids: Mapped[list[str] | None] = mapped_column(sa.JSON)
    #: "The client's staff were absent during the interview" (seed 003), attested by the auditor.
    staff_absent: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: SHA-256 of the offline create's canonical content: the replay check (docs/surveys.md).
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # Scored once, on arrival (backend/surveys/tallies.py): what the analysis sums in SQL.
    #: Σ points × α of the rated items (§5.1.1 1)), × P × D of the scheme ``scored_with``.
    score_earned: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: Σ points of the rated items, × P; 0 when every answer was "not applicable".
    score_possible: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The level per scheme item, one character each in the scheme's order ("n": N/A).
    levels: Mapped[str | None] = mapped_column(sa.Text)
    #: The content hash of the scheme the sums were taken on (NULL: not scored yet).
    scored_with: Mapped[str | None] = mapped_column(sa.String(80))
    #: The quality flags' names, comma-separated ("" for none): counted without reading JSON.
    flag_names: Mapped[str | None] = mapped_column(sa.String(200))


class SurveyTallyGroup(Base):
    """How many answers share one analysis group, and their Σ earned (issue 13, "Flat costs").

    Kept by triggers on ``survey_responses`` (migration ``b8d3f1a6c925``): every write path,
    answers, interviews, inclusions, callbacks, rescoring, bulk loads, is counted without the
    application's help. The key is what ``tallies.exclusion_of`` and the §5.1.2 mean need: NULLs
    are stored as "" (no callback, no flags) and -1 (not scored yet), so the key has no NULLs.
    """

    __tablename__ = "survey_tally_groups"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    survey_site_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_sites.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    #: The callback outcome, "" when the answer was not drawn.
    callback_outcome: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    #: An auditor included the (flagged) answer with a reason.
    included: Mapped[bool] = mapped_column(primary_key=True)
    flag_names: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    #: Σ points of the rated items × P, -1 while not scored.
    score_possible: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)
    #: Σ score_earned of the group's answers.
    earned: Mapped[int] = mapped_column(sa.BigInteger)


class SurveyTallyLevel(Base):
    """How many counted answers gave one level to the scheme item at one position, per site.

    Kept by the same triggers; only answers the analysis counts (not denied at callback,
    unflagged or included) enter it, one row per (site, item position, level character).
    """

    __tablename__ = "survey_tally_levels"

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    survey_site_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_sites.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: "1".."9" or "n" (not applicable), as in ``SurveyResponse.levels``.
    level: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)


class SurveyTallyPosition(Base):
    """The numbers 1..``tallies.TALLY_POSITIONS``: the triggers split ``levels`` by joining them.

    SQLite allows neither a recursive WITH nor a set-returning function in a trigger's body;
    one small table serves both databases the same way.
    """

    __tablename__ = "survey_tally_positions"

    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class SurveyCode(Base):
    """A one-time code printed on a receipt or card; used by at most one response."""

    __tablename__ = "survey_codes"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "code_hash", name="uq_survey_codes_campaign_code"),
    )

    id: Mapped[uuid_pk]
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="CASCADE"), index=True
    )
    #: HMAC of the code (the printed code is shown once, when generated).
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[created_at]


class CallbackDraw(Base):
    """One callback draw: the seed and exactly what was drawn from (reproducible, audited)."""

    __tablename__ = "survey_callback_draws"

    id: Mapped[uuid_pk]
    campaign_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("survey_campaigns.id", ondelete="RESTRICT"), unique=True
    )
    seed: Mapped[str] = mapped_column(sa.String(64))
    share: Mapped[float] = mapped_column(sa.Float)
    eligible_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    selected_ids: Mapped[list[str]] = mapped_column(sa.JSON)
    drawn_by_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))
    drawn_at: Mapped[created_at]
