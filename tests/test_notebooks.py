"""The notebooks are source: committed clean, thin, reading and writing only through
``io.Artifacts``, and their parameters agree with ``synth.config.DEFAULTS`` and the stage
table (the params contract)."""

from __future__ import annotations

import ast
import json
import re

import nbformat
import papermill as pm
import pytest
import yaml

from synth.config import DEFAULTS
from synth.stages import COMPARE_NOTEBOOK, STAGE, STAGES

from conftest import ROOT

NAMES = [s.notebook for s in STAGES] + [COMPARE_NOTEBOOK]
PATHS = [ROOT / "notebooks" / f"{name}.ipynb" for name in NAMES]


def test_every_notebook_in_the_folder_is_a_stage_or_the_comparison():
    assert sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_parameters_cell_matches_config_defaults_and_stage_table(stage):
    params = pm.inspect_notebook(str(ROOT / "notebooks" / f"{stage.notebook}.ipynb"))
    fixed = {k for k, _ in stage.fixed}
    assert set(params) == {"run_dir", *stage.shared, *DEFAULTS[stage.name], *fixed}
    for key in stage.shared:
        assert ast.literal_eval(params[key]["default"]) == DEFAULTS["shared"][key], key
    for key, default in DEFAULTS[stage.name].items():
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
        assert not any(
            line.lstrip().startswith(("def ", "class ", "!", "%")) for line in src.splitlines()
        )
        assert "sys.path" not in src and "autoreload" not in src
        assert len(src.splitlines()) <= 15


# reading or writing a file any other way than through io.Artifacts (``art``) would bypass
# the stage table: the runner would neither hash nor check it
BYPASS = re.compile(
    r"pd\.read_|\.to_(csv|parquet|json)\(|\bopen\(|savefig|io\.(read|write)_"
    r"|write_text\(|write_bytes\("
)


@pytest.mark.parametrize("stage", STAGES, ids=lambda s: s.name)
def test_stage_notebooks_read_and_write_only_through_artifacts(stage):
    nb = nbformat.read(ROOT / "notebooks" / f"{stage.notebook}.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert not BYPASS.search(code.replace("art.write_text(", "")), stage.name
    assert f'io.Artifacts(p["run_dir"], "{stage.name}")' in code
    for name in re.findall(r'art\.(?:table|record)\("([^"]+)"\)', code):
        file = name if "." in name else f"{name}.parquet"
        assert file in stage.reads, (stage.name, file)


def test_params_files_target_existing_notebook_keys():
    for path in (ROOT / "params").glob("*.yaml"):
        raw = yaml.safe_load(path.read_text())
        for block, values in raw.items():
            for key in values:
                targets = (
                    [s for s in STAGES if key in s.shared] if block == "shared" else [STAGE[block]]
                )
                assert targets, (path.name, block, key)
                for stage in targets:
                    nb = ROOT / "notebooks" / f"{stage.notebook}.ipynb"
                    assert key in pm.inspect_notebook(str(nb)), (path.name, block, key)
