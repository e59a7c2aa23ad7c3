# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pywb pins older pyOpenSSL/werkzeug/redis than Scrapy needs, so it gets a venv of its own;
# the integration test runs its `wayback` server from there.
PYWB_VENV := .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed

.PHONY: demo test lint install clean screenshots bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(PYWB_STAMP):
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb>=2.8,<3'
	touch $(PYWB_STAMP)

install: $(STAMP) $(PYWB_STAMP)

demo: $(STAMP)
	$(BIN)/policy-archive demo --out demo-data

# The README's screenshots of `serve`, from the demo corpus (needs Debian's chromium).
screenshots: demo
	$(BIN)/python -m bench.screenshots demo-data docs/screenshots

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: $(STAMP) $(PYWB_STAMP) lint
	$(BIN)/python -m pytest

# Every benchmark of the issues and one summary table (about 20 min on 2 CPUs; BENCH_ARGS=--quick: about 2 min).
# BENCH_ARGS="--write BENCHMARKS.md" also rewrites the figures file.
bench: $(STAMP)
	$(BIN)/python -m bench.suite $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(PYWB_VENV) demo-data .pytest_cache .mypy_cache .ruff_cache
