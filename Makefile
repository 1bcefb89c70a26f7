# Yizhan: `make run` sets up and runs the demo city; `make test` sets up and runs every test.
# Both are idempotent: each step re-runs only when its inputs changed.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: messages run test setup lint typecheck bench clean system demo worker

setup: system $(VENV)/.installed node_modules/.installed messages

messages: $(VENV)/.installed
	@if [ -f locale/en/LC_MESSAGES/django.po ]; then $(MAKE) --no-print-directory locale/en/LC_MESSAGES/django.mo; fi

# Two lock files from pyproject.toml (uv pip compile, see their first lines):
# requirements.lock is what a server installs (no test or lint tools);
# requirements-dev.lock adds them, with the same versions, for `make run` and `make test`.
$(VENV)/.installed: requirements-dev.lock
	@py=$$(scripts/find-python) && echo "Python: $$py" && \
	  { [ -x $(PY) ] || "$$py" -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $@

# Compiled translations are build output (never committed); msgfmt comes from gettext.
locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po $(wildcard locale/zh_Hans/LC_MESSAGES/*.po)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var -v 0

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages: Chromium and CJK fonts (browser tests, printing), gettext (translations).
system:
	@scripts/setup-system

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py import_regions --china
	$(PY) manage.py demo_city --if-empty
	@PORT=$(PORT) scripts/run

worker: setup
	$(PY) manage.py db_worker

test: setup
	@# Tests first, so that a lint slip does not hide whether they pass; both must pass.
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS); s=$$?; \
	  $(PY) -m ruff check . && $(PY) -m ruff format --check . && \
	  $(PY) -m mypy geoplan yizhan config && exit $$s

lint: setup
	$(PY) -m ruff check . && $(PY) -m ruff format --check .

typecheck: setup
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m mypy geoplan yizhan config

# Benchmarks (results in docs/benchmarks.md). bench-http and bench-finder install wrk,
# nginx-light and PostGIS with apt when missing; bench-page reads the demo city.
.PHONY: bench-nearest bench-finder bench-http bench-http-quick bench-page bench-evaluation bench-lockers bench-planning
bench: setup bench-nearest bench-finder bench-http bench-page
	$(PY) bench/bench_import.py

bench-nearest: setup
	$(PY) bench/bench_nearest.py

bench-finder: setup
	$(PY) bench/bench_finder.py

bench-http: setup
	$(PY) bench/bench_http.py

# One minute of the finder's nearby API beside a bare django-ninja endpoint (≈ 3 min).
bench-http-quick: setup
	$(PY) bench/bench_http_quick.py $(BENCH_ARGS)

bench-evaluation: setup
	$(PY) bench/bench_evaluation.py

bench-lockers: setup
	$(PY) bench/bench_lockers.py

# spopt (and geopandas, PuLP…) only for this comparison: a venv of its own.
.venv-bench/.installed: requirements-bench.lock
	@py=$$(scripts/find-python) && { [ -x .venv-bench/bin/python ] || "$$py" -m venv .venv-bench; }
	.venv-bench/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-bench.lock
	@touch $@

bench-planning: setup .venv-bench/.installed
	.venv-bench/bin/python bench/bench_planning.py

bench-page: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_city --if-empty
	$(PY) bench/bench_page.py

clean:
	rm -rf $(VENV) node_modules var/static

# The whole suite again on a throwaway PostgreSQL (scripts/pg-test), stopped afterwards.
.PHONY: test-pg
test-pg: setup system
	@url=$$(scripts/pg-test start) && trap 'scripts/pg-test stop' EXIT && \
	  echo "pytest on PostgreSQL: DATABASE_URL=postgres://yizhan:***@$${url##*@}" && \
	  DATABASE_URL=$$url DJANGO_SETTINGS_MODULE=config.settings.test $(PY) -m pytest $(PYTEST_ARGS)
