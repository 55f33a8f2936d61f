# Accord: `make run` sets up and serves the demo; `make test` sets up and runs every test.
# Both are safe to repeat. Front-end assets are committed; `make assets` rebuilds them (needs npm).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?= -n 2

.PHONY: install run test lint format chromium nginx postgres redis system-libraries bench bench-load bench-scale clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/uv: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

## Install the pinned dependencies from requirements.lock into .venv, compiled to bytecode at
## install time: where PYTHONDONTWRITEBYTECODE is set (as on our machines) nothing else would
## write it, and every start (the command line, each gunicorn worker, each test process) would
## compile Flask and SQLAlchemy from source again, about 0.7 s of CPU
$(VENV)/.installed: requirements.lock | $(BIN)/uv
	UV_PYTHON_DOWNLOADS=never $(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	touch $@

## The app's own bytecode too (cheap: only changed files are compiled again)
install: $(VENV)/.installed
	@$(BIN)/python -m compileall -q app migrations wsgi.py >/dev/null

## Pango, which WeasyPrint needs for PDF exports, from Debian when it is missing
system-libraries:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 || { \
	  echo "Installing Pango and fonts for PDF exports"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 fonts-liberation >/dev/null; }

## Migrate the embedded database, load the demo data and serve on http://127.0.0.1:5000
run: install system-libraries
	ACCORD_ENV=$${ACCORD_ENV:-development} $(BIN)/flask --app wsgi db upgrade
	ACCORD_ENV=$${ACCORD_ENV:-development} $(BIN)/flask --app wsgi seed-demo
	ACCORD_ENV=$${ACCORD_ENV:-development} $(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

## Chromium for the browser tests, from Debian (never a browser download)
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## nginx for the multi-host test (tests/deploy/test_multi_host.py), from Debian; the test runs
## its own instance, so the package's service is left as Debian starts it
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx for the multi-host test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

## Redis (the shared sign-in throttle) for the deployment tests: Debian's, started if silent
redis:
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { \
	  command -v redis-server >/dev/null 2>&1 || { echo "Installing Debian's Redis"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }; \
	  redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 >/dev/null; \
	  for i in 1 2 3 4 5; do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done; }

## Start the machine's PostgreSQL if it is not answering
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  echo "Starting PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -n 1) main start; \
	  for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check app tests bench wsgi.py migrations/env.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format app tests bench wsgi.py migrations/env.py

## Lint, then every test: unit and request tests on SQLite and PostgreSQL, and the browser
test: install system-libraries chromium nginx postgres redis lint
	$(BIN)/pytest -p no:cacheprovider $(PYTEST_ARGS)

## Benchmarks (timings are measured here, never asserted in tests)
bench: install
	ACCORD_ENV=development $(BIN)/python -m bench.pages
	ACCORD_ENV=development $(BIN)/python -m bench.exports
	ACCORD_ENV=development $(BIN)/python -m bench.notifications
	ACCORD_ENV=development $(BIN)/python -m bench.imports
	ACCORD_ENV=development $(BIN)/python -m bench.votes
	ACCORD_ENV=development $(BIN)/python -m bench.passages
	ACCORD_ENV=development $(BIN)/python -m bench.word
	$(BIN)/python -m bench.startup

## Load benchmark: Accord's pages against bare Flask on gunicorn, driven by wrk (slow)
bench-load: install postgres
	$(BIN)/python -m bench.load

## The main pages on a council's data after a year of use, on PostgreSQL (SCALE=3: three years' worth)
bench-scale: install postgres
	ACCORD_ENV=development $(BIN)/python -m bench.scale

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

include Makefile.assets
