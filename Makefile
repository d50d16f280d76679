# fieldcert: `make run` to try it, `make test` for everything CI checks. `make help` lists targets.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
FIELDCERT := $(BIN)/fieldcert
# Python 3.11 when the machine has it by that name, else whatever python3 is (checked below).
PYTHON := $(shell command -v python3.11 || command -v python3)
INSTALL_STAMP := $(VENV)/.installed
PWA_STAMP := pwa/dist/index.html
# bench/scale_bench.py's options, e.g. `make bench SCALE_BENCH_ARGS="--large 100000"` (quicker).
SCALE_BENCH_ARGS ?=
PWA_SOURCES := $(shell find pwa -path pwa/node_modules -prune -o -path pwa/dist -prune \
	-o -type f -print 2>/dev/null)

.PHONY: help venv install pwa db demo run lint typecheck test bench lock clean

help: ## Show this list of targets
	@echo "fieldcert — make targets:"
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' \
		$(MAKEFILE_LIST)

venv: install ## Same as install

install: $(INSTALL_STAMP) ## Create .venv and install fieldcert with dev tools (locked by constraints.txt)

$(INSTALL_STAMP): pyproject.toml constraints.txt scripts/system-packages.sh
	@test -n "$(PYTHON)" || { echo "error: no python3.11 or python3 on PATH" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "error: fieldcert needs Python >= 3.11; $(PYTHON) is older" >&2; exit 1; }
	bash scripts/system-packages.sh reports
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check --quiet -c constraints.txt -e '.[dev]'
	touch $@

pwa: $(PWA_STAMP) ## Build the PWA into pwa/dist (npm ci && npm run build) when its sources changed

$(PWA_STAMP): $(PWA_SOURCES)
	cd pwa && npm ci && npm run build
	touch $@

db: install ## Migrate the database to the latest revision (fieldcert db upgrade)
	$(FIELDCERT) db upgrade

demo: db ## Load the demo organisation and one user per role (idempotent), print the logins
	$(FIELDCERT) demo load

run: install pwa db demo ## Everything above, then serve on http://127.0.0.1:$PORT (default 5000) with a job worker
	@echo "fieldcert on http://127.0.0.1:$${PORT:-5000}/ (sign in with a login above)"
	@# The background jobs' worker beside the server, on the same queue (instance/jobs.sqlite3,
	@# or Redis when REDIS_URL is set); Ctrl-C, or the server stopping, stops both.
	@$(FIELDCERT) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(FIELDCERT) run --host 127.0.0.1 --port $${PORT:-5000}

lint: install ## ruff check and ruff format --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install ## mypy (strict) on backend/
	$(BIN)/mypy backend/

test: install pwa ## PWA unit tests, lint, typecheck, pytest on SQLite and on PostgreSQL
	bash scripts/test.sh

bench: install pwa ## Benchmarks: scoring core, PWA budgets, sync API, survey page, costs at 1k vs 1M records
	$(PY) bench/scoring_bench.py
	$(PY) bench/pwa_bench.py
	@if $(PY) scripts/pg_probe.py "$${TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"; then \
		$(PY) bench/api_bench.py; \
		$(PY) bench/survey_bench.py; \
		$(PY) bench/scale_bench.py $(SCALE_BENCH_ARGS); \
	else \
		echo "PostgreSQL not reachable: skipping the API, survey and scale benchmarks"; \
	fi

lock: ## Re-resolve the dependencies from pyproject.toml into constraints.txt
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --disable-pip-version-check --quiet -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --disable-pip-version-check --exclude-editable \
		| grep -v '^fieldcert' > constraints.txt
	rm -rf .lock-venv

clean: ## Remove what make can rebuild (.venv, pwa/dist, pwa/node_modules, caches); keeps instance/
	rm -rf $(VENV) .lock-venv pwa/dist pwa/node_modules *.egg-info build dist \
		.pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
