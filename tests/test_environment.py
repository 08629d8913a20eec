"""The pinned environment: one set of pins for pip and conda users, torch on the CPU build."""

from __future__ import annotations

import re
import tomllib

import yaml

from precog.compendium.envfile import environment_yml, read_lock
from precog.paths import ROOT


def _name(pin: str) -> str:
    return re.split(r"[=<>!~ ]", pin, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_pins_the_lock():
    lock = read_lock(ROOT / "requirements.lock")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(p for p in pip_section if p != "-e .") == sorted(lock)
    assert (ROOT / "environment.yml").read_text() == environment_yml(lock), "run `make lock`"


def test_every_pin_is_exact_and_torch_is_2_13():
    lock = read_lock(ROOT / "requirements.lock")
    assert all("==" in pin for pin in lock)
    assert "torch==2.13.0" in lock


def test_direct_dependencies_are_locked():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    locked = {_name(p) for p in read_lock(ROOT / "requirements.lock")}
    missing = {_name(d) for d in deps} - locked
    assert not missing
