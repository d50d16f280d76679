"""Clients (认证委托人 / 服务提供者), their certification units and service sites."""

from __future__ import annotations

import enum
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.db import Base, created_at, uuid_pk
from backend.db_types import enum_column


class Datum(enum.StrEnum):
    """The coordinate system a location was entered in (DOMAIN.md "Geography in China")."""

    WGS84 = "wgs84"  # GPS and the browser's Geolocation API
    GCJ02 = "gcj02"  # Amap, Tencent maps (火星坐标)
    BD09 = "bd09"  # Baidu maps


class Client(Base):
    """The organisation being certified: 认证委托人, usually also the 服务提供者."""

    __tablename__ = "clients"

    id: Mapped[uuid_pk]
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    #: The service provider when it differs from the client (认证委托人 ≠ 服务提供者).
    service_provider: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[created_at]

    units: Mapped[list[CertificationUnit]] = relationship(back_populates="client")


class CertificationUnit(Base):
    """A certification unit (认证单元): e.g. one platform of one provider (CQC rule §4.1)."""

    __tablename__ = "certification_units"

    id: Mapped[uuid_pk]
    client_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("clients.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    scope: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[created_at]

    client: Mapped[Client] = relationship(back_populates="units")
    sites: Mapped[list[Site]] = relationship(back_populates="unit")


class Site(Base):
    """A place where the service is delivered, with its geofence in WGS-84."""

    __tablename__ = "sites"
    __table_args__ = (
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude_range"),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude_range"),
        sa.CheckConstraint("geofence_radius_m > 0", name="geofence_positive"),
    )

    id: Mapped[uuid_pk]
    unit_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("certification_units.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.String(500))
    #: WGS-84, whatever datum the location was entered in: geofence checks compare WGS-84 fixes.
    latitude: Mapped[float] = mapped_column(sa.Float)
    longitude: Mapped[float] = mapped_column(sa.Float)
    geofence_radius_m: Mapped[float] = mapped_column(sa.Float, default=150.0)
    #: As entered (e.g. copied from Amap in GCJ-02), kept so the conversion can be checked.
    entered_datum: Mapped[Datum] = mapped_column(enum_column(Datum, "datum", 8))
    entered_latitude: Mapped[float] = mapped_column(sa.Float)
    entered_longitude: Mapped[float] = mapped_column(sa.Float)
    created_at: Mapped[created_at]

    unit: Mapped[CertificationUnit] = relationship(back_populates="sites")
