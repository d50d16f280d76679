#!/usr/bin/env bash
# Everything `make test` runs after install and the PWA build (the Makefile does those first).
#
# The PostgreSQL pass uses TEST_POSTGRES_URL (default: the local server's `test` database). When
# that server does not answer, a developer's run says so and goes on; a CI run (CI=true) fails.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# The URL without its password, for messages.
shown_url() { sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$1"; }

step "PWA unit tests (npm test)"
# `make pwa` installs node_modules when it builds; a tree built earlier may have lost them.
[ -d pwa/node_modules ] || (cd pwa && npm ci)
(cd pwa && npm test)

step "Debian packages: Pango, HarfBuzz-subset and Noto CJK (PDF reports), Chromium (browser tests)"
bash scripts/system-packages.sh reports browser
chromium --version
fc-list :lang=zh family | sort -u | head -n 3 || true

step "Lint (ruff)"
"$BIN/ruff" check .
"$BIN/ruff" format --check .

step "Typecheck (mypy, strict)"
"$BIN/mypy" backend/

step "pytest on SQLite"
env -u TEST_DATABASE_URL "$BIN/pytest"

step "pytest on PostgreSQL"
if "$BIN/python" scripts/pg_probe.py "$TEST_POSTGRES_URL"; then
    # The whole suite again, every app and the browser test's server on PostgreSQL.
    TEST_DATABASE_URL="$TEST_POSTGRES_URL" "$BIN/pytest"
elif [ "${CI:-}" = "true" ]; then
    die "PostgreSQL not reachable at $(shown_url "$TEST_POSTGRES_URL"); CI=true requires the PostgreSQL pass"
else
    echo "PostgreSQL not reachable at $(shown_url "$TEST_POSTGRES_URL"); skipping the PostgreSQL pass"
fi
