# Bina ASN. `make run` serves the app; `make test` runs the whole suite. Both install what they need.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export FLASK_APP := wsgi
HTMX_VERSION := 2.0.11
HTMX_SHA256 := d6fdc75f204e6bdefa99b69bf1e6d4ac69b8a364f77929f45c13476b4000f717

.PHONY: install run dev db test test-postgres lint translations messages chromium vendor-htmx clean

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed translations

# Compile the catalogues (.po -> .mo); the .mo files are build output, not committed.
translations: $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d lms/translations

# After changing user-facing strings: extract them and merge into both catalogues.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F lms/translations/babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o lms/translations/messages.pot .
	$(BIN)/pybabel update -N --no-wrap -i lms/translations/messages.pot -d lms/translations
	$(BIN)/python lms/translations/fill_en.py

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask lms demo --if-empty

# The web server, and the job worker beside it (periodic sweeps, bulk jobs); both stop together.
run: db
	$(BIN)/flask lms worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/gunicorn -c python:lms.core.gunicorn_conf wsgi:app

dev: db
	$(BIN)/flask run --debug --host 127.0.0.1 --port 5000

# Debian's Chromium for the browser tests, when it is missing and we are root.
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core poppler-utils >/dev/null; \
	  else echo "chromium is missing and cannot be installed here: browser tests will be skipped"; fi; \
	fi

test: install chromium
	$(BIN)/pytest

test-postgres: install chromium
	LMS_TEST_DATABASE_URL=$${LMS_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} $(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check lms tests bench
	$(BIN)/ruff format --check lms tests bench

# Fetch htmx from the npm registry at the pinned version and check it against the pinned hash.
vendor-htmx:
	cd $$(mktemp -d) && npm pack --silent htmx.org@$(HTMX_VERSION) >/dev/null && tar xzf htmx.org-$(HTMX_VERSION).tgz && \
	  echo "$(HTMX_SHA256)  package/dist/htmx.min.js" | sha256sum -c - && \
	  cp package/dist/htmx.min.js $(CURDIR)/static/vendor/htmx-$(HTMX_VERSION).min.js

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
