# Set-up and the two everyday commands:
#   make report   creates .venv, installs synth, runs `synth run` (arXiv, or CORPUS=path)
#   make test     creates .venv, installs synth with test extras, runs the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PARAMS ?= params/default.yaml
QUESTION ?=
CORPUS ?=

.PHONY: install report test lint notebooks clean-notebooks bench

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@

install: $(VENV)/.installed

report: install
	$(VENV)/bin/synth run --params $(PARAMS) $(if $(QUESTION),--question "$(QUESTION)") $(if $(CORPUS),--corpus "$(CORPUS)")

test: install
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check synth tests benchmarks scripts

notebooks: install
	$(PY) scripts/make_notebooks.py

bench: install
	$(PY) -m pip install --quiet -e '.[bench]'
	$(PY) benchmarks/run_all.py
