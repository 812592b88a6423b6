"""The docs site: it builds with --strict from docs/ (every page in the navigation, every link resolving),
the API reference lists every operation of the spec and every method of each resource, and every model has
a page that each "Returns" links to."""

from __future__ import annotations

import html
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


def test_every_docs_page_is_built_and_in_the_navigation(site: Path) -> None:
    listed = [page for _section, pages in docs_site.NAV for page in pages]
    in_docs = sorted(p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md"))
    assert sorted(listed) == sorted([*in_docs, "changelog.md", "contributing.md"])
    assert len(listed) == len(set(listed))
    for page in listed:
        built = site / ("index.html" if page == "index.md" else page.removesuffix(".md") + "/index.html")
        assert built.is_file(), page
    # The README is not a page: the home page is docs/index.md.
    home = text(site / "index.html")
    assert "Quickstart : scripts/demo against a local Sandbox, then your own organisation." in home
    assert "## Install" not in (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
    assert (site / "reference" / "sdk" / "index.html").is_file()


def test_a_docs_page_missing_from_the_navigation_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    without_logging = tuple(
        (section, tuple(page for page in pages if page != "logging.md")) for section, pages in docs_site.NAV
    )
    monkeypatch.setattr(docs_site, "NAV", without_logging)
    with pytest.raises(docs_site.DocsError, match=r"logging\.md is in no navigation section$"):
        docs_site.guide_pages(["reference/index.md", "reference/models/index.md"])
    monkeypatch.setattr(docs_site, "NAV", (*without_logging, ("More", ("logging.md", "nowhere.md"))))
    with pytest.raises(docs_site.DocsError, match=r"nowhere\.md is in the navigation but has no file$"):
        docs_site.guide_pages(["reference/index.md", "reference/models/index.md"])


def test_links_are_rewritten_for_the_site() -> None:
    pages = docs_site.guide_pages(["reference/index.md", "reference/models/index.md"])
    # A link to the published site's reference (which exists only in the build) becomes a link into the build.
    assert "[API reference](reference/index.md)" in pages["index.md"][1]
    assert "[API reference](../reference/index.md)" not in pages["index.md"][1]
    # README.md is no page: a link to it points at the repository.
    assert f"]({docs_site.REPO_URL}/blob/main/README.md#install)" in pages["index.md"][1]
    # docs/ pages link each other by file name; the anchors stay.
    assert "](many-processes.md#many-processes)" in pages["authentication.md"][1]
    assert "](reliability.md#tolerant-parsing)" in pages["errors.md"][1]
    # A repository file that is not a page points at GitHub; the changelog and CONTRIBUTING.md are pages.
    assert f"]({docs_site.REPO_URL}/blob/main/examples/quickstart.py)" in pages["quickstart.md"][1]
    assert pages["errors.md"] == ("Errors", pages["errors.md"][1])
    assert pages["changelog.md"][0] == "Changelog"


def test_a_broken_link_or_anchor_is_reported(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md#a-part) [no file](missing.md) [no anchor](other.md#b-part) [here](#page)"
        " `[code](nowhere.md)`\n\n```\n[block](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert docs_site.broken_links(page) == [
        f"{page}:3: link to missing.md, which does not exist",
        f"{page}:3: link to other.md#b-part, but other.md has no heading with that anchor",
    ]


def test_readme_contributing_changelog_and_docs_links_resolve() -> None:
    sources = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]
    sources += sorted((ROOT / "docs").rglob("*.md"))
    problems = [problem for source in sources for problem in docs_site.broken_links(source)]
    assert problems == []
    # The README does link into docs/ (so this test checks something).
    assert [t for _, t in docs_site.relative_links(ROOT / "README.md") if t.startswith("docs/")]


def test_every_model_has_a_page_with_its_fields(site: Path) -> None:
    import atomic_api.models

    pages = sorted((site / "reference" / "models").glob("*/index.html"))
    names = sorted(i[len("model-") :] for page in pages for i in ids(page) if i.startswith("model-"))
    assert names == sorted(atomic_api.models.__all__)
    assert len(names) == 74
    card = text(site / "reference" / "models" / "card" / "index.html")
    assert "card_instance_id cardInstanceId str yes" in card
    assert "card_template_id cardTemplateId str | Unset no (may be Unset )" in card
    assert "payload payload CardPayload | Unset no (may be Unset ) The payload a card was created with." in card
    assert "Returned by list_cards" not in card  # a Card comes inside a CardList
    card_list = text(site / "reference" / "models" / "card_list" / "index.html")
    assert "Returned by list_cards" in card_list
    status = text(site / "reference" / "models" / "card_status" / "index.html")
    assert "CardStatus.ACTIVE 'active'" in status


def test_every_returns_links_its_model(site: Path) -> None:
    from atomic_api._roles import OPERATIONS

    linked = 0
    for page in sorted((site / "reference").glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        for section in re.split(r'(?=<h2 id="op-)', html)[1:]:
            returns = section[section.index("<strong>Returns</strong>") :].split("</p>", 1)[0]
            hrefs = re.findall(r'href="([^"]+)"', returns)
            assert hrefs, section[:80]
            for href in hrefs:
                assert re.fullmatch(r"\.\./models/[a-z_]+/#model-[A-Za-z]+", href), href
                linked += 1
    assert linked == len(OPERATIONS) == 33


def test_tag_pages_list_every_method_with_its_signature(site: Path) -> None:
    cards = text(site / "reference" / "cards" / "index.html")
    methods = cards[cards.index("method what it does returns") : cards.index("Signatures (")]
    assert re.findall(r"client\.cards\.(\S+) ", methods) == [
        "list_cards",
        "iter_list_cards",
        "dismiss_cards",
        "complete_cards",
        "cancel_cards",
        "with_raw_response.list_cards",
        "with_raw_response.dismiss_cards",
        "with_raw_response.complete_cards",
        "with_raw_response.cancel_cards",
    ]
    code = html.unescape(cards).replace(" ", "")  # highlighting puts each token in an element of its own
    assert "client.cards.iter_list_cards(*,environment_id:str|None=None," in code
    assert "page_size:int=100,timeout:float|Timeout|None=None,extra_headers:Mapping[str,str]|None=None," in code
    assert "max_retries:int|None=None,)->Iterator[Card]" in code
    webhooks = text(site / "reference" / "webhooks" / "index.html")
    assert "client.webhooks.test_webhook_subscription hand-written (not a spec operation) OperationResult" in webhooks
    assert "client.webhooks.test_webhook_subscription(*,event_type:str,environment_id:str|None=None," in html.unescape(
        webhooks
    ).replace(" ", "")
    assert "method-test_webhook_subscription" in ids(site / "reference" / "webhooks" / "index.html")
    # Identifiers in tables do not break mid-word.
    css = (site / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert ".md-typeset table:not([class]) code {\n  word-break: keep-all;\n  overflow-wrap: normal;" in css
    assert 'href="../../stylesheets/extra.css"' in (site / "reference" / "cards" / "index.html").read_text(
        encoding="utf-8"
    )


def test_the_card_action_400_text_only_where_multiple_applies(site: Path) -> None:
    shown = []
    for page in sorted((site / "reference").glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        for section in re.split(r'(?=<h2 id="op-)', html)[1:]:
            if "without <code>multiple=1</code>" in section.split("<strong>Errors</strong>", 1)[1]:
                shown.append(re.match(r'<h2 id="op-([A-Za-z]+)"', section).group(1))  # type: ignore[union-attr]
    assert sorted(shown) == ["cancelCards", "completeCards", "dismissCards"]
    users = text(site / "reference" / "users" / "index.html")
    assert "HTTP 400 BadRequestError The error body is undocumented." in users


def test_the_readme_is_a_front_page() -> None:
    readme = (ROOT / "README.md").read_bytes()
    assert len(readme.decode("utf-8").splitlines()) <= 400
    assert len(readme) <= 40 * 1024
    text = readme.decode("utf-8")
    # It starts with what the SDK is, then install and a first call; the newcomer commands are in it.
    titles = [line for line in text.splitlines() if line.startswith("## ")]
    assert titles[:2] == ["## Install", "## A first call"]
    for command in ("scripts/demo", "scripts/test", '"./atomic-sdk-python[redis,testing]"'):
        assert command in text
