"""Settings from the environment, with defaults that work on a laptop.

Every setting has an environment variable; unset, it falls back to local parts (a SQLite file and
folders under ``instance/``). Production switches to PostgreSQL, object storage and Redis by
setting the variables, never by editing code (the Warehouse ``config.py`` approach).

This is the only module that reads the environment (``tests/architecture`` checks it): features
read their settings from the Flask config keys ``Settings.flask_config`` fills, so tests and
embedders can set any of them per app. ``VARIABLES`` lists every variable read here, and the
README's configuration tables list the same (a test compares them).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.evidence import decoding

#: The repository checkout: relative paths in settings are taken from here, not from the cwd.
REPO_ROOT = Path(__file__).resolve().parent.parent

#: Local state that is never committed (see .gitignore): database, secret key, evidence files.
DEFAULT_INSTANCE_DIR = REPO_ROOT / "instance"

DEFAULT_MAX_CONTENT_LENGTH = 25 * 1024 * 1024

#: Web Push: the contact address push services see (RFC 8292 §2.1).
DEFAULT_VAPID_SUBJECT = "mailto:admin@fieldcert.invalid"
#: Survey answers per client address: customers behind one shop Wi-Fi or a carrier's NAT share
#: an address, hence a minute limit well above one person's pace.
DEFAULT_SURVEY_RATE_LIMIT = "30 per minute;300 per hour"

#: Where background jobs wait (backend/jobs/engine.py): a SQLite file in the instance folder (one
#: machine, no extra service), Redis (``REDIS_URL``: workers on several machines), or run at once
#: in the caller (tests only).
JOB_MODES: tuple[str, ...] = ("sqlite", "redis", "immediate")

#: Every environment variable ``load_settings`` reads (the README's tables list the same).
VARIABLES: tuple[str, ...] = (
    "DATABASE_URL",
    "SECRET_KEY",
    "FIELDCERT_ENV",
    "FIELDCERT_INSTANCE_DIR",
    "FIELDCERT_STORAGE_DIR",
    "MAX_CONTENT_LENGTH",
    "PWA_DIST",
    "REDIS_URL",
    "FIELDCERT_ALLOW_LOCAL_LIMITS",
    "SESSION_COOKIE_SECURE",
    "FIELDCERT_TRUSTED_PROXIES",
    "FIELDCERT_IMAGE_DECODE_MAX_MIB",
    "FIELDCERT_IMAGE_DECODE_SLOTS",
    "FIELDCERT_IMAGE_DECODE_WAIT_SECONDS",
    "FIELDCERT_MAX_EVIDENCE_BYTES",
    "FIELDCERT_MAX_IMAGE_PIXELS",
    "FIELDCERT_S3_BUCKET",
    "FIELDCERT_S3_ENDPOINT_URL",
    "FIELDCERT_S3_PREFIX",
    "FIELDCERT_VAPID_SUBJECT",
    "FIELDCERT_CONTACT_KEY",
    "FIELDCERT_SURVEY_RATE_LIMIT",
    "FIELDCERT_PUBLIC_URL",
    "FIELDCERT_SIGNING_KEY_FILE",
    "FIELDCERT_BENCH_FLOOR",
    # Background jobs (backend/jobs): where the queue is kept, and its name there.
    "FIELDCERT_JOBS",
    "FIELDCERT_JOBS_QUEUE",
    # `fieldcert serve` (ServerSettings below): the production server's own settings.
    "FIELDCERT_BIND",
    "FIELDCERT_WORKERS",
    "FIELDCERT_THREADS",
    "FIELDCERT_TIMEOUT",
    "FIELDCERT_ALLOW_SQLITE",
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A setting in the environment has a value that cannot be used."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The application's settings, read once at start-up."""

    #: ``development`` on a laptop, ``production`` on a server (refuses demo data there).
    env: str
    instance_dir: Path
    database_url: str
    secret_key: str
    storage_dir: Path
    max_content_length: int
    pwa_dist: Path
    redis_url: str | None
    session_cookie_secure: bool
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
    trusted_proxies: int
    #: Memory one evidence image's processing may need, in bytes (backend/evidence/decoding.py).
    image_decode_max_bytes: int = decoding.DEFAULT_MAX_DECODE_BYTES
    #: Image decodes one process runs at once, and how long a request waits for one.
    image_decode_slots: int = decoding.DEFAULT_DECODE_SLOTS
    image_decode_wait_seconds: float = decoding.DEFAULT_DECODE_WAIT_SECONDS
    #: Accept rate limits counted in each process's memory in production (no Redis).
    allow_local_limits: bool = False
    #: Largest evidence file and image (width × height); None: the evidence feature's defaults.
    max_evidence_bytes: int | None = None
    max_image_pixels: int | None = None
    #: Evidence in S3-compatible storage when a bucket is named (backend/evidence/storage.py).
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_prefix: str | None = None
    vapid_subject: str = DEFAULT_VAPID_SUBJECT
    #: AES-256 key of respondents' phone numbers; None: generated into the instance folder.
    contact_key: str | None = None
    survey_rate_limit: str = DEFAULT_SURVEY_RATE_LIMIT
    #: The address printed in survey QR codes; None: the address the request came to.
    public_url: str | None = None
    #: The body's Ed25519 signing key (certificate seals, certification files); None: made once
    #: into ``<instance>/signing_key.pem`` (backend/certificates/keys.py).
    signing_key_file: Path | None = None
    #: Mount bench/api_bench.py's floor endpoint (backend/benchfloor.py); never on a server.
    bench_floor: bool = False
    #: Background job storage, one of ``JOB_MODES``; None (unset): Redis when ``REDIS_URL`` is
    #: set, else SQLite, and ``immediate`` for an app under test (backend/jobs/engine.py).
    jobs: str | None = None
    #: The queue's name in its storage; None: ``fieldcert``. Installations sharing one Redis
    #: need names of their own, or their workers run each other's jobs.
    jobs_queue: str | None = None

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def flask_config(self) -> dict[str, Any]:
        """The Flask configuration keys these settings map to."""
        return {
            "FIELDCERT_ENV": self.env,
            "FIELDCERT_INSTANCE_DIR": self.instance_dir,
            "FIELDCERT_STORAGE_DIR": self.storage_dir,
            "FIELDCERT_TRUSTED_PROXIES": self.trusted_proxies,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options(self.database_url),
            "SECRET_KEY": self.secret_key,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "PWA_DIST": self.pwa_dist,
            "REDIS_URL": self.redis_url,
            "SESSION_COOKIE_NAME": "fieldcert_session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "FIELDCERT_IMAGE_DECODE_MAX_BYTES": self.image_decode_max_bytes,
            "FIELDCERT_IMAGE_DECODE_SLOTS": self.image_decode_slots,
            "FIELDCERT_IMAGE_DECODE_WAIT_SECONDS": self.image_decode_wait_seconds,
            "FIELDCERT_ALLOW_LOCAL_LIMITS": self.allow_local_limits,
            "FIELDCERT_MAX_EVIDENCE_BYTES": self.max_evidence_bytes,
            "FIELDCERT_MAX_IMAGE_PIXELS": self.max_image_pixels,
            "FIELDCERT_S3_BUCKET": self.s3_bucket,
            "FIELDCERT_S3_ENDPOINT_URL": self.s3_endpoint_url,
            "FIELDCERT_S3_PREFIX": self.s3_prefix,
            "FIELDCERT_VAPID_SUBJECT": self.vapid_subject,
            "FIELDCERT_CONTACT_KEY": self.contact_key,
            "FIELDCERT_SURVEY_RATE_LIMIT": self.survey_rate_limit,
            "FIELDCERT_PUBLIC_URL": self.public_url,
            "FIELDCERT_SIGNING_KEY_FILE": self.signing_key_file
            or self.instance_dir / "signing_key.pem",
            "FIELDCERT_BENCH_FLOOR": self.bench_floor,
            "FIELDCERT_JOBS": self.jobs,
            "FIELDCERT_JOBS_QUEUE_NAME": self.jobs_queue,
        }


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read the settings from ``environ`` (default: ``os.environ``).

    ``overrides`` are Flask config keys that the caller sets anyway (tests, embedding); a
    ``SECRET_KEY`` there means no secret key file is generated.
    """
    env = os.environ if environ is None else environ
    overrides = overrides or {}
    instance_dir = _path(env.get("FIELDCERT_INSTANCE_DIR"), DEFAULT_INSTANCE_DIR)
    fieldcert_env = env.get("FIELDCERT_ENV", "development").strip() or "development"
    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance_dir / 'fieldcert.sqlite3'}"
    )
    instance_dir.mkdir(parents=True, exist_ok=True)
    if "SECRET_KEY" in overrides:
        secret_key = str(overrides["SECRET_KEY"])
    elif env.get("SECRET_KEY"):
        secret_key = env["SECRET_KEY"]
    else:
        secret_key = read_or_create_secret_key(instance_dir)
    return Settings(
        env=fieldcert_env,
        instance_dir=instance_dir,
        database_url=database_url,
        secret_key=secret_key,
        storage_dir=_path(env.get("FIELDCERT_STORAGE_DIR"), instance_dir / "evidence"),
        max_content_length=_int(env, "MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH),
        pwa_dist=_path(env.get("PWA_DIST"), REPO_ROOT / "pwa" / "dist"),
        redis_url=env.get("REDIS_URL") or None,
        session_cookie_secure=_bool(
            env, "SESSION_COOKIE_SECURE", default=fieldcert_env == "production"
        ),
        trusted_proxies=_int(env, "FIELDCERT_TRUSTED_PROXIES", 0),
        image_decode_max_bytes=_at_least_one(
            env, "FIELDCERT_IMAGE_DECODE_MAX_MIB", decoding.DEFAULT_MAX_DECODE_BYTES // 2**20
        )
        * 2**20,
        image_decode_slots=_at_least_one(
            env, "FIELDCERT_IMAGE_DECODE_SLOTS", decoding.DEFAULT_DECODE_SLOTS
        ),
        image_decode_wait_seconds=_seconds(
            env, "FIELDCERT_IMAGE_DECODE_WAIT_SECONDS", decoding.DEFAULT_DECODE_WAIT_SECONDS
        ),
        allow_local_limits=_bool(env, "FIELDCERT_ALLOW_LOCAL_LIMITS", default=False),
        max_evidence_bytes=_optional_positive(env, "FIELDCERT_MAX_EVIDENCE_BYTES"),
        max_image_pixels=_optional_positive(env, "FIELDCERT_MAX_IMAGE_PIXELS"),
        s3_bucket=_text(env, "FIELDCERT_S3_BUCKET"),
        s3_endpoint_url=_text(env, "FIELDCERT_S3_ENDPOINT_URL"),
        s3_prefix=_text(env, "FIELDCERT_S3_PREFIX"),
        vapid_subject=_text(env, "FIELDCERT_VAPID_SUBJECT") or DEFAULT_VAPID_SUBJECT,
        contact_key=_text(env, "FIELDCERT_CONTACT_KEY"),
        survey_rate_limit=_text(env, "FIELDCERT_SURVEY_RATE_LIMIT") or DEFAULT_SURVEY_RATE_LIMIT,
        public_url=_text(env, "FIELDCERT_PUBLIC_URL"),
        signing_key_file=_path(
            env.get("FIELDCERT_SIGNING_KEY_FILE"), instance_dir / "signing_key.pem"
        ),
        # Only the exact value "1": a stray "true" in a server's environment mounts nothing.
        bench_floor=env.get("FIELDCERT_BENCH_FLOOR") == "1",
        jobs=_jobs_mode(env),
        jobs_queue=_text(env, "FIELDCERT_JOBS_QUEUE"),
    )


def _jobs_mode(env: Mapping[str, str]) -> str | None:
    """``FIELDCERT_JOBS`` checked; None when unset (the engine picks, see ``Settings.jobs``)."""
    redis_url = (env.get("REDIS_URL") or "").strip()
    mode = (_text(env, "FIELDCERT_JOBS") or "").lower()
    if not mode:
        return None
    if mode not in JOB_MODES:
        raise ConfigError(f"FIELDCERT_JOBS must be one of {', '.join(JOB_MODES)}, not {mode!r}")
    if mode == "redis" and not redis_url:
        raise ConfigError("FIELDCERT_JOBS=redis needs REDIS_URL")
    return mode


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What ``fieldcert serve`` (gunicorn, backend/serve.py) runs with: all of it in one place."""

    #: Address to listen on; a reverse proxy in front terminates TLS (docs/deploy.md).
    bind: str
    #: Worker processes. Each holds its own database pool, so workers × (threads + pool
    #: overflow) must stay under PostgreSQL's max_connections.
    workers: int
    #: Threads per worker: field requests mostly wait on the database and storage.
    threads: int
    #: Seconds a request may take before its worker is restarted (PDF reports take ~2 s).
    timeout: int
    #: Accept SQLite in production (one machine, few users); refused otherwise.
    allow_sqlite: bool
    #: Proxies trusted for X-Forwarded-* (the same setting the app uses, FIELDCERT_TRUSTED_PROXIES).
    trusted_proxies: int


def load_server_settings(environ: Mapping[str, str] | None = None) -> ServerSettings:
    """Read ``fieldcert serve``'s settings; the defaults suit a 2-core machine behind a proxy."""
    env = os.environ if environ is None else environ
    cores = os.cpu_count() or 1
    return ServerSettings(
        bind=_text(env, "FIELDCERT_BIND") or "127.0.0.1:8000",
        # gunicorn's rule of thumb is 2 × cores + 1; with 4 threads each, cores + 1 is enough.
        workers=_at_least_one(env, "FIELDCERT_WORKERS", cores + 1),
        threads=_at_least_one(env, "FIELDCERT_THREADS", 4),
        timeout=_at_least_one(env, "FIELDCERT_TIMEOUT", 60),
        allow_sqlite=_bool(env, "FIELDCERT_ALLOW_SQLITE", default=False),
        trusted_proxies=_int(env, "FIELDCERT_TRUSTED_PROXIES", 0),
    )


def read_or_create_secret_key(instance_dir: Path) -> str:
    """Return the key kept in ``instance_dir/secret_key``, generating it on first use.

    The key signs session cookies, so it must survive restarts: a new key would log everyone out.
    The file is created with mode 0600 (owner only) before anything is written to it.
    """
    path = instance_dir / "secret_key"
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        # Another process created it between our read and our create: use theirs.
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def _read_key(path: Path) -> str:
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable secret key; delete it to generate a new one")
    return key


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs that name no driver.

    SQLAlchemy's default PostgreSQL driver is psycopg2, which is not installed; hosting
    providers often hand out ``postgres://`` URLs.
    """
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(database_url: str) -> dict[str, Any]:
    """SQLAlchemy engine options for the database the URL names."""
    if database_url.startswith("postgresql"):
        return {
            # No pre-ping: it costs a round trip on every checkout (two per field request, about
            # 8 % of the server's CPU in bench/api_bench.py). A connection found dead instead
            # fails one request with 503 DATABASE_UNAVAILABLE (errors.handle_database_outage),
            # which the outbox retries, and the pool then replaces every older connection.
            "pool_pre_ping": False,
            # Connections idle in the pool are kept alive through NAT and proxies (libpq TCP
            # keepalives), and replaced after an hour whatever happens.
            "pool_recycle": 3600,
            "connect_args": {
                "keepalives": 1,
                "keepalives_idle": 60,
                "keepalives_interval": 10,
                "keepalives_count": 3,
            },
        }
    return {}


def _path(value: str | None, default: Path) -> Path:
    if not value:
        return default
    path = Path(value).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise ConfigError(f"{name} must not be negative, not {raw!r}")
    return value


def _text(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value, None when unset or blank."""
    return (env.get(name) or "").strip() or None


def _optional_positive(env: Mapping[str, str], name: str) -> int | None:
    """A whole number of at least 1, None when unset (the feature's default applies)."""
    if not (env.get(name) or "").strip():
        return None
    return _at_least_one(env, name, 1)


def _at_least_one(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, not {env.get(name)!r}")
    return value


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value < 3600:
        raise ConfigError(f"{name} must be between 0 and 3600 seconds, not {raw!r}")
    return value


def _bool(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")
