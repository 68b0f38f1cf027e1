# What Matters. README's two commands:
#   make run    set up, train if needed, start the assistant, print where to chat
#   make test   set up the same way and run the whole test suite
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: help setup console-key run stop shell test lint validate model clean openapi
.PHONY: run-scaled bench bench-quick bench-profile

help:
	@echo "make run       set up, start the assistant, the review console and the demo practice page (SQLite), print where"
	@echo "make stop      stop them"
	@echo "make shell     chat with the running assistant in this terminal"
	@echo "make test      set up and run the whole test suite"
	@echo "make lint      ruff"
	@echo "make validate  rasa data validate"
	@echo "make openapi   regenerate docs/openapi.yaml from the console's code"
	@echo "make run-scaled  like make run, with two Rasa and two action servers behind nginx (PostgreSQL, Redis)"
	@echo "make bench     the benchmark against the stock Rasa starter bot; writes BENCHMARKS.md"
	@echo "make bench-profile  where a turn's time goes, part by part"

setup: $(INSTALLED) .env console-key

# The virtual environment, with Python 3.10 found on PATH or in pyenv, and the
# exact versions in requirements.lock.
$(INSTALLED): pyproject.toml requirements.lock
	@python=$$(sh scripts/find-python310) || exit 1; \
	  if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV); fi
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip==24.0"
	@echo "Installing dependencies (about 2 minutes the first time)..."
	$(PY) -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@touch $@

# Settings: a copy of .env.example with a fresh token for Rasa's HTTP API, a
# fresh secret key for the review console and a fresh secret for the action
# server. Secrets: readable by its owner only (umask 077, so it is never
# readable by others, even for a moment).
.env: | $(INSTALLED)
	@umask 077; \
	  token=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(24))'); \
	  key=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))'); \
	  actions=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))'); \
	  sed -e "s/^RASA_AUTH_TOKEN=$$/RASA_AUTH_TOKEN=$$token/" \
	      -e "s/^CONSOLE_SECRET_KEY=$$/CONSOLE_SECRET_KEY=$$key/" \
	      -e "s/^ACTION_SERVER_TOKEN=$$/ACTION_SERVER_TOKEN=$$actions/" .env.example > .env
	@echo "Wrote .env (edit it to change settings)."

# A .env written before the console (or the action server's secret, issue 13)
# existed gets the missing secret added once; one written before issue 13 (0644)
# is made readable by its owner only.
console-key: .env
	@chmod 600 .env
	@grep -q '^CONSOLE_SECRET_KEY=.' .env || { \
	  echo "CONSOLE_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" >> .env; \
	  echo "Added CONSOLE_SECRET_KEY to .env."; }
	@grep -q '^ACTION_SERVER_TOKEN=.' .env || { \
	  echo "ACTION_SERVER_TOKEN=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(32))')" >> .env; \
	  echo "Added ACTION_SERVER_TOKEN to .env."; }

model: setup
	$(PY) -m bot model train

run: setup
	$(PY) -m bot model train
	@# The made-up demo directory, for the demo practice only (re-importing changes nothing).
	$(PY) -m bot directory import bot/directory/demo_directory.json --practice demo-practice
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

openapi: setup
	$(PY) -m bot console --openapi docs/openapi.yaml

validate: setup
	$(PY) -m bot.rasa_server data validate --domain domain --data data --fail-on-warnings

# --- Scaled out (bot/scaled/) and the benchmark (bot/bench) ---
run-scaled: setup
	$(PY) -m bot model train
	$(PY) -m bot servers start --scaled

# About 20 minutes, most of it full load on every core: run it on a quiet machine. Three rounds
# (--rounds N for more), ours and the starter bot's loads in turn.
bench: setup
	$(PY) -m bot.bench --write BENCHMARKS.md

# A small smoke run (K = 1, 2, two rounds) that leaves BENCHMARKS.md alone.
bench-quick: setup
	$(PY) -m bot.bench --quick

# Where a turn's time goes, part by part, ours against the starter bot's.
bench-profile: setup
	$(PY) -m bot.bench.profile

clean: stop
	rm -rf $(VENV) models var .pytest_cache .ruff_cache *.egg-info
