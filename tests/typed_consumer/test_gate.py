"""The typed-consumer gate itself must be able to fail: a wrong docs block, a forbidden cast, a misuse line
that type-checks and an unmarked error are each reported, by each checker."""

from __future__ import annotations

from pathlib import Path

from atomic_tooling.typed_consumer import ROOT, check, default_markdown, readme_blocks

README = '''# demo

```python
from atomic_sdk import AtomicClient

with AtomicClient.from_env() as client:
    print(len(client.cards.list_cards().data))
```

```python
from atomic_sdk import AtomicClient

with AtomicClient.from_env() as client:
    print(client.cards.list_cards().dataa)
```

```python
from typing import cast

print(cast(object, 1))
```
'''

MISUSE = '''from atomic_sdk import AtomicClient


def misuse(client: AtomicClient) -> None:
    client.cards.list_cards(user_id="fine")  # error: this one type-checks, so the gate must say so
    client.cards.list_cards(user_idd="typo")
'''


def test_readme_blocks_are_found_with_their_line_numbers() -> None:
    assert [line for line, _ in readme_blocks(README)] == [4, 11, 18]


def test_the_gate_reports_every_kind_of_failure_from_both_checkers(tmp_path: Path) -> None:
    readme, misuse, clean = tmp_path / "README.md", tmp_path / "misuse.py", tmp_path / "clean.py"
    readme.write_text(README, encoding="utf-8")
    misuse.write_text(MISUSE, encoding="utf-8")
    clean.write_text("x: int = 'not an int'\n", encoding="utf-8")
    problems = [p for p in check([readme], misuse, [clean]) if not p.startswith("---")]
    assert sorted(problems) == sorted(
        [
            f"{readme}:20: no cast / type: ignore / isinstance in docs code: print(cast(object, 1))",
            *(
                line
                for checker in ("mypy --strict", "pyright strict")
                for line in (
                    f"{readme}:14: {checker} reports an error (block readme_block_02.py)",
                    f"{clean}:1: {checker} reports an error",
                    f"{misuse}:5: marked `# error:` but {checker} accepts it",
                    f"{misuse}:6: {checker} reports an error on an unmarked line",
                )
            ),
        ]
    )


def test_the_gate_reads_the_readme_contributing_and_every_docs_page() -> None:
    pages = sorted((ROOT / "docs").rglob("*.md"))
    assert default_markdown() == [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *pages]
    assert ROOT / "docs" / "quickstart.md" in pages
