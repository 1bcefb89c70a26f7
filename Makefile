# Yizhan: `make run` sets up and runs the demo city; `make test` sets up and runs every test.
# Both are idempotent: each step re-runs only when its inputs changed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test setup lint typecheck bench clean system demo worker

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock
	@py=$$(scripts/find-python) && echo "Python: $$py" && \
	  { [ -x $(PY) ] || "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages the browser tests and printed pages need (Chromium, CJK fonts).
system:
	@scripts/setup-system

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py demo_city --if-empty
	@PORT=$(PORT) scripts/run

worker: setup
	$(PY) manage.py db_worker

test: setup system
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

typecheck: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m mypy geoplan yizhan config

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) node_modules var/static
