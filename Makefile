# LoRA Pipeline · Training Jobs
#   make run    - the whole product on this machine (SQLite + embedded Redis unless
#                 DATABASE_URL / REDIS_URL are set)
#   make test   - the whole suite against PostgreSQL and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# The tests' servers. Only the test targets get these defaults: `make run` must see DATABASE_URL
# and REDIS_URL unset unless the user set them (then it uses SQLite and an embedded Redis).
TEST_TARGETS := test test-python test-fuzz test-frontend test-e2e schema
$(TEST_TARGETS): export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
$(TEST_TARGETS): export REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: install test test-python test-fuzz test-frontend test-e2e lint typecheck schema schema-check frontend \
	frontend-dist run bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev,embedded]'
	touch $@

install: $(VENV)/.installed

test: install
	$(VENV)/bin/ruff check backend worker tests bench
	$(VENV)/bin/mypy backend worker
	$(MAKE) test-python
	$(MAKE) test-fuzz
	@if [ -f frontend/package.json ]; then $(MAKE) test-frontend; fi
	$(MAKE) test-e2e

# The browser tests (marked e2e) run in test-e2e, after the bundle is built.
test-python: install
	$(PY) -m pytest -q -p no:cacheprovider -m 'not e2e' $(PYTEST_ARGS)

# schemathesis against a live gunicorn server (fresh `<db>_fuzz` database, DEBUG on): every
# operation of openapi.yaml, all checks, a fixed seed; user API with a personal token, worker API
# with attempt tokens. Settings in tests/fuzz/schemathesis.toml.
test-fuzz: install
	$(PY) tests/fuzz/run_fuzz.py

# Browser tests: playwright-core drives /usr/bin/chromium (`.ci/run` installs it) against the
# real stack training tiny-random-llama; screenshots of the spec's 15 pages land in
# tests/e2e/screenshots/ (git-ignored).
tests/e2e/browser/node_modules/.package-lock.json: tests/e2e/browser/package-lock.json
	cd tests/e2e/browser && npm ci --no-audit --no-fund --loglevel=error

test-e2e: install frontend-dist tests/e2e/browser/node_modules/.package-lock.json
	$(PY) -m pytest -q -s -p no:cacheprovider -m e2e tests/e2e $(PYTEST_ARGS)

test-frontend:
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build && npm test

lint: install
	$(VENV)/bin/ruff check backend worker tests bench
	$(VENV)/bin/ruff format --check backend worker tests bench

typecheck: install
	$(VENV)/bin/mypy backend worker

schema: install
	DJANGO_SETTINGS_MODULE=backend.config.settings.test $(PY) manage.py spectacular \
		--file openapi.yaml --validate --fail-on-warn

frontend:
	cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run build

# The SPA bundle, rebuilt only when a source file, the lockfile or the config changed.
FRONTEND_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o \
	-path frontend/dist -prune -o -type f -print 2>/dev/null)
frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

frontend/dist/index.html: $(FRONTEND_SOURCES) frontend/node_modules/.package-lock.json
	cd frontend && npm run build
	touch $@

frontend-dist: $(if $(wildcard frontend/package.json),frontend/dist/index.html)

# The whole product on this machine: web server + SPA, scheduler, training workers, Redis.
# Settings come from the environment (README: Configuration); RUN_ARGS go to run_all.
run: install frontend-dist
	$(PY) manage.py run_all $(RUN_ARGS)

clean:
	rm -rf $(VENV) var frontend/node_modules frontend/dist tests/e2e/browser/node_modules \
		tests/e2e/screenshots
