# One entry point. `make demo` brings up a demo; `make test` runs every test (the CI command).
PY ?= .venv/bin/python
VENV_BIN := .venv/bin

.PHONY: install gds neo4j demo serve test lint bench clean

install:  ## Python venv + pinned deps, Neo4j launcher (Maven)
	test -x $(PY) || python3.11 -m venv .venv
	$(VENV_BIN)/pip install -q uv==0.13.8
	$(VENV_BIN)/uv pip install --python $(PY) -q --compile-bytecode -r requirements.lock
	$(VENV_BIN)/uv pip install --python $(PY) -q --no-deps -e .
# Bytecode up front: where PYTHONDONTWRITEBYTECODE is set, every process (each bench stage,
# each CLI call) compiled its imports again (the pipeline's stage modules: ~3 s before any work).
	$(PY) -m compileall -q -j 0 app seed bench scripts >/dev/null
# The numba kernels too (cached beside their modules): else the first aggregate after an
# install spends ~40 s compiling them (app/warmup.py).
	$(PY) -m app.warmup
	npm ci --ignore-scripts --no-audit --no-fund
	$(PY) scripts/build_web_assets.py
	$(VENV_BIN)/ringscope neo4j build

gds:  ## optional: a second launcher with the open Graph Data Science plugin (gds-* algorithms, their tests)
	mvn -q -f neo4j-local/pom.xml -Pgds package

demo: install  ## start Neo4j, generate and ingest a small scenario
	$(VENV_BIN)/ringscope demo

serve:  ## the analyst web app on http://127.0.0.1:8000
	$(VENV_BIN)/ringscope serve

lint:  ## ruff + mypy
	$(VENV_BIN)/ruff check .
	$(VENV_BIN)/ruff format --check .
	$(VENV_BIN)/mypy

test: lint  ## every test (unit, integration on a real Neo4j, e2e)
	$(VENV_BIN)/pytest -q

clean:
	$(VENV_BIN)/ringscope neo4j stop || true
	rm -rf var/demo var/test
