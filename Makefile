# What Matters. README's two commands:
#   make run    set up, train if needed, start the assistant, print where to chat
#   make test   set up the same way and run the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: help setup run stop shell test lint validate model clean

help:
	@echo "make run       set up, start the assistant (SQLite), print where to chat"
	@echo "make stop      stop it"
	@echo "make shell     chat with the running assistant in this terminal"
	@echo "make test      set up and run the whole test suite"
	@echo "make lint      ruff"
	@echo "make validate  rasa data validate"

setup: $(INSTALLED) .env

# The virtual environment, with Python 3.10 found on PATH or in pyenv, and the
# exact versions in requirements.lock.
$(INSTALLED): pyproject.toml requirements.lock
	@python=$$(sh scripts/find-python310) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
	@echo "Installing dependencies (about 2 minutes the first time)..."
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $@

# Settings: a copy of .env.example with a fresh token for Rasa's HTTP API.
.env: | $(INSTALLED)
	@token=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	  sed "s/^RASA_AUTH_TOKEN=$$/RASA_AUTH_TOKEN=$$token/" .env.example > .env
	@echo "Wrote .env (edit it to change settings)."

model: setup
	$(PY) -m bot model train

run: setup
	$(PY) -m bot model train
	$(PY) -m bot servers start

stop:
	@if [ -x $(PY) ]; then $(PY) -m bot servers stop; fi

shell: setup
	$(PY) -m bot chat

test: setup
	$(PY) -m pytest

lint: setup
	$(PY) -m ruff check bot actions tests
	$(PY) -m ruff format --check bot actions tests

validate: setup
	$(PY) -m rasa data validate --domain domain --data data --fail-on-warnings

clean: stop
	rm -rf $(VENV) models var .pytest_cache .ruff_cache *.egg-info
