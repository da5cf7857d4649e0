# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test install lint bench clean prod-local prod-local-check prod-local-stop

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/python -m compileall -q storefront wsgi.py > /dev/null
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

## Migrate, load the demo catalogue and serve on http://127.0.0.1:5000 (with a local SMTP sink)
run: $(STAMP)
	$(BIN)/python -m storefront.devrun

## Run the whole test suite (PostgreSQL / Chromium suites skip with a reason when absent)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Layer contracts (import-linter, see docs/architecture.md) and ruff
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check storefront tests

## nginx (Debian) on loopback -> two gunicorn instances + a worker, PostgreSQL and Redis
prod-local: $(STAMP)
	scripts/prod-local.sh

## Start prod-local, buy one thing through nginx (webhook, worker-sent email), stop
prod-local-check: $(STAMP)
	scripts/prod-local.sh check

prod-local-stop:
	scripts/prod-local.sh stop

## One run: 10,000-product seed load, pages vs a bare-Flask ceiling (SQLite; PostgreSQL through
## nginx and two instances), checkout orders/s through localstripe. Figures: docs/performance.md
bench: $(STAMP)
	$(BIN)/python -m compileall -q storefront wsgi.py > /dev/null
	$(BIN)/python bench/bench_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/*.db
