# Set-up and the two everyday commands:
#   make report   creates .venv, installs synth, runs `synth run` (arXiv, or CORPUS=path)
#   make test     creates .venv, installs synth with test extras, runs the test suite
# `make help` lists every target.
VENV ?= .venv
PY := $(VENV)/bin/python
PARAMS ?= params/default.yaml
QUESTION ?=
CORPUS ?=
DATA ?= ../shared/data
BENCH_OUT ?= /tmp/synth-bench

.PHONY: help install report demo test test-fast lint lab clean-notebooks bench

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

install: $(VENV)/.installed ## create .venv and install synth with the test tools

report: install ## run the pipeline: QUESTION="..." CORPUS=path PARAMS=params/x.yaml (all optional)
	$(VENV)/bin/synth run --params $(PARAMS) $(if $(QUESTION),--question "$(QUESTION)") $(if $(CORPUS),--corpus "$(CORPUS)")

demo: install ## a full report offline, from the bundled sample of 2,000 arXiv CS abstracts
	$(VENV)/bin/synth run --params $(PARAMS) --corpus sample $(if $(QUESTION),--question "$(QUESTION)")

test: install ## the whole test suite (offline; about 10 minutes on 2 cores)
	$(VENV)/bin/pytest

test-fast: install ## the tests not marked slow (no whole pipelines)
	$(VENV)/bin/pytest -m "not slow"

lint: install ## ruff on the code, the tests, the benchmarks and the notebooks
	$(VENV)/bin/ruff format --check synth tests benchmarks notebooks
	$(VENV)/bin/ruff check synth tests benchmarks notebooks

lab: install ## open the stage notebooks in JupyterLab (relative corpus paths: from this folder)
	SYNTH_START_DIR="$(CURDIR)" $(VENV)/bin/jupyter lab notebooks/

clean-notebooks: install ## clear outputs and execution counts of the committed notebooks
	$(VENV)/bin/jupyter nbconvert --clear-output --inplace --log-level=WARN notebooks/*.ipynb

bench: install ## every benchmark on DATA (default ../shared/data); figures in benchmarks/README.md
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/retrieval.py --data $(DATA) --dense --rerank --cache-dir $(BENCH_OUT)/minilm
	$(PY) benchmarks/retrieval_ablations.py --data $(DATA) --cache-dir $(BENCH_OUT)/minilm
	$(PY) benchmarks/claims.py --data $(DATA) --sample-out $(BENCH_OUT)/tuples.jsonl \
		--api-sample-out $(BENCH_OUT)/tuples_api.jsonl
	$(PY) benchmarks/verify.py --data $(DATA)/scifact
	$(PY) benchmarks/verify.py --data $(DATA)/scifact --dense --cache-dir $(BENCH_OUT)/minilm --no-timing
	$(PY) benchmarks/screen.py --data $(DATA) --cache $(BENCH_OUT)/minilm
	$(PY) benchmarks/screen_gates.py --data $(DATA) --cache $(BENCH_OUT)/minilm
	$(PY) benchmarks/nli.py
	$(PY) benchmarks/answer.py --data $(DATA) --split test3
	$(PY) benchmarks/tuples.py --data $(DATA) --split test5
	$(PY) benchmarks/rerank.py pairs --data $(DATA) --out $(BENCH_OUT)/rerank_pairs.jsonl
	$(PY) benchmarks/pipeline.py --listings $(DATA)/arxiv_daily_listings \
		--sizes 1000 16000 100000 --out $(BENCH_OUT)/pipeline
