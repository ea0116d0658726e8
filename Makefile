# Wolverhampton JSNA portal. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
BENCH_SECONDS ?= 5

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres lint install install-test db-upgrade db-migrate seed bench bench-large verify clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the portal

install-test: $(VENV)/.installed-test ## Install the portal and its test dependencies

db-upgrade: install ## Bring the database schema up to date
	$(FLASK) db upgrade

seed: db-upgrade ## Load the shipped real data and the demo content (idempotent)
	$(FLASK) seed

# Links in emails and console messages point at the address being served, unless SERVER_BASE_URL says otherwise.
run: export SERVER_BASE_URL ?= http://$(HOST):$(PORT)
run: seed ## Set everything up and serve the portal on http://127.0.0.1:5000 (SQLite)
	@$(FLASK) users ensure-admin
	@echo "Serving the Wolverhampton JSNA portal on http://$(HOST):$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-test ## Run the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== Database tests again on PostgreSQL ($$TEST_DATABASE_URL) =="; \
		PORTAL_TEST_DB=postgres $(BIN)/pytest -m "not browser" --ignore=tests/stats --ignore=tests/importers; \
	else \
		echo "TEST_DATABASE_URL is not set: PostgreSQL tests were not run."; \
	fi

lint: install-test ## ruff check, ruff format --check and mypy (settings in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

db-migrate: install ## Generate a migration: make db-migrate REV=0008_what_changed MSG="what changed"
	$(FLASK) db migrate --rev-id $(REV) -m "$(MSG)"

bench: install-test ## Run the benchmarks in bench/; pages at 1/10 and full size side by side (BENCH_SECONDS of wrk per page, default 5)
	@status=0; for script in bench/bench_*.py; do echo "== $$script"; \
	  if [ "$$script" = bench/bench_pages.py ]; then $(BIN)/python $$script --duration $(BENCH_SECONDS) || status=1; \
	  else $(BIN)/python $$script || status=1; fi; done; exit $$status

bench-large: install-test ## Page benchmark (10 s per page) and Lighthouse on the full-size bench dataset only
	$(BIN)/python bench/bench_pages.py --large --duration 10
	$(BIN)/python bench/bench_lighthouse.py --database sqlite:///$(CURDIR)/instance/bench-1/portal.sqlite3

verify: install-test ## Long proofs: forecast backtest, hostile inputs, API and form fuzzing, load and faults on PostgreSQL, the full axe crawl
	$(BIN)/python bench/bench_forecast.py
	HOSTILE_INPUTS=verify $(BIN)/pytest tests/test_hostile_corpus.py -q -s -p no:cacheprovider -k no_5xx
	SCHEMATHESIS_EXAMPLES=500 $(BIN)/pytest tests/api/test_schemathesis.py -q -s -p no:cacheprovider -k conforms
	FORM_FUZZ_PROFILE=verify $(BIN)/pytest tests/test_form_fuzzing.py -q -p no:cacheprovider
	$(BIN)/python bench/bench_load_faults.py
	AXE_CRAWL=full $(BIN)/pytest tests/browser/test_axe_crawl.py -q -s -p no:cacheprovider

clean: ## Remove the virtualenv and local database
	rm -rf $(VENV) instance/portal.sqlite3* .pytest_cache .ruff_cache
