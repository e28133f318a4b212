# Continuum: `make demo` runs the product with demo data; `make test` runs the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DEBUG ?= 1

.PHONY: install demo test lint format bench load worker messages check-messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# XStatic-Bootstrap's sdist imports pkg_resources at build time; cap setuptools for builds.
$(STAMP): pyproject.toml .ci/build-constraints.txt | $(BIN)/python
	$(BIN)/pip install --quiet --build-constraint .ci/build-constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var

demo: $(STAMP) | var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Starting the task worker (e-mails, reminders, purges) and the web server on http://127.0.0.1:8000/"
	$(BIN)/python manage.py run_worker --interval 2 & \
	  worker=$$!; trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/report_bench.py --responses 200000 --units 500

# Virtual staff through gunicorn on PostgreSQL (DATABASE_URL, default continuum_load on 127.0.0.1).
load: $(STAMP) | var
	$(BIN)/python bench/load.py

# The background worker: e-mails (throttled, retried) and the daily purge and storage scrub.
worker: $(STAMP)
	$(BIN)/python manage.py run_worker

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr --no-obsolete --no-location --ignore='.venv/*' --ignore='var/*' --ignore='tests/*' --ignore='bench/*' --ignore='bin/*'
	$(BIN)/python manage.py compilemessages --ignore='.venv/*'

# Fails when a French translation is missing or fuzzy, or the compiled catalogue is stale.
check-messages: $(STAMP)
	$(BIN)/python bin/check_messages.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
