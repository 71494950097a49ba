# LoRA Pipeline · Training Jobs
#   make run    - the whole product on this machine (SQLite + embedded Redis unless
#                 DATABASE_URL / REDIS_URL are set)
#   make test   - the whole suite against PostgreSQL and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
export REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_DATABASE_URL := $(DATABASE_URL)

.PHONY: install test test-python test-frontend lint typecheck schema schema-check frontend run bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev,embedded]'
	touch $@

install: $(VENV)/.installed

test: install
	$(MAKE) test-python
	@if [ -f frontend/package.json ]; then $(MAKE) test-frontend; fi

test-python: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

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

clean:
	rm -rf $(VENV) var frontend/node_modules frontend/dist
