"""Write a copy of a vendor spec whose every operation summary carries a role marker.

The corpus keeps the vendors' files byte for byte (their sha256 is in SOURCES.md); the test runs this on
a temporary copy. Roles are arbitrary but deterministic: reads accept any key, writes need `workbench`.
An operation without a summary gets one made of its operationId (or method and path).

    python tests/generation/corpus/inject_markers.py IN OUT
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in (document.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("$ref"), str) and item["$ref"].startswith("#/"):
            target: Any = document
            for part in item["$ref"][2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            item = target
        for method in METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                found.append((method, str(path), operation))
    return found


def inject(document: dict[str, Any]) -> int:
    """Add the markers in place; returns how many operations were marked."""
    count = 0
    for method, path, operation in _operations(document):
        role = "any" if method in ("get", "head", "options") else "workbench"
        summary = operation.get("summary")
        if not isinstance(summary, str) or not summary.strip():
            summary = str(operation.get("operationId") or f"{method.upper()} {path}")
        operation["summary"] = f"{' '.join(summary.replace('(', '[').replace(')', ']').split())} (token: {role})"
        count += 1
    return count


def main(source: Path, target: Path) -> int:
    raw = source.read_bytes()
    if source.suffix == ".json":
        document = json.loads(raw)
        inject(document)
        target.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        document = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        inject(document)
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        target.write_text(yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
