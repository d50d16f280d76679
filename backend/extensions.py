"""The Flask extensions: created unbound here, bound to each app in ``create_app``."""

from __future__ import annotations

from flask import Flask
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from backend.api import Api
from backend.db import Base

#: Models derive from ``backend.db.Base`` directly, so ``db.metadata is Base.metadata``.
#: expire_on_commit=False: a service commits and the route then serialises what it changed; with
#: expiry every attribute would be loaded again, one query per object (measured: the reloads were
#: a fifth of an evaluation sync's database round trips). Values set by the database itself are
#: given by Python defaults too (ids, created_at), so nothing read after a commit is stale.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()


def create_api(app: Flask) -> Api:
    """The app's flask-smorest Api.

    One per app, unlike ``db`` and ``migrate``: an Api keeps a single app and OpenAPI spec, so
    a shared one would serve the spec of whichever app was built last (tests build several).
    """
    return Api(app)
