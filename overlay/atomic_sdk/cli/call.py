"""``atomic-sdk call``: call any operation through the SDK and print the response body as JSON."""

import argparse
import difflib
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from atomic_api._roles import OPERATIONS

from .._backend import load
from .._client import AtomicClient
from .._errors import ApiError, AtomicError, ConfigurationError, MissingCredentialsError, UnknownOperationError
from .output import EXIT_FAILED, EXIT_OK, CliError, write_json
from .params import Parameter, convert_body, convert_value, describe_parameters, normalise, parameters_of

API_PACKAGE = "atomic_api.api"


def add_parser(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Register the ``call`` sub-command."""
    parser = commands.add_parser(
        "call",
        help="call an operation and print the response body as JSON",
        description=(
            "Call one operation through the SDK (AtomicClient.from_env(): auth, role selection, retries and "
            "User-Agent all apply) and print the response body as JSON. Parameters take the Python name "
            "(user_id) or the spec's name (userId); environment_id defaults to ATOMIC_ENVIRONMENT_ID."
        ),
    )
    parser.add_argument("operation_id", metavar="OPERATION_ID", help="e.g. listCards (see `atomic-sdk roles`)")
    parser.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a path or query parameter (repeatable; lists: repeat it or separate values with commas)",
    )
    parser.add_argument("--body", metavar="FILE|-", help="JSON request body from FILE, or '-' for stdin")
    parser.add_argument("--json-compact", action="store_true", help="print the JSON on one line")
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class Endpoint:
    """A generated operation module and the operation id it implements."""

    operation_id: str
    module_name: str

    def sync_detailed(self) -> Callable[..., Any]:
        """The module's ``sync_detailed`` function."""
        function: Callable[..., Any] = importlib.import_module(self.module_name).sync_detailed
        return function


def run(args: argparse.Namespace) -> int:
    """Resolve the operation, convert the arguments, call it and print the body."""
    endpoint = find_endpoint(args.operation_id)
    function = endpoint.sync_detailed()
    parameters = parameters_of(function)
    kwargs = _kwargs(endpoint, parameters, args.param)
    body_parameter = next((p for p in parameters if p.is_body), None)
    if args.body is not None:
        if body_parameter is None:
            raise CliError(f"{endpoint.operation_id} takes no request body; drop --body")
        kwargs["body"] = convert_body(body_parameter, _read_body(args.body), endpoint.operation_id)
    elif body_parameter is not None and body_parameter.required:
        raise CliError(
            f"{endpoint.operation_id} needs a request body ({body_parameter.type_name}): pass --body FILE or --body -"
        )
    client = AtomicClient.from_env()
    try:
        with client:
            response = function(client=client, **kwargs)
    except MissingCredentialsError as exc:
        raise CliError(str(exc)) from None
    except ApiError as exc:
        raise CliError(f"{endpoint.operation_id} failed: HTTP {exc.status}: {exc}", EXIT_FAILED) from None
    except (ConfigurationError, UnknownOperationError) as exc:
        raise CliError(f"{endpoint.operation_id}: {exc}") from None
    except AtomicError as exc:
        # ApiConnectionError, ResponseValidationError, TokenRequestError: their messages carry no secrets.
        raise CliError(f"{endpoint.operation_id} failed: {type(exc).__name__}: {exc}", EXIT_FAILED) from None
    except load(client.http_backend).http_error as exc:  # httpx's or httpx2's
        raise CliError(f"{endpoint.operation_id} failed: {type(exc).__name__}: {exc}", EXIT_FAILED) from None
    return _print_body(endpoint.operation_id, response.status_code, response.content, args.json_compact)


def _print_body(operation_id: str, status: int, content: bytes, compact: bool) -> int:
    failed = status >= 400
    out = sys.stderr if failed else sys.stdout
    if failed:
        sys.stderr.write(f"atomic-sdk: {operation_id} failed: HTTP {status}\n")
    if content:
        try:
            parsed = json.loads(content)
        except ValueError:
            # Not JSON (e.g. a CSV export): pass it through unchanged.
            text = content.decode("utf-8", errors="replace")
            out.write(text if text.endswith("\n") else text + "\n")
        else:
            write_json(out, parsed, compact=compact)
    return EXIT_FAILED if failed else EXIT_OK


def _endpoint_modules() -> dict[str, str]:
    """Normalised module name -> module path, for every operation module of the generated package."""
    package = importlib.import_module(API_PACKAGE)
    found: dict[str, str] = {}
    for tag in pkgutil.iter_modules(package.__path__, API_PACKAGE + "."):
        if not tag.ispkg:
            continue
        tag_package = importlib.import_module(tag.name)
        for info in pkgutil.iter_modules(tag_package.__path__, tag.name + "."):
            if not info.ispkg:
                found[normalise(info.name.rsplit(".", 1)[1])] = info.name
    return found


def find_endpoint(name: str) -> Endpoint:
    """The generated module for an operation id (``listCards``; ``list_cards`` works too)."""
    by_key = {normalise(key): key for key in OPERATIONS}
    operation_id = by_key.get(normalise(name))
    if operation_id is None:
        close = difflib.get_close_matches(name, list(OPERATIONS), n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CliError(f"unknown operation {name!r}{hint} (`atomic-sdk roles` lists all {len(OPERATIONS)})")
    module_name = _endpoint_modules().get(normalise(operation_id))
    if module_name is None:
        raise CliError(f"operation {operation_id} has no generated module in {API_PACKAGE}; regenerate atomic_api")
    return Endpoint(operation_id, module_name)


def _kwargs(endpoint: Endpoint, parameters: list[Parameter], raw: list[str]) -> dict[str, Any]:
    by_name: dict[str, Parameter] = {}
    for parameter in parameters:
        if not parameter.is_body:
            by_name[normalise(parameter.name)] = parameter
            by_name[normalise(parameter.spec_name)] = parameter
    given: dict[str, list[str]] = {}
    problems: list[str] = []
    for item in raw:
        name, sep, value = item.partition("=")
        match = by_name.get(normalise(name)) if sep else None
        if not sep:
            problems.append(f"--param {item!r} is not NAME=VALUE")
        elif match is None:
            problems.append(f"unknown parameter {name!r}")
        elif match.name in given and not match.is_list:
            problems.append(f"parameter {match.name} given more than once")
        else:
            given.setdefault(match.name, []).append(value)
    environment_id = os.environ.get("ATOMIC_ENVIRONMENT_ID", "").strip()
    if environment_id and "environment_id" in {p.name for p in parameters}:
        given.setdefault("environment_id", [environment_id])
    kwargs: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.is_body:
            continue
        if parameter.name not in given:
            if parameter.required:
                problems.append(f"missing required parameter {parameter.name}")
            continue
        try:
            kwargs[parameter.name] = convert_value(parameter, given[parameter.name])
        except ValueError as exc:
            problems.append(f"parameter {parameter.name}: {exc}")
    if problems:
        summary = "; ".join(problems)
        raise CliError(f"{endpoint.operation_id}: {summary}\n{describe_parameters(endpoint.operation_id, parameters)}")
    return kwargs


def _read_body(source: str) -> Any:
    try:
        if source == "-":
            text = sys.stdin.read()
        else:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise CliError(f"cannot read --body {source}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = "stdin" if source == "-" else source
        raise CliError(f"--body {where} is not valid JSON: {exc}") from None
