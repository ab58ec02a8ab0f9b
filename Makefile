# Every target bootstraps .venv from pinned dependencies (constraints.txt) on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The hand-written code: everything but generated/.
HANDWRITTEN := overlays mock_server contract_tests scripts tests benchmarks

.PHONY: help test check fmt lint typecheck regen regen-check contract mock bench bench-tools bench-smoke clean

help:
	@echo "make contract  - run the contract suite (embedded mock by default; BASE_URL=... IMPILO_API_KEY=... for a live server)"
	@echo "make test      - all tests"
	@echo "make check     - format check, lint, type-check, generated/ up to date"
	@echo "make regen     - regenerate generated/ from openapi.yaml"
	@echo "make mock      - run the mock server on 127.0.0.1:8080"
	@echo "make bench     - benchmarks, written to BENCHMARKS.md (installs wrk and Prism if it can)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $(STAMP)

.venv: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -q

fmt: $(STAMP)
	$(BIN)/ruff format $(HANDWRITTEN)
	$(BIN)/ruff check --fix $(HANDWRITTEN)

lint: $(STAMP)
	$(BIN)/ruff format --check $(HANDWRITTEN)
	$(BIN)/ruff check $(HANDWRITTEN)

# Test folders are checked one at a time: each has its own conftest and helper modules.
TEST_DIRS := tests/spec tests/client tests/mock_server tests/contract tests/benchmarks
typecheck: $(STAMP)
	$(BIN)/mypy overlays/impilo mock_server/impilo_mock contract_tests/impilo_contract scripts benchmarks
	$(BIN)/mypy contract_tests/test_*.py
	@for d in $(TEST_DIRS); do echo "mypy $$d"; MYPYPATH=$$d $(BIN)/mypy $$d || exit 1; done

regen: $(STAMP)
	$(PY) scripts/regen.py

regen-check: $(STAMP)
	$(PY) scripts/regen.py --check

check: lint typecheck regen-check

contract: $(STAMP)
	$(BIN)/impilo-contract $(if $(BASE_URL),--base-url $(BASE_URL)) $(CONTRACT_ARGS)

mock: $(STAMP)
	$(BIN)/impilo-mock --host 127.0.0.1 --port 8080

# The load-test peers live outside the repo; installing them is best effort (the bench reports what is missing).
PRISM_DIR ?= $(HOME)/.cache/impilo-bench
bench-tools:
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || echo "bench-tools: could not install wrk"
	@test -x $(PRISM_DIR)/node_modules/.bin/prism || npm install --silent --prefix $(PRISM_DIR) @stoplight/prism-cli@5.16.0 || echo "bench-tools: could not install Prism"

bench: $(STAMP) bench-tools
	$(PY) -m benchmarks

bench-smoke: $(STAMP)
	$(PY) -m benchmarks --smoke

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis reports
