"""Command-line text to the Python values a generated ``atomic_api`` function expects.

Types come from the generated function's own annotations, so a regenerated client needs no change
here: ``str``, ``int``, ``float``, ``bool``, enums, ``datetime``/``date`` and lists of those for
parameters; generated models (``from_dict``) and lists of them for request bodies.
"""

import datetime
import enum
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from atomic_api.types import Unset

from .output import CliError

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def normalise(name: str) -> str:
    """Compare names case- and separator-blind: ``userId``, ``user_id`` and ``user-id`` are one name."""
    return _NOT_ALNUM.sub("", name.lower())


def _camel(name: str) -> str:
    # The generator appends "_" to names that are Python keywords or builtins ("from" -> "from_").
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Parameter:
    """One argument of a generated function, with the types its annotation allows (Unset removed)."""

    name: str
    types: tuple[Any, ...]
    required: bool
    default: Any
    is_body: bool

    @property
    def spec_name(self) -> str:
        """The spec's (camelCase) spelling of the name."""
        return _camel(self.name)

    @property
    def is_list(self) -> bool:
        """Whether the parameter takes a list (values may be repeated or comma-separated)."""
        return any(typing.get_origin(t) is list for t in self.types)

    @property
    def type_name(self) -> str:
        """A readable description of the accepted values."""
        return " or ".join(_type_name(t) for t in self.types) or "any"


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation) or (Any,)
        return f"list of {_type_name(item)}"
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of " + "|".join(str(member.value) for member in annotation)
    if annotation is datetime.datetime:
        return "datetime (ISO 8601, e.g. 2024-05-01T00:00:00Z)"
    if annotation is datetime.date:
        return "date (YYYY-MM-DD)"
    if isinstance(annotation, type) and hasattr(annotation, "from_dict"):
        return f"JSON object ({annotation.__name__})"
    return getattr(annotation, "__name__", str(annotation))


def _allowed_types(annotation: Any) -> tuple[Any, ...]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
    else:
        members = (annotation,)
    return tuple(t for t in members if t is not Unset and t is not type(None))


def parameters_of(function: Callable[..., Any]) -> list[Parameter]:
    """The parameters of a generated ``sync_detailed`` function, without ``client``."""
    hints = typing.get_type_hints(function)
    parameters = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "client":
            continue
        required = parameter.default is inspect.Parameter.empty
        parameters.append(
            Parameter(
                name=name,
                types=_allowed_types(hints.get(name, Any)),
                required=required,
                default=None if required else parameter.default,
                is_body=name == "body",
            )
        )
    return parameters


def describe_parameters(operation_id: str, parameters: list[Parameter]) -> str:
    """A block listing every parameter of an operation with its type, for usage errors."""
    lines = [f"{operation_id} parameters:"]
    for parameter in parameters:
        if parameter.is_body:
            what = "required" if parameter.required else "optional"
            lines.append(f"  --body FILE|-  {parameter.type_name}, {what}")
            continue
        names = parameter.name if parameter.spec_name == parameter.name else f"{parameter.name} ({parameter.spec_name})"
        if parameter.required:
            state = "required"
            if parameter.name == "environment_id":
                state += ", defaults to $ATOMIC_ENVIRONMENT_ID"
        elif isinstance(parameter.default, Unset):
            state = "optional"
        else:
            state = f"optional, default {parameter.default}"
        lines.append(f"  {names}: {parameter.type_name}, {state}")
    if len(lines) == 1:
        lines.append("  (none)")
    return "\n".join(lines)


def convert_value(parameter: Parameter, values: list[str]) -> Any:
    """The value for ``parameter`` from its command-line strings; ValueError says what was expected."""
    errors = []
    for annotation in parameter.types or (str,):
        try:
            if typing.get_origin(annotation) is list:
                (item,) = typing.get_args(annotation) or (str,)
                return [_scalar(item, part.strip()) for value in values for part in value.split(",") if part.strip()]
            if len(values) != 1:
                raise ValueError("given more than once")
            return _scalar(annotation, values[0])
        except ValueError as exc:
            errors.append(str(exc))
    raise ValueError("; ".join(errors))


def _scalar(annotation: Any, value: str) -> Any:
    if annotation is str or annotation is Any:
        return value
    if annotation is bool:
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        raise ValueError(f"expected true or false, got {value!r}")
    if annotation is int:
        try:
            return int(value)
        except ValueError:
            raise ValueError(f"expected an integer, got {value!r}") from None
    if annotation is float:
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    if annotation is datetime.datetime:
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected an ISO 8601 datetime such as 2024-05-01T00:00:00Z, got {value!r}") from None
    if annotation is datetime.date:
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"expected a date such as 2024-05-01, got {value!r}") from None
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        # Only the values the spec lists: the enums also accept unknown values, but a typo should not be sent.
        for member in annotation:
            if str(member.value) == value or member.name.lower() == value.lower():
                return member
        choices = ", ".join(str(member.value) for member in annotation)
        raise ValueError(f"expected one of {choices}, got {value!r}")
    raise ValueError(f"type {_type_name(annotation)} cannot be given on the command line")


def convert_body(parameter: Parameter, data: Any, operation_id: str) -> Any:
    """The request body for ``parameter`` from parsed JSON, built through the generated models."""
    errors = []
    for annotation in parameter.types or (Any,):
        try:
            return _body_value(annotation, data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            detail = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            errors.append(f"{_type_name(annotation)}: {detail}")
    raise CliError(f"{operation_id}: --body does not match the request body: " + "; ".join(errors))


def _body_value(annotation: Any, data: Any) -> Any:
    if typing.get_origin(annotation) is list:
        if not isinstance(data, list):
            raise TypeError(f"expected a JSON array, got {type(data).__name__}")
        (item,) = typing.get_args(annotation) or (Any,)
        return [_body_value(item, element) for element in data]
    if isinstance(annotation, type) and hasattr(annotation, "from_dict"):
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        return annotation.from_dict(data)
    if annotation in (str, int, float, bool) and not isinstance(data, annotation):
        raise TypeError(f"expected {annotation.__name__}, got {type(data).__name__}")
    return data
