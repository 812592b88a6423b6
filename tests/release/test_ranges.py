"""The declared ranges are the tested ones: the lowest-versions job installs exactly each lower bound, and the
main toolchain installs versions inside each range (its upper end)."""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .conftest import ROOT

TOOLING = ROOT / "tooling"


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(r) for r in project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        requirements += [Requirement(r) for r in extra]
    return requirements


def pins(*files: str) -> dict[str, Version]:
    """name -> version of every `name==version` line, following -r includes."""
    found: dict[str, Version] = {}
    for file in files:
        for line in (TOOLING / file).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("-r "):
                found.update(pins(line[3:].strip()))
            elif line:
                requirement = Requirement(line)
                (spec,) = requirement.specifier
                assert spec.operator == "==", f"{file}: {line} is not an exact pin"
                found[canonicalize_name(requirement.name)] = Version(spec.version)
    return found


def lower_bound(requirement: Requirement) -> Version:
    (bound,) = [Version(s.version) for s in requirement.specifier if s.operator == ">="]
    return bound


def test_the_published_metadata_has_no_dev_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert set(project["optional-dependencies"]) == {"redis", "cli", "testing", "httpx2"}
    assert not [r for r in declared() if any(s.operator in {"==", "==="} for s in r.specifier)]


def test_lowest_constraints_are_exactly_the_lower_bounds() -> None:
    lowest = pins("constraints-lowest.txt")
    bounds: dict[str, Version] = {}
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        bound = lower_bound(requirement)
        assert bounds.setdefault(name, bound) == bound, f"{name}: two extras declare different lower bounds"
    assert lowest == bounds


def test_the_toolchain_installs_versions_inside_the_ranges() -> None:
    highest = pins("requirements-codegen.txt", "requirements-dev.txt")
    for requirement in declared():
        name = canonicalize_name(requirement.name)
        assert name in highest, f"{name} is pinned by no toolchain file, so no test runs its upper end"
        assert requirement.specifier.contains(highest[name]), f"{name}=={highest[name]} is outside {requirement}"


def test_requirements_test_pins_no_runtime_dependency() -> None:
    # It is installed next to constraints-lowest.txt; a runtime pin there would fight the lowest versions.
    runtime = {canonicalize_name(r.name) for r in declared()}
    assert not runtime & set(pins("requirements-test.txt"))
