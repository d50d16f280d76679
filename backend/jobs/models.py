"""The jobs' outbox: jobs owed by committed changes, written in the change's own transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from backend.db import Base, UtcDateTime, created_at, uuid_pk


class OutboxJob(Base):
    """A job a change owes (``backend.jobs.outbox``): relayed to the queue after the commit."""

    __tablename__ = "job_outbox"
    __table_args__ = (
        # The relay's question: what is still waiting, oldest first.
        sa.Index("ix_job_outbox_waiting", "relayed_at", "created_at"),
    )

    #: Also the queue's job id (``outbox:<id>``): a job relayed twice runs once.
    id: Mapped[uuid_pk]
    #: The job's name (``backend.jobs.tasks.JOBS``).
    job: Mapped[str] = mapped_column(sa.String(100))
    #: Its arguments, plain JSON values (a worker may run another release).
    args: Mapped[list[Any]] = mapped_column(sa.JSON)
    created_at: Mapped[created_at]
    #: When it was put on the queue; NULL while it waits for the relay.
    relayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    #: When a worker took it (in the job's own transaction): a second copy finds it set.
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
