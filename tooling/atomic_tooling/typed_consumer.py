"""The typed-consumer gate: the docs' Python blocks, and a file of misuse, under mypy --strict and pyright strict.

Every ```python block of README.md, CONTRIBUTING.md and docs/**/*.md is written to its own module (and tests/test_exports.py and
examples/quickstart.py are copied) and each must give zero errors under both checkers, without `cast`, `type: ignore` or `isinstance` (a reader copies these blocks; they must be
right as they stand). The misuse fixture (tests/typed_consumer/misuse.py) marks lines with `# error: <why>`;
each marked line must get at least one error from each checker, and unmarked lines none, so the gate
fails if the types ever become loose enough to accept a typo.

Usage: python -m atomic_tooling.typed_consumer [--markdown FILE ...] [--misuse tests/typed_consumer/misuse.py]
Exit 0 when both hold, 1 otherwise (every finding listed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYRIGHT = ROOT / "node_modules" / ".bin" / "pyright"
FORBIDDEN = re.compile(r"\bcast\(|type:\s*ignore|pyright:\s*ignore|\bisinstance\(")
BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
MARK = re.compile(r"#\s*error:")


def readme_blocks(text: str) -> list[tuple[int, str]]:
    """(first line number in the file, code) of every ```python block."""
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


def _mypy(files: list[Path], cwd: Path) -> tuple[dict[str, set[int]], str]:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir=/dev/null",
         "--python-version=3.11", "--no-error-summary", "--show-absolute-path", *map(str, files)],
        capture_output=True, text=True, cwd=cwd, check=False,
    )
    found: dict[str, set[int]] = defaultdict(set)
    for line in result.stdout.splitlines():
        match = re.match(r"(.+?):(\d+): error:", line)
        if match:
            found[str(Path(match.group(1)).resolve())].add(int(match.group(2)))
    if result.returncode not in (0, 1) or (result.returncode == 1 and not found):
        raise RuntimeError(f"mypy failed to run:\n{result.stdout}{result.stderr}")
    return found, result.stdout


def _pyright(files: list[Path], cwd: Path) -> tuple[dict[str, set[int]], str]:
    if not PYRIGHT.is_file():
        raise RuntimeError(f"pyright is not installed at {PYRIGHT}; run `npm ci` (scripts/test does)")
    config = cwd / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"}), encoding="utf-8")
    env = dict(os.environ, PYRIGHT_PYTHON_FORCE_VERSION="", NODE_OPTIONS="--max-old-space-size=1024")
    result = subprocess.run(
        [str(PYRIGHT), "--outputjson", "--pythonpath", sys.executable, "-p", str(config), *map(str, files)],
        capture_output=True, text=True, cwd=cwd, check=False, env=env,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"pyright failed to run:\n{result.stdout}{result.stderr}") from None
    found: dict[str, set[int]] = defaultdict(set)
    lines = []
    for diagnostic in report.get("generalDiagnostics", []):
        if diagnostic.get("severity") != "error":
            continue
        line = int(diagnostic["range"]["start"]["line"]) + 1
        found[str(Path(diagnostic["file"]).resolve())].add(line)
        lines.append(f"{diagnostic['file']}:{line}: {diagnostic['message'].splitlines()[0]}")
    return found, "\n".join(lines)


def default_markdown() -> list[Path]:
    """The Markdown a reader copies code from: README.md, CONTRIBUTING.md and every page of docs/."""
    candidates = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path for path in candidates if path.is_file()]


def check(markdown: list[Path], misuse: Path, clean: list[Path]) -> list[str]:
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="typed-consumer-") as scratch:
        work = Path(scratch).resolve()
        files: dict[Path, tuple[str, int]] = {}
        for document in markdown:
            where = document.relative_to(ROOT) if document.is_relative_to(ROOT) else document
            named = where if document.is_relative_to(ROOT) else Path(document.name)
            stem = re.sub(r"[^A-Za-z0-9]+", "_", str(named).removesuffix(".md")).strip("_").lower()
            for index, (line, code) in enumerate(readme_blocks(document.read_text(encoding="utf-8")), start=1):
                path = work / f"{stem}_block_{index:02d}.py"
                path.write_text(code, encoding="utf-8")
                files[path] = (str(where), line)
                for offset, text in enumerate(code.splitlines()):
                    if FORBIDDEN.search(text):
                        problems.append(f"{where}:{line + offset}: no cast / type: ignore / isinstance in docs code: {text.strip()}")
        misuse_copy = work / "misuse.py"
        shutil.copyfile(misuse, misuse_copy)
        marked = {n for n, text in enumerate(misuse.read_text(encoding="utf-8").splitlines(), start=1) if MARK.search(text)}
        clean_copies = {}
        for source in clean:
            copy = work / source.name
            shutil.copyfile(source, copy)
            clean_copies[copy] = source
        targets = [*files, misuse_copy, *clean_copies]
        with ThreadPoolExecutor(max_workers=2) as pool:
            mypy_future = pool.submit(_mypy, targets, work)
            pyright_future = pool.submit(_pyright, targets, work)
            (mypy_found, mypy_out), (pyright_found, pyright_out) = mypy_future.result(), pyright_future.result()
        for checker, found, output in (("mypy --strict", mypy_found, mypy_out), ("pyright strict", pyright_found, pyright_out)):
            for path, (where, line) in files.items():
                for bad in sorted(found.get(str(path), ())):
                    problems.append(f"{where}:{line + bad - 1}: {checker} reports an error (block {path.name})")
            for copy, source in clean_copies.items():
                for bad in sorted(found.get(str(copy), ())):
                    problems.append(f"{source}:{bad}: {checker} reports an error")
            errors = found.get(str(misuse_copy), set())
            for missing in sorted(marked - errors):
                problems.append(f"{misuse}:{missing}: marked `# error:` but {checker} accepts it")
            for extra in sorted(errors - marked):
                problems.append(f"{misuse}:{extra}: {checker} reports an error on an unmarked line")
            if any(checker in p for p in problems):
                problems.append(f"--- {checker} output ---\n{output.strip()}")
        print(f"typed consumer: {len(files)} Python block(s) of {len(markdown)} Markdown file(s), {len(marked)} marked misuse line(s) and "
              f"{len(clean)} typed-consumer file(s) checked with mypy --strict and pyright strict")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="typed_consumer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", type=Path, action="append", help="a Markdown file whose ```python blocks "
                        "must type-check (default: README.md, CONTRIBUTING.md and docs/**/*.md)")
    parser.add_argument("--misuse", type=Path, default=ROOT / "tests" / "typed_consumer" / "misuse.py")
    parser.add_argument("--clean", type=Path, action="append", help="another file that must type-check cleanly "
                        "(default: tests/test_exports.py, examples/quickstart.py, tests/typed_consumer/on_httpx*.py)")
    args = parser.parse_args(argv)
    # A consumer file per HTTP package: the types follow http_backend (httpx.Response or httpx2.Response).
    clean = args.clean or [
        ROOT / "tests" / "test_exports.py",
        ROOT / "examples" / "quickstart.py",
        ROOT / "tests" / "typed_consumer" / "on_httpx.py",
        ROOT / "tests" / "typed_consumer" / "on_httpx2.py",
    ]
    problems = check(args.markdown or default_markdown(), args.misuse, clean)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
