# The two commands of the README: `make run` and `make test`. Everything they need is installed
# here, into .venv; stamp files make a second run skip what is already done.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi.py
export PIP_DISABLE_PIP_VERSION_CHECK := 1

CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test setup translations lint extract-messages clean

## Set up and start the service on SQLite with demo data, on http://127.0.0.1:5000: the web
## server (gunicorn) and the background worker (`flask worker`: recall notices, portal sync).
## Ctrl-C stops both; so does either one stopping. (Production: deploy/, two services.)
run: setup
	@trap 'kill -TERM $$web $$jobs 2>/dev/null' INT TERM; \
	$(FLASK) worker & jobs=$$!; \
	$(BIN)/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile - wsgi:app & web=$$!; \
	while kill -0 $$web 2>/dev/null && kill -0 $$jobs 2>/dev/null; do sleep 1; done; \
	kill -TERM $$web $$jobs 2>/dev/null; wait $$web; web=$$?; wait $$jobs; jobs=$$?; \
	exit $$(( web ? web : jobs ))

## Set up and run the whole test suite (lint, layer contracts, pytest)
test: $(VENV)/.dev-deps translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

## Install, compile translations, migrate the database, load units and (once) the demo data
setup: $(VENV)/.run-deps translations
	$(FLASK) db upgrade
	$(FLASK) setup

translations: $(COMPILED)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(VENV)/.run-deps
	$(BIN)/pybabel compile -i $< -o $@ -l $*

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed: make PYTHON=python3.12 …" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

extract-messages: $(VENV)/.run-deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance test-artifacts $(COMPILED)

## Run the benchmarks on a fresh PostgreSQL database (bench/README.md); figures in bench/results/
.PHONY: bench
bench: $(VENV)/.dev-deps translations
	$(BIN)/python -m bench

## Load test: gunicorn (production settings) on a fresh PostgreSQL database, a mixed wrk workload
.PHONY: load
load: $(VENV)/.dev-deps translations
	$(BIN)/python -m bench.load
