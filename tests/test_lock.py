"""requirements/lock.txt and requirements/floors.txt agree with pyproject.toml and the Makefile.

The lock pins every package at one version (per platform/Python marker); each direct dependency's pin
lies in the range pyproject.toml declares, so `pip install -c requirements/lock.txt -e .` can never
conflict. The floors file pins each direct dependency at exactly its declared floor: `make test-floors`
tests the floors that pyproject.toml claims. A change to pyproject.toml without `make lock` fails here.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
LOCK = REPO / "requirements" / "lock.txt"
FLOORS = REPO / "requirements" / "floors.txt"


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += extra
    return [Requirement(line) for line in lines]


def _pins(path: Path) -> dict[str, list[Requirement]]:
    """Each package's pins in a compiled requirements file (several where markers fork it)."""
    pins: dict[str, list[Requirement]] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-")):
            requirement = Requirement(line)
            pins.setdefault(canonicalize_name(requirement.name), []).append(requirement)
    return pins


def _pinned_version(requirement: Requirement) -> Version:
    (spec,) = requirement.specifier
    assert spec.operator == "==", f"{requirement} is not an exact pin"
    return Version(spec.version)


def _makefile_torch() -> str:
    match = re.search(r"^TORCH := (\S+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile names no TORCH pin"
    return match.group(1)


@pytest.mark.parametrize("path", [LOCK, FLOORS], ids=["lock", "floors"])
def test_every_line_is_an_exact_pin(path: Path) -> None:
    pins = _pins(path)
    assert len(pins) > 50
    for requirements in pins.values():
        for requirement in requirements:
            _pinned_version(requirement)


def test_the_lock_pins_every_direct_dependency_within_its_declared_range() -> None:
    pins = _pins(LOCK)
    for declared in _declared():
        name = canonicalize_name(declared.name)
        assert name in pins, f"{declared} is not in {LOCK.name}: run `make lock`"
        for pin in pins[name]:
            assert declared.specifier.contains(_pinned_version(pin), prereleases=True), (
                f"{LOCK.name} pins {pin}, outside pyproject.toml's {declared}: run `make lock`")


def test_the_lock_pins_the_tools_that_make_test_runs() -> None:
    pins = _pins(LOCK)
    for tool in ("ruff", "mypy", "pytest", "pip", "uv"):
        assert tool in pins, f"{tool} floats: a new release could fail `make test`"


@pytest.mark.parametrize("path", [LOCK, FLOORS], ids=["lock", "floors"])
def test_the_pinned_torch_is_the_makefiles(path: Path) -> None:
    (torch,) = _pins(path)["torch"]
    assert str(torch) == _makefile_torch()


def test_the_floors_file_pins_each_direct_dependency_at_its_floor() -> None:
    pins = _pins(FLOORS)
    for declared in _declared():
        name = canonicalize_name(declared.name)
        if name == "torch":  # the Makefile's CPU wheel: older ones are not on every machine
            continue
        (floor,) = [Version(spec.version) for spec in declared.specifier if spec.operator == ">="]
        (pin,) = pins[name]
        assert _pinned_version(pin) == floor, f"{FLOORS.name} pins {pin}, not {declared}'s floor: run `make lock`"


def test_floor_pins_are_regenerated_from_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(REPO / "requirements"))
    monkeypatch.delitem(sys.modules, "floor_pins", raising=False)
    from floor_pins import floor_pins  # type: ignore[import-not-found]

    written = [line for line in (REPO / "requirements" / "floor-pins.txt").read_text().splitlines()
               if not line.startswith("#")]
    assert written == floor_pins(REPO / "pyproject.toml", [_makefile_torch()])


def test_the_makefile_installs_through_a_constraints_file() -> None:
    """Every `pip install` of the Makefile takes -c (but the model packages' --no-deps and the dry-run probe)."""
    installs = [line for line in (REPO / "Makefile").read_text().splitlines() if "pip install" in line
                or "$(PIP) install" in line]
    assert installs
    for line in installs:
        assert " -c " in line or "--no-deps" in line, f"unconstrained install: {line.strip()}"
