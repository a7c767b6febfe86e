# patentflow — `make help` lists the targets. Two commands matter on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python

.DEFAULT_GOAL := help
.PHONY: help install run test test-unit test-e2e bench lint format contracts infra-up infra-down infra-status token clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-13s %s\n", $$1, $$2}'

.venv/.synced: pyproject.toml uv.lock contracts/pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --frozen
	@touch $@

install: .venv/.synced ## create .venv with every package of the workspace (uv, from uv.lock)

run: install ## the platform with demo data on local Kafka + FerretDB (Ctrl-C stops everything)
	$(PY) -m patentflow.localinfra run

test: install ## every test: unit, then end-to-end on a real broker and store (started if not given)
	$(PY) -m pytest -m "not e2e" -q
	$(PY) -m pytest -m e2e -v

test-unit: install ## fast tests only (no broker, no store)
	$(PY) -m pytest -m "not e2e" -q

test-e2e: install ## end-to-end tests only
	$(PY) -m pytest -m e2e -v

BENCH_PATENTS ?= 1000000
bench: install ## benchmarks: consumers, imports, the read side and the matching engine at BENCH_PATENTS (1 000 000) patents
	$(PY) bench/consumer_bench.py
	$(PY) bench/import_bench.py
	$(PY) bench/idsets_bench.py
	$(PY) bench/sweep_bench.py --patents $(BENCH_PATENTS)
	$(PY) bench/engine_bench.py --patents $(BENCH_PATENTS) --steady 60
	$(PY) bench/floor_bench.py
	$(PY) bench/readside_bench.py --patents $(BENCH_PATENTS)
	$(PY) bench/matching_quality.py
	$(PY) bench/matching_bench.py --patents $(BENCH_PATENTS)

lint: install ## ruff, formatting, mypy, import boundaries, contract drift
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	.venv/bin/lint-imports
	$(PY) -m patentflow.catalog check contracts

format: install ## fix what ruff can fix
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

contracts: install ## regenerate JSON Schemas and the AsyncAPI document from contracts/
	$(PY) -m patentflow.catalog write contracts

infra-up: install ## start Kafka and FerretDB only (installed into ~/.cache/patentflow once)
	$(PY) -m patentflow.localinfra start

infra-down: install ## stop Kafka and FerretDB
	$(PY) -m patentflow.localinfra stop

infra-status: install ## are Kafka and FerretDB running and answering?
	$(PY) -m patentflow.localinfra status

token: install ## a development token, e.g. make token ARGS='--role province_office --province 430000'
	@$(PY) -m patentflow.localinfra token $(ARGS)

clean: ## remove .venv and local data (.data); the download cache stays
	rm -rf .venv .data .pytest_cache .mypy_cache .ruff_cache
