"""The Flask extensions: created unbound here, bound to each app in ``create_app``."""

from __future__ import annotations

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from backend.api import Api
from backend.db import Base

#: Models derive from ``backend.db.Base`` directly, so ``db.metadata is Base.metadata``.
db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def create_api(app: Flask) -> Api:
    """The app's flask-smorest Api.

    One per app, unlike ``db`` and ``migrate``: an Api keeps a single app and OpenAPI spec, so
    a shared one would serve the spec of whichever app was built last (tests build several).
    """
    return Api(app)
