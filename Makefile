# Every target that needs the environment bootstraps .venv first (scripts/bootstrap.sh): pinned
# dependencies from constraints.txt, installed with uv (pip if uv cannot be had; INSTALLER=pip forces
# it), with an interpreter checked against requires-python (PYTHON=... picks another).
# `make help` lists the targets: each one's `## ` comment is its help line.
PYTHON ?= python3
INSTALLER ?= uv
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The hand-written code: everything but generated/.
HANDWRITTEN := overlays mock_server contract_tests scripts tests benchmarks docs conftest.py

# The list of files the editable install links (strict mode links file by file, so a module added
# later, or new models after `make regen`, is importable only after a re-install). The list is
# rewritten only when it changes, so the install stamp depends on the set of files, not on edits.
PACKAGE_DIRS := generated spec overlays mock_server contract_tests
PACKAGE_FILES := build/package-files.txt
_package_files_updated := $(shell mkdir -p build && find $(wildcard $(PACKAGE_DIRS)) -path '*/impilo*' -not -path '*/__pycache__/*' \( -name '*.py' -o -name '*.json' -o -name py.typed \) | LC_ALL=C sort > $(PACKAGE_FILES).$$$$ && { cmp -s $(PACKAGE_FILES).$$$$ $(PACKAGE_FILES) && rm -f $(PACKAGE_FILES).$$$$ || mv -f $(PACKAGE_FILES).$$$$ $(PACKAGE_FILES); })

.PHONY: help test check fmt lint workflows typecheck regen regen-check contract mock docs docs-serve dist bench bench-tools bench-smoke clean

help: ## this list
	@awk 'BEGIN {FS = ":[^#]*## "} /^[a-zA-Z.][a-zA-Z0-9_.-]*:.*## / {printf "make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml constraints.txt $(PACKAGE_FILES) scripts/bootstrap.sh
	@sh scripts/bootstrap.sh "$(PYTHON)" "$(VENV)" "$(INSTALLER)"
	@touch $(STAMP)

.venv: $(STAMP) ## create or update .venv (PYTHON=... picks the interpreter, INSTALLER=pip skips uv)

test: $(STAMP) ## all tests (unit, packaging, contract suite under pytest)
	$(PY) -m pytest -q

contract: $(STAMP) ## the contract suite (embedded mock by default; BASE_URL=... IMPILO_API_KEY=... for a live server)
	$(BIN)/impilo-contract $(if $(BASE_URL),--base-url $(BASE_URL)) $(CONTRACT_ARGS)

check: lint workflows typecheck regen-check ## format check, lint, workflow schema, mypy, generated/ up to date

fmt: $(STAMP) ## format and auto-fix the hand-written code
	$(BIN)/ruff format $(HANDWRITTEN)
	$(BIN)/ruff check --fix $(HANDWRITTEN)

lint: $(STAMP) ## format check and lint (ruff)
	$(BIN)/ruff format --check $(HANDWRITTEN)
	$(BIN)/ruff check $(HANDWRITTEN)

workflows: $(STAMP) ## .github/workflows/ against GitHub's workflow schema
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml

# Test folders are checked one at a time: each has its own conftest and helper modules.
TEST_DIRS := tests/spec tests/client tests/mock_server tests/contract tests/benchmarks tests/packaging
typecheck: $(STAMP) ## mypy (strict) on the hand-written code and the tests
	$(BIN)/mypy overlays/impilo mock_server/impilo_mock contract_tests/impilo_contract spec/impilo_spec scripts benchmarks docs conftest.py
	$(BIN)/mypy contract_tests/test_*.py
	@for d in $(TEST_DIRS); do echo "mypy $$d"; MYPYPATH=$$d $(BIN)/mypy $$d || exit 1; done

regen: $(STAMP) ## regenerate generated/ from openapi.yaml
	$(PY) scripts/regen.py

regen-check: $(STAMP) ## fail if generated/ differs from what make regen makes
	$(PY) scripts/regen.py --check

mock: $(STAMP) ## run the mock server on 127.0.0.1:8080
	$(BIN)/impilo-mock --host 127.0.0.1 --port 8080

docs: $(STAMP) ## build the reference site into site/ (strict: a broken reference fails)
	$(BIN)/mkdocs build --strict --site-dir site

docs-serve: $(STAMP) ## serve the docs on 127.0.0.1:8000, rebuilt on every change
	$(BIN)/mkdocs serve --dev-addr 127.0.0.1:8000

# Built from the committed tree (git archive), as a release would be, into dist/.
dist: $(STAMP) ## build the sdist and the wheel (from the sdist) of HEAD into dist/
	rm -rf build/dist-src && mkdir -p build/dist-src
	git archive --format=tar HEAD | tar -x -C build/dist-src
	$(PY) -m build --no-isolation --outdir dist build/dist-src

# The load-test peers live outside the repo; installing them is best effort (the bench reports what is missing).
PRISM_DIR ?= $(HOME)/.cache/impilo-bench
bench-tools: ## install wrk (apt-get) and Prism (npm) for make bench, if it can
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk) || echo "bench-tools: could not install wrk"
	@test -x $(PRISM_DIR)/node_modules/.bin/prism || npm install --silent --prefix $(PRISM_DIR) @stoplight/prism-cli@5.16.0 || echo "bench-tools: could not install Prism"

bench: $(STAMP) bench-tools ## benchmarks, written to BENCHMARKS.md
	$(PY) -m benchmarks

bench-smoke: $(STAMP) ## every benchmark at tiny sizes; prints, writes nothing (CI)
	$(PY) -m benchmarks --smoke

clean: ## remove .venv, build/, dist/, site/ and the tools' caches
	rm -rf $(VENV) build dist site .pytest_cache .mypy_cache .ruff_cache .hypothesis reports
