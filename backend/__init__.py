"""fieldcert: service-certification field work.

``create_app`` builds the Flask application. Importing ``backend`` itself loads no framework, so
the pure scoring core (``backend.scoring``) stays free of Flask and SQLAlchemy for the CLI and
the benchmarks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application from the environment, then apply ``config`` (Flask keys) on top."""
    from backend.app import build_app

    return build_app(config)
