"""The notebooks are source: committed clean, thin, and their parameters agree with
``synth.config.DEFAULTS`` (the params contract)."""

from __future__ import annotations

import ast
import json

import nbformat
import papermill as pm
import pytest
import yaml
from conftest import ROOT

from synth.config import DEFAULTS
from synth.pipeline import NOTEBOOKS

PATHS = [ROOT / "notebooks" / f"{name}.ipynb" for name in NOTEBOOKS.values()]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize(("stage", "name"), NOTEBOOKS.items())
def test_parameters_cell_matches_config_defaults(stage, name):
    params = pm.inspect_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"))
    expected = {"run_dir", *DEFAULTS["shared"], *DEFAULTS[stage]}
    assert set(params) == expected
    for block in ("shared", stage):
        for key, default in DEFAULTS[block].items():
            assert ast.literal_eval(params[key]["default"]) == default, key


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebooks_stay_thin(path):
    nb = nbformat.read(path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert sum("parameters" in t for t in tags) == 1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        src = cell.source
        assert not any(line.lstrip().startswith(("def ", "class ", "!", "%")) for line in src.splitlines())
        assert "sys.path" not in src and "autoreload" not in src
        assert len(src.splitlines()) <= 15


def test_params_files_target_existing_notebook_keys():
    for path in (ROOT / "params").glob("*.yaml"):
        raw = yaml.safe_load(path.read_text())
        for block, values in raw.items():
            names = NOTEBOOKS.values() if block == "shared" else [NOTEBOOKS[block]]
            for name in names:
                params = pm.inspect_notebook(str(ROOT / "notebooks" / f"{name}.ipynb"))
                assert set(values) <= set(params), (path.name, block)
