# The commands the README shows. Only Python 3.11+ and make are needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := yingji.settings

.PHONY: install run serve test lint typecheck migrations-check pytest bench messages clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/yingji migrate --noinput -v0
	$(BIN)/yingji demo --if-empty
	$(BIN)/yingji collectstatic --noinput -v0
	# The worker runs deadlines (escalations, reminders) and delivers notifications beside the server.
	$(BIN)/yingji worker --interval 10 & trap 'kill $$! 2>/dev/null' EXIT; $(BIN)/yingji serve

test: install lint typecheck migrations-check pytest

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Core, the shared messaging package and every pure rule module (a standard's formula, a state machine's table).
PURE_RULES := src/yingji/enterprises/gb32100.py src/yingji/risks/grading.py src/yingji/majorhazards/gb18218.py \
	src/yingji/hazards/criteria.py src/yingji/hazards/lifecycle.py src/yingji/hazards/uploads.py \
	src/yingji/monitoring/rainsignal.py src/yingji/monitoring/grading.py src/yingji/monitoring/sensortypes.py \
	src/yingji/warnings/lifecycle.py src/yingji/warnings/cap.py src/yingji/warnings/geo.py src/yingji/warnings/capio.py

typecheck:
	$(BIN)/mypy src/yingji/core src/yingji/messaging src/yingji/config.py $(PURE_RULES)

migrations-check:
	$(BIN)/yingji makemigrations --check --dry-run

pytest:
	$(BIN)/pytest

# The PostgreSQL server the monitoring benchmark creates its scratch database on (and drops it), when it answers.
BENCH_POSTGRES_URL ?= postgresql://postgres:postgres@127.0.0.1:5432/postgres

bench: install
	$(BIN)/python -m benchmarks.run
	$(BIN)/yingji bench monitoring
	$(BIN)/yingji bench monitoring --database postgresql --postgres-url '$(BENCH_POSTGRES_URL)' --if-reachable
	$(BIN)/yingji bench warnings
	$(BIN)/yingji bench warnings --database postgresql --postgres-url '$(BENCH_POSTGRES_URL)' --if-reachable

messages: install
	cd src/yingji && ../../$(BIN)/yingji makemessages -l en --no-location --no-obsolete -i "*/tests/*"
	$(BIN)/python scripts/translations_en.py
	cd src/yingji && ../../$(BIN)/yingji compilemessages -l en

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
