"""The docs site: it builds with --strict, the API reference lists every operation of the spec, and the
guides hold every section of the README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from atomic_docs import site as docs_site

ROOT = Path(__file__).resolve().parents[2]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def spec_operations() -> dict[str, tuple[str, str]]:
    """operationId (or 'METHOD /path') -> (METHOD, path), read from the spec itself."""
    document = yaml.safe_load((ROOT / "spec" / "atomic-api.yaml").read_text(encoding="utf-8"))
    found: dict[str, tuple[str, str]] = {}
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                found[item[method].get("operationId") or f"{method.upper()} {path}"] = (method.upper(), path)
    return found


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.append(value)


def ids(page: Path) -> list[str]:
    parser = _Ids()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.ids


def text(page: Path) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "tooling"), PYTHONDONTWRITEBYTECODE="1", NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "atomic_docs",
            "--site-dir",
            str(out / "site"),
            "--work-dir",
            str(out / "work"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return out / "site"


def test_the_reference_lists_every_operation_of_the_spec(site: Path) -> None:
    operations = spec_operations()
    listed: list[str] = []
    for page in sorted((site / "reference").glob("*/index.html")):
        listed += [i[len("op-") :] for i in ids(page) if i.startswith("op-")]
    assert len(listed) == len(set(listed)), "an operation is listed twice"
    assert sorted(listed) == sorted(operations)
    assert len(listed) == 33
    # The overview table links every one of them.
    overview = (site / "reference" / "index.html").read_text(encoding="utf-8")
    assert sorted(set(re.findall(r'href="[^"]*#op-([A-Za-z0-9_-]+)"', overview))) == sorted(operations)


def test_each_operation_shows_method_path_roles_parameters_return_type_and_errors(site: Path) -> None:
    page = text(site / "reference" / "cards" / "index.html")
    section = page[page.index("GET /v1/{environmentId}/cards · operation listCards") :][:6000]
    assert "operation listCards" in section
    assert "roles: events" in section
    for parameter in ("environment_id", "user_id", "status", "limit", "offset"):
        assert parameter in section
    assert "Returns CardList" in section
    # The typed resource method: its call form and its own (None-for-unset) parameter types.
    assert "client.cards.list_cards(" in section.replace(" ", "") and "AsyncAtomicClient" in section
    assert "str | None" in section
    for error in (
        "BadRequestError",
        "PermissionDeniedError",
        "NotFoundError",
        "RateLimitedError",
        "MissingCredentialsError",
    ):
        assert error in section
    environments = text(site / "reference" / "environments" / "index.html")
    assert "roles: events , workbench , auth (the first with credentials configured is used)" in environments


def test_every_role_and_route_comes_from_the_role_map(site: Path) -> None:
    from atomic_api._roles import OPERATIONS

    pages = {p.parent.name: text(p) for p in (site / "reference").glob("*/index.html")}
    for key, (method, path, roles) in OPERATIONS.items():
        holder = [name for name, body in pages.items() if f"operation {key} " in body]
        assert len(holder) == 1, key
        body = pages[holder[0]]
        line = body[body.index(f"{method} {path} · operation {key} ") :][:300]
        assert "roles: " + " , ".join(roles) in line, (key, line)


def test_the_guides_hold_the_readme(site: Path) -> None:
    for page, _title, _sections in docs_site.GUIDES:
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), page
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    titles = [line[3:].strip() for line in readme.splitlines() if line.startswith("## ")]
    everything = " ".join(text(p) for p in site.glob("**/index.html"))
    for title in titles:
        assert re.sub(r"`", "", title) in everything, title
    assert (site / "changelog" / "index.html").is_file()
    assert (site / "reference" / "sdk" / "index.html").is_file()


def test_a_readme_section_on_no_page_stops_the_build() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8") + "\n## Brand new section\n\ntext\n"
    with pytest.raises(docs_site.DocsError, match="README section '## Brand new section' is on no page"):
        docs_site.guide_pages(readme)


def test_a_broken_readme_anchor_stops_the_build() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8").replace("(#many-processes)", "(#many-process)", 1)
    with pytest.raises(docs_site.DocsError, match="link to #many-process, but no README heading has that anchor"):
        docs_site.guide_pages(readme)


def test_readme_links_point_at_site_pages_or_the_repository() -> None:
    pages = docs_site.guide_pages((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "](many-processes.md#many-processes)" in pages["credentials.md"]
    assert "](reliability.md#tolerant-parsing)" in pages["errors.md"]
    assert f"]({docs_site.REPO_URL}/blob/main/examples/quickstart.py)" in pages["quickstart.md"]
    assert pages["errors.md"].startswith("# Errors\n")
