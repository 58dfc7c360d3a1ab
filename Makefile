# Local development. `make run` starts everything; `make test` runs the test suite.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
EMULATOR_DB ?= var/emulator.sqlite3

# The Procfile's commands (python, celery) come from the virtualenv.
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: install run test lint

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { \
		echo "Could not create $(VENV). On Debian: apt-get install python3.11-venv"; exit 1; }
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev]"
	@touch $@

run: install
	@mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	@test -f $(EMULATOR_DB) || $(BIN)/python -m emulator seed --db $(EMULATOR_DB)
	@echo
	@echo "Team Inbox: http://127.0.0.1:8000"
	@echo "Sign in with a demo user from \`python -m emulator credentials --db $(EMULATOR_DB)\`"
	@echo "Press Ctrl-C to stop."
	@echo
	$(BIN)/honcho start

# Most tests run on one xdist worker per core, at most four (the real-worker tests on one of
# them, see tests/conftest.py): more workers than cores starve the tests that start emulators,
# gunicorn and Celery workers of their own. The ones that measure drains against a rate limit
# run afterwards, alone. `make test TEST_WORKERS=1` runs them one at a time.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not rate_timing"
	$(BIN)/pytest -m rate_timing

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

# Benchmarks against the RingCentral bounds (docs/benchmarks.md). Starts its own emulator,
# gunicorn and worker; e.g. `make bench BENCH_ARGS="--quick --only pages"`.
.PHONY: bench
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)
