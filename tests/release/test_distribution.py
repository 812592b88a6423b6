"""What `python -m build` produces: the published metadata (ranges, licence, URLs, long description) and
the contents of the wheel and the sdist."""

from __future__ import annotations

import re

from packaging.requirements import Requirement

from .conftest import ROOT, Built

EXTRAS = {"redis", "cli", "testing", "httpx2"}
PYTHONS = ("3.11", "3.12", "3.13")
# A Markdown link or image target, and a bare HTML href/src.
LINK = re.compile(r"\]\(([^)\s]+)\)|(?:href|src)=\"([^\"]+)\"")


def test_requires_dist_are_ranges_without_a_dev_extra(built: Built) -> None:
    metadata = built.metadata()
    requires = [Requirement(value) for value in metadata.get_all("Requires-Dist", [])]
    assert sorted(r.name.lower() for r in requires) == [
        "attrs",
        "cryptography",
        "h11",
        "httpx",
        "httpx2",
        "jsonschema",
        "openapi-schema-validator",
        "pyyaml",
        "pyyaml",
        "redis",
        "rfc3339-validator",
        "rfc3986-validator",
        "typing-extensions",
    ]
    for requirement in requires:
        operators = {spec.operator for spec in requirement.specifier}
        assert operators and operators <= {">=", "<"}, f"{requirement}: only >= and < bounds, no exact pins"
    # The markers say `extra == "cli"`; the version part must have no `==` at all.
    assert not [r for r in requires if "==" in str(r.specifier)]
    assert not [r for r in requires if r.marker is not None and "dev" in str(r.marker)]
    assert set(metadata.get_all("Provides-Extra", [])) == EXTRAS


def test_license_is_a_pep_639_expression_with_the_file_shipped(built: Built) -> None:
    metadata = built.metadata()
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None  # the legacy field is gone
    assert not [c for c in metadata.get_all("Classifier", []) if c.startswith("License ::")]
    (license_path,) = [n for n in built.wheel_names() if n.endswith(".dist-info/licenses/LICENSE")]
    assert license_path
    assert "Apache License" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert "LICENSE" in built.sdist_names()


def test_classifiers_and_project_urls(built: Built) -> None:
    metadata = built.metadata()
    classifiers = set(metadata.get_all("Classifier", []))
    assert {f"Programming Language :: Python :: {v}" for v in PYTHONS} <= classifiers
    assert {"Typing :: Typed", "Programming Language :: Python :: 3 :: Only"} <= classifiers
    assert metadata["Requires-Python"] == ">=3.11"
    urls = dict(value.split(", ", 1) for value in metadata.get_all("Project-URL", []))
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(urls)
    assert all(url.startswith("https://") for url in urls.values()), urls


def test_long_description_links_work_off_repo(built: Built) -> None:
    metadata = built.metadata()
    assert metadata["Description-Content-Type"] == "text/markdown"
    body = metadata.get_payload()
    assert isinstance(body, str)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    # The README's headings all made it (the description is the README, not a stub).
    assert re.findall(r"^#+ .*$", body, re.MULTILINE) == re.findall(r"^#+ .*$", readme, re.MULTILINE)
    readme_links = [a or b for a, b in LINK.findall(readme)]
    body_links = [a or b for a, b in LINK.findall(body)]
    assert len(body_links) == len(readme_links) > 0
    relative = [link for link in readme_links if not re.match(r"[a-z][a-z0-9+.-]*:", link)]
    assert relative, "the README has relative links; this test must see them rewritten"
    broken = [link for link in body_links if not link.startswith(("https://", "mailto:"))]
    assert broken == []


def test_wheel_holds_both_typed_packages_and_nothing_else(built: Built) -> None:
    names = built.wheel_names()
    top_level = {name.split("/", 1)[0] for name in names}
    assert top_level == {"atomic_api", "atomic_sdk", "atomic_sdk-0.1.0.dist-info"}
    assert {"atomic_api/py.typed", "atomic_sdk/py.typed", "atomic_api/openapi.yaml", "atomic_api/_roles.py"} <= set(
        names
    )
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_sdist_holds_what_a_build_needs_and_no_tests(built: Built) -> None:
    names = built.sdist_names()
    # Inside the packages every file is checked against the checkout below (a generated model may well be
    # called test_action_flow.py); outside them, nothing test-like.
    outside = [n for n in names if not n.startswith(("generated/atomic_api/", "overlay/atomic_sdk/"))]
    basenames = [n.rsplit("/", 1)[-1] for n in outside]
    assert not [n for n in names if n.startswith("tests/") or "/tests/" in n]
    assert not [b for b in basenames if b.startswith("test_") or b.endswith("_test.py") or b == "conftest.py"]
    assert not [n for n in names if n.startswith(("tooling/", "scripts/", "bench/", "node_modules/", ".venv"))]
    assert {
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "PKG-INFO",
        "spec/atomic-api.yaml",
        "generated/atomic_api/__init__.py",
        "generated/atomic_api/py.typed",
        "overlay/atomic_sdk/__init__.py",
        "overlay/atomic_sdk/py.typed",
    } <= set(names)
    # `python -m build` built the wheel from this sdist, so the sdist is enough for a build; both packages
    # carry every module of the checkout.
    for package in ("generated/atomic_api", "overlay/atomic_sdk"):
        in_checkout = {
            str(p.relative_to(ROOT))
            for p in (ROOT / package).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
        }
        assert {n for n in names if n.startswith(package + "/")} == in_checkout
