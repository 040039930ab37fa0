# Two commands matter: `make run` (the demo on SQLite, no servers needed) and `make test`
# (the whole suite on PostgreSQL and Redis). See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
CHROMIUM_PATH ?= /usr/bin/chromium
export CHROMIUM_PATH

# Defaults for the test run only: `make run` keeps whatever the user exported, else the
# SQLite database and embedded broker that clinic/settings.py defaults to.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/clinic)
TEST_BROKER_URL := $(or $(CELERY_BROKER_URL),redis://127.0.0.1:6379/0)
TEST_REDIS_URL := $(or $(REDIS_URL),$(TEST_BROKER_URL))
TEST_ENV := DATABASE_URL='$(TEST_DATABASE_URL)' CELERY_BROKER_URL='$(TEST_BROKER_URL)' \
	REDIS_URL='$(TEST_REDIS_URL)' PLAYWRIGHT_CHROMIUM='$(CHROMIUM_PATH)'

# Connect to the server's maintenance database: the test database need not exist yet.
define PG_CHECK
import sys
from urllib.parse import urlsplit

import psycopg

url = urlsplit(sys.argv[1])
where = f"{url.hostname}:{url.port or 5432}" if url.hostname else sys.argv[1]
try:
    psycopg.connect(url._replace(scheme="postgresql", path="/postgres").geturl(), connect_timeout=5).close()
except (psycopg.Error, ValueError):
    sys.exit(f"PostgreSQL is not reachable at {where}; start it or set DATABASE_URL=postgres://user@host:port/db")
endef
export PG_CHECK

.PHONY: run test test-deep lint bench check-postgres prepare-test-machine

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Stamps under .venv: reinstall only when a requirements file changed since the last install.
$(VENV)/.installed-run: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-run

# The settings default to production (DEBUG off); the demo runs with DEBUG on unless told otherwise.
run: export DEBUG := $(or $(DEBUG),1)
# Links in e-mails and calendar files point at the port the demo serves, unless SITE_URL says otherwise.
run: export SITE_URL := $(or $(SITE_URL),http://127.0.0.1:$(PORT))
run: $(VENV)/.installed-run
	$(BIN)/python manage.py prepare_local_run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Massage clinic booking: $(SITE_URL)/  (admin: $(SITE_URL)/admin/)"
	@echo "  Demo logins, password demo-pass-2026:"
	@echo "    admin@clinic.test      clinic admin"
	@echo "    therapist@clinic.test  therapist (Maya Okafor)"
	@echo "    frontdesk@clinic.test  front desk (admin without prices or users' permissions)"
	@echo "    patient@clinic.test    patient (Jordan Miles)"
	@echo "  Ctrl-C stops the web server, the worker and beat."
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONUNBUFFERED=1 exec $(BIN)/honcho start --port $(PORT)

# PostgreSQL and Redis up, Chromium and node installed (see the script: it starts or installs
# what it can, else names the command to run).
prepare-test-machine:
	@bin/prepare-test-machine '$(TEST_DATABASE_URL)' '$(TEST_REDIS_URL)' '$(CHROMIUM_PATH)'

# The test suite's node tools, exactly as package-lock.json pins them.
node_modules/.package-lock.json: package.json package-lock.json | prepare-test-machine
	npm ci --no-audit --no-fund --loglevel=error

check-postgres: $(VENV)/.installed-dev
	@$(BIN)/python -c "$$PG_CHECK" '$(TEST_DATABASE_URL)'

test: prepare-test-machine node_modules/.package-lock.json check-postgres
	@mkdir -p var/staticfiles
	$(TEST_ENV) $(BIN)/pytest tests
	npm test --silent

# The property tests with many more examples, freshly drawn.
test-deep: prepare-test-machine node_modules/.package-lock.json check-postgres
	$(TEST_ENV) HYPOTHESIS_PROFILE=deep $(BIN)/pytest tests/booking/test_availability_property.py

# mypy's Django plugin imports the settings: load them as the demo does.
lint: export DEBUG := 1
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# The benchmarks load the settings as the demo does (bench/load.py runs its server with DEBUG off).
# bench/locustfile.py is the users bench/load.py starts, and bench/compare.py the runner below:
# neither is a bench of its own. The load bench runs issue 19's curve with Redis as the cache.
# `make bench BEFORE=dc30b49` runs each bench on that commit and on this tree, one after the
# other, and prints their figures side by side (bench/compare.py): issue 19's before and after.
# REPEAT=3 alternates three runs of each and prints the medians.
bench: export DEBUG := $(or $(DEBUG),1)
bench: check-postgres
	@for script in bench/*.py; do \
		[ -e "$$script" ] || { echo "No benchmarks in bench/ yet."; break; }; \
		case "$$script" in \
			bench/locustfile.py|bench/compare.py) continue;; \
			bench/availability.py) args="--scale";; \
			bench/load.py) args="--users-curve 10,30,60,120 --duration 60 --cache-url $(TEST_REDIS_URL)";; \
			*) args="";; \
		esac; \
		echo "== $$script $$args"; \
		if [ -n "$(BEFORE)" ]; then \
			$(TEST_ENV) $(BIN)/python bench/compare.py --before "$(BEFORE)" --repeat "$(or $(REPEAT),1)" --bench-from current "$$script" $$args || exit 1; \
		else \
			$(TEST_ENV) $(BIN)/python "$$script" $$args || exit 1; \
		fi; \
	done
