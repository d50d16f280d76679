"""The fieldapp tests run in the engagement tests' world (one organisation, team, two sites)."""

from tests.engagements.conftest import world

__all__ = ["world"]
