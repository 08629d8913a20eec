"""environment.yml for conda users, written from requirements.lock (``make lock``).

``python -m precog.compendium.envfile requirements.lock > environment.yml``; a test checks that the
two files pin the same set.
"""

from __future__ import annotations

import sys
from pathlib import Path

PYTHON = "3.11"


def read_lock(path: str | Path) -> list[str]:
    """The ``name==version`` lines of a pip requirements file, comments and blanks dropped."""
    lines = (line.split("#")[0].strip() for line in Path(path).read_text().splitlines())
    return [line for line in lines if line]


def environment_yml(pins: list[str]) -> str:
    """A conda environment with Python and the given pip pins, plus precog itself."""
    body = "\n".join(f"      - {pin}" for pin in pins)
    return (
        "# Generated from requirements.lock by `make lock`; do not edit by hand.\n"
        "name: precog\nchannels:\n  - conda-forge\ndependencies:\n"
        f"  - python={PYTHON}\n  - pip\n  - pip:\n{body}\n      - -e .\n"
    )


if __name__ == "__main__":
    sys.stdout.write(environment_yml(read_lock(sys.argv[1])))
