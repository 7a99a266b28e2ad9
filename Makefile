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

.PHONY: venv run cluster test lint lint-contract typecheck pytest openapi check bench soak clean clients browser nginx

$(BIN)/uv:
	@echo "make: creating $(VENV) with $(PYTHON) and installing uv $(UV_VERSION) into it (once)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(BIN)/uv uv.lock pyproject.toml Makefile
	@echo "make: installing the locked dependencies into $(VENV) (uv sync: under a minute from PyPI the first time)"
	$(BIN)/uv sync --frozen --quiet
	touch $@
	@echo "make: $(VENV) is ready"

venv: $(VENV)/.synced  ## create .venv from uv.lock (every other target does this first)

run: $(VENV)/.synced  ## serve the embedded seed graph on http://$(HOST):$(PORT)
	@echo "make: starting distance serve on http://$(HOST):$(PORT) (it validates the content first)"
	@# A watcher beside the server says when it answers (it gives up after two minutes).
	@( for _ in $$(seq 240); do \
		$(BIN)/python -c "import urllib.request; urllib.request.urlopen('http://$(HOST):$(PORT)/v1/meta', timeout=1)" \
			2>/dev/null && { echo "make: ready: http://$(HOST):$(PORT)/ answers"; exit 0; }; sleep 0.5; \
	done ) &
	$(BIN)/distance serve --host $(HOST) --port $(PORT)

# PORT, when given, moves the proxy too; the cluster's own default is 8080, beside `make run`'s 8000.
REPLICAS ?= 2
CLUSTER_DIR ?= build/cluster
CLUSTER_PORT := $(if $(filter environment command line,$(origin PORT)),$(PORT),8080)

cluster: $(VENV)/.synced nginx  ## REPLICAS (2) replicas behind nginx proxy_cache on http://127.0.0.1:$(CLUSTER_PORT); Ctrl-C stops all
	$(BIN)/python -m deploy.cluster --replicas $(REPLICAS) --port $(CLUSTER_PORT) --run-dir $(CLUSTER_DIR)

# ruff and spectral first (seconds); then mypy runs beside pytest, which runs its test files on
# PYTEST_WORKERS processes (pytest-xdist: most of its time is spent waiting on servers and
# browsers; a file's tests stay together, so a module's live server starts once). mypy's
# report is printed when pytest ends, then the verdict of both.
PYTEST_WORKERS ?= 4

test: lint lint-contract clients browser nginx  ## ruff, spectral, mypy --strict, pytest with the branch-coverage gate
	@mkdir -p build
	@echo "make: mypy --strict runs beside pytest ($(PYTEST_WORKERS) workers); its report follows pytest's"
	@$(BIN)/mypy > build/typecheck.log 2>&1 & mypy=$$!; \
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --cov --cov-report=term; tests=$$?; \
	wait $$mypy; typed=$$?; cat build/typecheck.log; \
	echo "make test: pytest $$([ $$tests = 0 ] && echo passed || echo FAILED), mypy $$([ $$typed = 0 ] && echo passed || echo FAILED)"; \
	[ $$tests = 0 ] && [ $$typed = 0 ]

lint: $(VENV)/.synced  ## ruff, and the content's editorial lint (seeds/lint-allow.yaml lists accepted warnings)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/distance check --lint > /dev/null

# npm tooling (openapi-typescript, tsc, spectral) pinned by clients/package-lock.json.
clients/node_modules/.installed: clients/package.json clients/package-lock.json
	cd clients && npm ci --no-audit --no-fund --loglevel=error
	touch $@

clients: $(VENV)/.synced clients/node_modules/.installed  ## typed clients from openapi.yaml into build/clients
	rm -rf build/clients
	mkdir -p build/clients/typescript
	clients/node_modules/.bin/openapi-typescript openapi.yaml -o build/clients/typescript/distance.ts
	$(BIN)/openapi-python-client generate --path openapi.yaml --output-path build/clients/python \
		--meta uv --overwrite --config clients/openapi-python-client.yaml

lint-contract: clients/node_modules/.installed  ## the committed contract must pass spectral with no error
	clients/node_modules/.bin/spectral lint openapi.yaml --ruleset clients/.spectral.yaml --fail-severity error

# The explorer's browser test needs Debian's chromium and its driver; install them when missing.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get update && \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends chromium chromium-driver; \
	fi

# The cluster (make cluster, tests/test_cluster.py) needs Debian's nginx; install it when missing.
# Its cache purge module (ngx_cache_purge) lets a reload purge exactly the answers it changed;
# headers-more lets the proxy send no `Server` field (server_tokens only drops the version).
nginx:
	@if [ ! -x /usr/sbin/nginx ] || [ ! -f /usr/lib/nginx/modules/ngx_http_cache_purge_module.so ] \
		|| [ ! -f /usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so ]; then \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get update && \
		$(if $(filter 0,$(shell id -u)),,sudo) apt-get install -y --no-install-recommends nginx-light \
			libnginx-mod-http-cache-purge libnginx-mod-http-headers-more-filter; \
	fi

typecheck: $(VENV)/.synced
	$(BIN)/mypy

pytest: $(VENV)/.synced clients browser nginx
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile --cov --cov-report=term

check: $(VENV)/.synced  ## validate the content, print counts, run the editorial lint
	$(BIN)/distance check --lint

openapi: $(VENV)/.synced  ## regenerate the committed contract
	$(BIN)/distance openapi

bench: $(VENV)/.synced nginx  ## same-run HTTP ratios, the cluster, the 100k-node graph and start-up, into bench/RESULTS.md
	command -v wrk >/dev/null || { apt-get update -q && apt-get install -y -q wrk; }
	$(BIN)/python -m bench.run $(BENCH_ARGS)

soak: $(VENV)/.synced  ## >= 60 s of mixed loopback traffic: 0 errors and <= 10 % RSS growth, or exit 1
	$(BIN)/python -m bench.soak

clean:
	rm -rf $(VENV) build .coverage clients/node_modules
