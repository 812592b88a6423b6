"""Shared pieces of the ``atomic-sdk`` command line: exit codes, the usage error and table output."""

import json
from collections.abc import Sequence
from typing import TextIO

EXIT_OK = 0
"""The command did what was asked."""
EXIT_FAILED = 1
"""The operation or check ran and failed (API error, token refused, network failure)."""
EXIT_USAGE = 2
"""Bad arguments or configuration; nothing was sent, or nothing useful could be."""


class CliError(Exception):
    """A failure to report on stderr as one clear message (no traceback), with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def write_table(out: TextIO, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Write ``rows`` under ``header`` as left-aligned columns separated by two spaces."""
    widths = [len(title) for title in header]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]
    for line in (header, *rows):
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=True)]
        out.write("  ".join(cells).rstrip() + "\n")


def write_json(out: TextIO, value: object, *, compact: bool = False) -> None:
    """Write ``value`` as JSON: indented by default, or on one line with no spaces when ``compact``."""
    if compact:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    else:
        text = json.dumps(value, ensure_ascii=False, indent=2)
    out.write(text + "\n")
