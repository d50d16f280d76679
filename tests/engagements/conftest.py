"""The engagement tests' world: tests/world.py's, as it is built by default."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from tests.world import World, build_world


@pytest.fixture
def world(db_session: Session) -> World:
    return build_world(db_session)
