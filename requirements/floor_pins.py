"""Print `name==floor` for every direct dependency in pyproject.toml (extras too): the constraints that
`make lock` resolves requirements/floors.txt from, so `make test-floors` runs on the oldest releases
the project claims to support. A pin given on the command line (the Makefile's torch) replaces that
package's floor: torch's older CPU wheels are not on every machine, and its CUDA builds are gigabytes.
"""

import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def floor_pins(pyproject: Path, overrides: list[str]) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        declared += extra
    replaced = {canonicalize_name(Requirement(pin).name): pin for pin in overrides}
    pins: dict[str, str] = {}
    for line in declared:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if name in replaced:
            pins[name] = replaced[name]
        elif len(floors) != 1:
            sys.exit(f"pyproject.toml: {line!r} needs one '>=' floor")
        else:
            pins[name] = f"{name}=={floors[0]}"
    return sorted(pins.values())


if __name__ == "__main__":
    print("# Written by `make lock` (requirements/floor_pins.py): each direct dependency at its floor.")
    print("\n".join(floor_pins(Path("pyproject.toml"), sys.argv[1:])))
