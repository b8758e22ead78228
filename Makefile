# Every target bootstraps its own virtualenv from this project's files.
PYTHON ?= python3
VENV ?= .venv
# Pin another Django into the virtualenv, e.g. DJANGO_SPEC='Django>=6.1,<6.2'.
DJANGO_SPEC ?=
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed$(if $(DJANGO_SPEC),-$(shell echo '$(DJANGO_SPEC)' | tr -c 'A-Za-z0-9.' '_'))
PYTEST_ARGS ?=
# Two workers (this project's machines have two cores); branch coverage of hybridmedia, 90% at least.
PYTEST_RUN ?= -n auto --cov --cov-report=term

.PHONY: install demo test test-matrix bench lint system-deps clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(if $(DJANGO_SPEC),$(PY) -m pip install --quiet '$(DJANGO_SPEC)')
	touch $@

install: $(STAMP)

# Things pip cannot install: Debian's chromium, redis-server and memcached for the tests, s3rver from npm.
system-deps:
	bash scripts/system-deps

demo: install
	$(PY) -m demo_project

test: install system-deps
	$(PY) -m pytest $(PYTEST_RUN) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The media view's benchmark runs nginx as its reference relay.
bench: install system-deps
	$(PY) -m benchmarks

clean:
	rm -rf .venv .venv-* .pytest_cache .mypy_cache .ruff_cache node_modules
