# The commands the README shows. Only Python 3.11+ and make are needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := yingji.settings
# Python keeps the bytecode it compiles (__pycache__, ignored by git). A machine that sets
# PYTHONDONTWRITEBYTECODE makes every process (each test worker, each `yingji` command) compile every
# module again from source, about 2 s of each start: an empty value turns that off for what make runs.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: install lock lock-check run serve test lint typecheck migrations-check pytest test-shifted bench messages clean

install: $(STAMP)

# .venv holds exactly the lock (decision 0019): uv syncs it (hashes checked, packages not in it removed),
# then installs the project itself, editable, without dependencies.
$(STAMP): pyproject.toml $(LOCK) | $(UV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes $(LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	touch $(STAMP)

# uv itself is in the lock: the venv's pip installs that one wheel, hash-checked, once.
$(UV):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	sed -n '/^uv==/,/[^\\]$$/p' $(LOCK) >$(VENV)/uv-requirement.txt
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-requirement.txt

# Refresh requirements/*.lock from pyproject.toml, keeping locked versions it still allows.
# Upgrades: make lock UPGRADE='--upgrade-package django' (or UPGRADE=--upgrade for everything).
lock: | $(UV)
	UV=$(UV) scripts/lock.sh write $(UPGRADE)

lock-check: | $(UV)
	UV=$(UV) scripts/lock.sh check

# `make run DEMO_LIVE=0` (or DEMO_LIVE=0 in the environment) serves the demo without its live sensor feed.
DEMO_LIVE ?= 1

run: install
	$(BIN)/yingji migrate --noinput -v0
	$(BIN)/yingji demo --if-empty
	$(BIN)/yingji collectstatic --noinput -v0
	# Beside the server: the worker runs deadlines (escalations, reminders) and delivers notifications, and
	# the live demo feed keeps the demo's sensors reporting (DEMO_LIVE=0: not). Both stop with the server.
	$(BIN)/yingji worker --interval 10 & worker=$$!; live=; \
	if [ "$(DEMO_LIVE)" != 0 ]; then $(BIN)/yingji demo-live & live=$$!; fi; \
	trap 'kill $$worker $$live 2>/dev/null; wait' EXIT; $(BIN)/yingji serve

test: lock-check install lint typecheck migrations-check pytest test-shifted

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Core, the shared geography and messaging packages and every pure rule module (a standard's formula, a state machine's table).
PURE_RULES := src/yingji/enterprises/gb32100.py src/yingji/risks/grading.py src/yingji/majorhazards/gb18218.py \
	src/yingji/hazards/criteria.py src/yingji/hazards/lifecycle.py src/yingji/hazards/limits.py \
	src/yingji/hazards/uploads.py src/yingji/monitoring/rainsignal.py src/yingji/monitoring/grading.py \
	src/yingji/monitoring/sensortypes.py src/yingji/warnings/lifecycle.py src/yingji/warnings/cap/protocol.py \
	src/yingji/warnings/cap/alerts.py src/yingji/materials/gb38565.py src/yingji/command/gb493.py \
	src/yingji/command/categories.py src/yingji/response/rules.py

typecheck:
	$(BIN)/mypy src/yingji/core src/yingji/geography src/yingji/messaging src/yingji/config.py $(PURE_RULES)

migrations-check:
	$(BIN)/yingji makemigrations --check --dry-run

# The whole suite in parallel (one worker per core, each with its own copy of the demo database),
# printing the 25 slowest tests; a test over its time budget fails (tests/plugins/budget.py).
pytest:
	$(BIN)/pytest -n auto --durations=25

# The parts that depend on dates, a year from now: nothing may depend on today's date.
DATE_SENSITIVE := tests/test_scope_walk.py src/yingji/core/tests/test_demo.py src/yingji/hazards/tests/test_demo.py \
	src/yingji/monitoring/tests/test_demo.py src/yingji/warnings/tests/test_demo.py \
	src/yingji/hazards/tests/test_escalation.py src/yingji/warnings/tests/test_services.py

test-shifted:
	YINGJI_TEST_SHIFT_DAYS=365 $(BIN)/pytest -n auto -q $(DATE_SENSITIVE)

# The PostgreSQL server the monitoring benchmark creates its scratch database on (and drops it), when it answers.
BENCH_POSTGRES_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/postgres

bench: install
	$(BIN)/python -m benchmarks.run
	$(BIN)/yingji bench monitoring
	$(BIN)/yingji bench monitoring --database postgresql --postgres-url '$(BENCH_POSTGRES_URL)' --if-reachable
	$(BIN)/yingji bench warnings
	$(BIN)/yingji bench warnings --database postgresql --postgres-url '$(BENCH_POSTGRES_URL)' --if-reachable
	$(BIN)/yingji bench resources
	$(BIN)/yingji bench resources --database postgresql --postgres-url '$(BENCH_POSTGRES_URL)' --if-reachable
	$(BIN)/yingji bench command
	$(BIN)/yingji bench command --database postgresql --postgres-url '$(BENCH_POSTGRES_URL)' --if-reachable
	$(BIN)/python -m benchmarks.roads

messages: install
	cd src/yingji && ../../$(BIN)/yingji makemessages -l en --no-location --no-obsolete -i "*/tests/*"
	$(BIN)/python scripts/translations_en.py
	cd src/yingji && ../../$(BIN)/yingji compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
