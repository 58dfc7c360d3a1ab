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
# gunicorn and Celery workers of their own. `make test TEST_WORKERS=1` runs them one at a time.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 4 ] && n=4; echo $$n)
# The runs below that wait far more than they compute (rate windows, throttles, restarts) take
# two xdist workers, one per core on a 2-core machine (PAIR_WORKERS=1: one test at a time).
PAIR_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ "$$n" -gt 2 ] && n=2; echo $$n)

# The ones that measure drains against a rate limit run afterwards, apart from the others and
# two at a time: each has its own emulator and limits, and its own Celery queue, cache and
# rate-budget prefix, so none takes another's slots; two of them use a fraction of a core.
test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not rate_timing and not fuzz and not faults"
	$(BIN)/pytest -n $(PAIR_WORKERS) -m rate_timing

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

# The JSON API against its OpenAPI schema (tests/fuzz, schemathesis): every operation through
# its examples, coverage and fuzzing phases, as an agent and as an admin; about a minute, so not
# part of `make test`. `FUZZ_SEED=<n> make fuzz` tries other cases than the usual ones. The two
# people run at once, on an xdist worker each (a test database and an emulator of their own).
.PHONY: fuzz
fuzz: install
	$(BIN)/pytest -n $(PAIR_WORKERS) -m fuzz -p no:cacheprovider

# Restarts and storms (tests/faults, docs/benchmarks.md "Faults"): Redis killed mid-batch,
# PostgreSQL's connections dropped, a 30 s storm of 429s, 1,000 webhook notifications in 10 s.
# Two at a time, on an xdist worker each: each test has its own emulator, Celery queues, cache
# prefixes and (the Redis restart) Redis server, and the connections PostgreSQL drops are those
# of its xdist worker's own test database; progress counters and rate limits, not the machine's
# speed, decide their moments. About a minute and a half. The PostgreSQL one needs
# DATABASE_URL=postgres://… (it is skipped, saying so, on SQLite).
.PHONY: faults
faults: install
	$(BIN)/pytest -n $(PAIR_WORKERS) -m faults -p no:cacheprovider

# Known vulnerabilities in the installed dependencies (pip-audit, against PyPI's advisory data
# for each installed release; the project itself left out). --strict: a package that could not
# be looked up is an error, never a silent pass (so behind an index that serves PyPI's JSON
# per project but not per release, every lookup and the target fail). No exceptions today: one
# that cannot be fixed yet goes here as `--ignore-vuln ID`, with why and until when.
.PHONY: audit
audit: install
	$(BIN)/pip freeze --all --exclude-editable | $(BIN)/pip-audit --strict --no-deps --disable-pip \
		--progress-spinner off --requirement /dev/stdin

# bandit on the application's code (configuration in pyproject.toml, [tool.bandit]). A finding
# is fixed, or justified where it stands with `# nosec BXXX`. Its "nosec encountered, but no
# failed test" warnings on statements spanning several lines are bandit's own known bug
# (PyCQA/bandit#1041), not findings.
.PHONY: security
security: install
	$(BIN)/bandit -c pyproject.toml -r config accounts inbox rcapi emulator -q

# The hostile-input tests alone (tests/hostile: bodies too large, floods, bytes that are not
# UTF-8, a zip bomb; one of them through a real gunicorn, measuring its memory). They are part
# of `make test` too.
.PHONY: hostile
hostile: install
	$(BIN)/pytest tests/hostile

# The load test (docs/benchmarks.md, "Load"): 50 people for two minutes against gunicorn,
# a worker and the emulator; needs DATABASE_URL and REDIS_URL (PostgreSQL and Redis), e.g.
# `DATABASE_URL=postgres://postgres@127.0.0.1:5432/x REDIS_URL=redis://127.0.0.1:6379/0 make load`.
.PHONY: load
load: install
	$(BIN)/python -m bench.load $(LOAD_ARGS)
