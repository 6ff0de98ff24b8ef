# PeerNotes: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
CHROMIUM ?= /usr/bin/chromium
WRK ?= /usr/bin/wrk

.PHONY: run install install-test test chromium wrk typecheck clean bench bench-audit bench-records \
	bench-workforce \
	audit-deps audit-code audit-pip

# --upgrade-deps: the venv's own pip and setuptools are current, not the interpreter's bundled
# ones (which have known vulnerabilities, and `make audit-deps` audits them too).
$(BIN)/python:
	$(PYTHON) -m venv --upgrade-deps $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: install, create dev secrets, migrate SQLite, load the demo when empty, serve.
run: install
	$(BIN)/peernotes secrets init
	$(BIN)/peernotes db upgrade
	$(BIN)/peernotes demo load --if-empty
	@echo "PeerNotes is at http://$(HOST):$(PORT)"
	$(BIN)/peernotes run --host $(HOST) --port $(PORT)

## Debian's Chromium for the browser tests (installed with apt-get when running as root).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's Chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install -y chromium', then make test again" >&2; \
		exit 1; \
	fi

typecheck: install-test
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

## make test: the whole suite (SQLite unless PEERNOTES_TEST_DATABASE_URL names PostgreSQL).
test: install-test chromium typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache test-results

## make audit-deps: bandit over our code, pip-audit over the installed packages (README,
## "Dependency checks"). `.ci/run` runs it once.
audit-deps: install-test
	$(MAKE) --no-print-directory audit-code audit-pip

# Any finding of medium or high severity fails; reviewed exceptions are inline
# (`# nosec BXXX # reviewed: why`), so each sits beside the code it excuses.
BANDIT_PATHS ?= peernotes config.py wsgi.py gunicorn.conf.py
audit-code:
	$(BIN)/bandit -c pyproject.toml --quiet --severity-level medium -r $(BANDIT_PATHS)

# Every installed package but our own; what happens when nothing could be checked is in the
# script (a known vulnerability always fails).
audit-pip:
	bash .ci/audit-pip

## Debian's wrk, the load generator of `make bench` (installed with apt-get when running as root).
wrk:
	@if [ -x "$(WRK)" ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
		echo "Installing Debian's wrk for the benchmarks"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "wrk is missing: run 'sudo apt-get install -y wrk', then make bench again" >&2; \
		exit 1; \
	fi

## make bench: every figure of issue 15 against a real gunicorn on loopback, SQLite and
## PostgreSQL, one table (about 15 minutes; BENCH_ARGS=--quick for a small run, --help for more).
bench: install-test wrk
	PEERNOTES_BENCH_WRK=$(WRK) $(BIN)/python -m bench.suite $(BENCH_ARGS)

## make bench-audit: access-log verification speed, append cost, concurrent appends.
bench-audit: install-test
	$(BIN)/python -m bench.audit_bench $(BENCH_ARGS)

## make bench-records: first page of a record with 10x the data / 1x, SQLite and PostgreSQL.
bench-records: install-test
	$(BIN)/python -m bench.records_bench $(BENCH_ARGS)

## make bench-workforce: the workforce pages with 10x the service around them / 1x, and ÷ a bare route.
bench-workforce: install-test
	$(BIN)/python -m bench.workforce_bench $(BENCH_ARGS)
