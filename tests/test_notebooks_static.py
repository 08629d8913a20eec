"""House rules of the notebooks (their execution is tested by nbval on the smoke profile)."""

from __future__ import annotations

import ast
import json

import pytest
import yaml

from precog import paths
from precog.reproduce import ORDER

NOTEBOOKS = sorted(paths.NOTEBOOKS.glob("*.ipynb"))


def test_every_notebook_is_in_the_reproduce_order():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(ORDER)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_parameters_cell_with_demo_defaults_and_no_outputs(path):
    cells = json.loads(path.read_text())["cells"]
    assert cells[0]["cell_type"] == "markdown"
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is cells[1]
    values = {}
    for node in ast.parse("".join(tagged[0]["source"])).body:
        values[node.targets[0].id] = ast.literal_eval(node.value)
    assert values == yaml.safe_load((paths.PARAMS / "demo.yaml").read_text())
    assert not any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code")
    source = "".join("".join(c["source"]) for c in cells)
    assert "!pip" not in source and "%run" not in source and "/work/" not in source


@pytest.mark.parametrize("profile", ["smoke", "demo", "paper"])
def test_profiles_share_keys(profile):
    assert set(yaml.safe_load((paths.PARAMS / f"{profile}.yaml").read_text())) == set(
        yaml.safe_load((paths.PARAMS / "demo.yaml").read_text())
    )
