# The two commands of the README: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask
export FLASK_APP := wsgi.py

.PHONY: run test lint translations extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.run-deps: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-deps: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.run-deps

translations: $(VENV)/.run-deps
	$(BIN)/pybabel compile -d translations

## Set up and start the service on SQLite with demo data, on http://127.0.0.1:5000
run: $(VENV)/.run-deps translations
	$(FLASK) db upgrade
	$(FLASK) setup
	$(BIN)/gunicorn --bind 127.0.0.1:5000 --workers 2 --access-logfile - wsgi:app

## Set up and run the whole test suite (lint, layer contracts, pytest)
test: $(VENV)/.dev-deps translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

extract-messages: $(VENV)/.run-deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance
