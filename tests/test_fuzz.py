"""Fuzz the API from its own OpenAPI document (schemathesis): no generated request, sent as any
role or anonymously, may get a server error, and every error keeps the one error shape.

The app runs on a database of its own, loaded with the demo data (one user per role, a client,
sites, an engagement, an assignment), so requests reach real rows as well as random ids. Each
role authenticates with a paired device token (no cookie, so no CSRF token is needed).
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import flask_migrate
import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings

from backend import create_app
from backend.demo import load_demo_data
from backend.devices.models import Device
from backend.devices.tokens import DEVICE_TOKEN_PREFIX, hash_device_token
from backend.extensions import db
from backend.users.models import Role, User
from tests.database import app_config, fresh_database

CALLERS = ["anonymous", *(role.value for role in Role)]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, dict[str, str]]]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    with fresh_database(tmp) as url:
        app = create_app(
            app_config(
                url,
                FIELDCERT_STORAGE_DIR=str(tmp / "evidence"),
                # Thousands of requests from one address: the limits are tested elsewhere.
                FIELDCERT_LOGIN_RATE_LIMIT="1000000 per minute",
                FIELDCERT_PASSWORD_RATE_LIMIT="1000000 per minute",
            )
        )
        tokens: dict[str, str] = {}
        with app.app_context():
            flask_migrate.upgrade()
            session = db.session()
            load_demo_data(session)
            for user in session.scalars(sa.select(User)):
                token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
                session.add(
                    Device(
                        id=uuid.uuid4(),
                        user_id=user.id,
                        name="fuzz",
                        token_hash=hash_device_token(token),
                    )
                )
                tokens[user.role.value] = token
            session.commit()
        yield app, tokens
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: tuple[Flask, dict[str, str]]) -> schemathesis.BaseSchema:
    app, _ = fuzz_app
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


# One Hypothesis run per operation, driven here rather than by schemathesis' pytest plugin (its
# collection hook does not work with this pytest). Bounded: a few examples per operation, each
# sent as every caller, derandomised so CI runs are repeatable.
EXAMPLES_PER_OPERATION = 12


def test_generated_requests_never_get_a_server_error(
    api_schema: schemathesis.BaseSchema, fuzz_app: tuple[Flask, dict[str, str]]
) -> None:
    _, tokens = fuzz_app
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40, "the OpenAPI document lost its operations"
    outcomes: Counter[int] = Counter()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case: schemathesis.Case) -> None:
            # Every generated request is sent once as each caller: roles take different paths.
            for caller in CALLERS:
                headers = (
                    {} if caller == "anonymous" else {"Authorization": f"Bearer {tokens[caller]}"}
                )
                response = case.call(headers=headers)
                outcomes[response.status_code // 100] += 1
                assert response.status_code < 500, (
                    f"{case.method} {case.formatted_path} as {caller}: {response.status_code} "
                    f"{response.text[:500]}"
                )
                if response.status_code >= 400:
                    body = response.json()
                    assert set(body) == {"code", "message", "details"}, (caller, body)

        check()
    # The run reached the handlers, not only the validation layer: some requests succeeded.
    assert outcomes[2] > 0 and outcomes[4] > 0, outcomes
