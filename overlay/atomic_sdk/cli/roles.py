"""``atomic-sdk roles``: every operation with its method, path template and allowed roles."""

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from atomic_api._markers import PathItemRefError, RoleMarkerError, extract_operations
from atomic_api._roles import OPERATIONS

from .output import EXIT_OK, CliError, write_json, write_table

YAML_HINT = "pip install 'atomic-sdk[cli]'"


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the ``roles`` sub-command."""
    parser = commands.add_parser(
        "roles",
        help="list every operation with its method, path and allowed roles",
        description=(
            "List every operation with its HTTP method, path template and the roles whose keys it accepts, "
            "in the order the SDK tries them. Reads the role map of the installed atomic_api package, or "
            "the '(token: <role>)' markers of an OpenAPI spec given with --spec."
        ),
    )
    parser.add_argument(
        "--spec",
        type=Path,
        metavar="FILE",
        help=f"read an OpenAPI spec instead (JSON; YAML needs PyYAML: {YAML_HINT})",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the role table (or JSON list) of the installed role map or of ``args.spec``."""
    rows: list[dict[str, Any]]
    if args.spec is None:
        rows = [
            {"operation_id": key, "method": method, "path": path, "roles": list(roles)}
            for key, (method, path, roles) in OPERATIONS.items()
        ]
    else:
        rows = operations_of_spec(args.spec)
    if args.json:
        write_json(sys.stdout, rows)
    else:
        write_table(
            sys.stdout,
            ("OPERATION", "METHOD", "PATH", "ROLES"),
            [(row["operation_id"], row["method"], row["path"], ", ".join(row["roles"])) for row in rows],
        )
    return EXIT_OK


def operations_of_spec(path: Path) -> list[dict[str, Any]]:
    """The operations of the spec at ``path`` with their roles; CliError (exit 2) on any problem."""
    document = load_document(path)
    try:
        operations = extract_operations(document)
    except (RoleMarkerError, PathItemRefError) as exc:
        raise CliError(f"spec {path}: {exc}") from None
    return [
        {"operation_id": op.key, "method": op.method, "path": op.path, "roles": list(op.roles)} for op in operations
    ]


def load_document(path: Path) -> Mapping[str, Any]:
    """Parse a JSON or YAML OpenAPI file into a mapping."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read spec {path}: {exc.strerror or exc}") from None
    text = raw.decode("utf-8-sig", errors="replace")
    document: object
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(f"spec {path} is not valid JSON: {exc}") from None
    else:
        document = _load_yaml(path, text)
    if not isinstance(document, Mapping):
        raise CliError(f"spec {path} is not an OpenAPI document (top level is not a mapping)")
    return document


def _load_yaml(path: Path, text: str) -> object:
    try:
        import yaml
    except ImportError:
        raise CliError(
            f"spec {path} looks like YAML, and reading YAML needs PyYAML: {YAML_HINT} (or pass a JSON spec)"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CliError(f"spec {path} is not valid YAML:\n{exc}") from None
