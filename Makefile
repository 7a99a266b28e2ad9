# Distance: every target bootstraps .venv from uv.lock first, so a fresh clone needs only
# python3 (>= 3.11) and make. uv is pinned here and installed into the venv itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Byte-compile dependencies at install: with PYTHONDONTWRITEBYTECODE set (common in CI and
# containers) every start would otherwise re-compile FastAPI, pydantic and friends (~1 s).
export UV_COMPILE_BYTECODE := 1

.PHONY: venv run test lint typecheck pytest openapi check bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/uv uv.lock pyproject.toml Makefile
	$(BIN)/uv sync --frozen --quiet
	touch $@

venv: $(VENV)/.synced  ## create .venv from uv.lock (every other target does this first)

run: $(VENV)/.synced  ## serve the embedded seed graph on http://$(HOST):$(PORT)
	$(BIN)/distance serve --host $(HOST) --port $(PORT)

test: lint typecheck pytest  ## ruff, mypy --strict, pytest with the branch-coverage gate

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.synced
	$(BIN)/mypy

pytest: $(VENV)/.synced
	$(BIN)/pytest --cov --cov-report=term

check: $(VENV)/.synced  ## validate the content and print counts
	$(BIN)/distance check

openapi: $(VENV)/.synced  ## regenerate the committed contract
	$(BIN)/distance openapi

bench: $(VENV)/.synced  ## same-run HTTP ratios, the 100k-node graph and start-up, into bench/RESULTS.md
	command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) build .coverage
