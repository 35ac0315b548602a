# Hebi 合璧 — one command each: make demo, make test, make lint, make bench.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := hebi.settings

.PHONY: help install demo run migrate seed test test-fast lint bench messages browser-deps clean

help:
	@echo "make demo   - install, migrate, load the Changchun demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   - run the whole test suite (installs headless Chromium with apt if missing)"
	@echo "make lint   - ruff + mypy"
	@echo "make bench  - benchmarks (figures printed)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml requirements.lock
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/hebi seed_demo

# The demo runs as in production (no debug pages): a secret generated once into var/, static
# files collected and served by WhiteNoise. Cookies stay usable over plain http on localhost.
DEMO_ENV = HEBI_DEBUG=0 HEBI_SECURE_COOKIES=0 HEBI_SECRET_KEY="$$(cat var/secret_key)"

demo: seed
	@test -s var/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Hebi 合璧 is starting on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@# The background worker runs imports and re-indexing; it stops with the server.
	$(DEMO_ENV) $(BIN)/python manage.py db_worker & trap "kill $$! 2>/dev/null" EXIT; \
	$(DEMO_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

run: migrate
	$(BIN)/python manage.py db_worker & trap "kill $$! 2>/dev/null" EXIT; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		echo "Installing headless Chromium for the browser tests (apt)"; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	fi

test: install browser-deps
	$(BIN)/python -m pytest

test-fast: install
	$(BIN)/python -m pytest -m "not browser"

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy hebi

bench: install
	@if ls bench/*.py >/dev/null 2>&1; then for f in bench/*.py; do $(BIN)/python $$f || exit 1; done; \
	else echo "No benchmarks yet."; fi

messages: install
	cd hebi && ../$(BIN)/python ../manage.py makemessages -l en --no-obsolete --no-location
	cd hebi && ../$(BIN)/python ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
