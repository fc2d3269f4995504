# The two commands of the README: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed  ## Serve the site on SQLite at http://127.0.0.1:8000 with demo data and a task worker.
	$(BIN)/python manage.py migrate --no-input
	@if command -v msgfmt >/dev/null && ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore=.venv -v0; fi
	$(BIN)/python manage.py seed_demo --if-empty
	@# The task worker runs beside the web server and stops with it.
	$(BIN)/python manage.py db_worker --no-reload & WORKER=$$!; trap 'kill $$WORKER 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed  ## Run the whole suite (DATABASE_URL=postgres://... for PostgreSQL).
	@if command -v msgfmt >/dev/null && ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		$(BIN)/python manage.py compilemessages --ignore=.venv -v0; fi
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djlint templates --lint  # rules and exceptions: .djlintrc
	$(BIN)/python manage.py makemigrations --check --dry-run
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --target-version 5.2

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One command for contributors and CI, so every catalogue is extracted the same way. Locations
# name files without line numbers, so unrelated edits do not churn the .po files (and merges).
MESSAGES_FLAGS := --ignore=.venv --ignore=static/vendor --ignore=staticfiles --ignore=tests \
	--no-obsolete --add-location=file
# Every catalogue under locale/; start a new language with `make messages LOCALES=fr`.
LOCALES ?= $(notdir $(wildcard locale/*))

messages: $(VENV)/.installed  ## Update locale/<lang>/LC_MESSAGES/django.po and djangojs.po from the source.
	$(BIN)/python manage.py makemessages $(addprefix -l ,$(LOCALES)) $(MESSAGES_FLAGS)
	$(BIN)/python manage.py makemessages -d djangojs $(addprefix -l ,$(LOCALES)) $(MESSAGES_FLAGS)

# wrk is Debian's; installed here when missing and running as root (CI and containers).
bench: $(VENV)/.installed  ## Load-test gunicorn on PostgreSQL (DATABASE_URL required; ARGS=--small, --reseed, ...).
	@command -v wrk >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null 2>&1 || \
			{ apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }; \
		else echo "wrk is missing: sudo apt-get install wrk" >&2; exit 1; fi; }
	$(BIN)/python bench/http_bench.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
