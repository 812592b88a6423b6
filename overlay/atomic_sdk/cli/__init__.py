"""The ``atomic-sdk`` command line (also ``python -m atomic_sdk``).

Commands::

    atomic-sdk roles [--spec FILE] [--json]     operations, methods, paths and the roles they accept
    atomic-sdk check [--json]                   fetch a fresh token for every configured key
    atomic-sdk call OPERATION_ID [--param NAME=VALUE ...] [--body FILE|-] [--json-compact]

Exit codes: 0 success, 1 the operation or check failed, 2 usage or configuration error.
Client secrets and access tokens are never printed.
"""

import argparse
import logging
import sys
from collections.abc import Callable

from .._errors import AtomicError, ConfigurationError
from .._version import sdk_version
from . import call, check, roles
from .output import EXIT_FAILED, EXIT_USAGE, CliError

PROG = "atomic-sdk"

EPILOG = """\
exit codes: 0 success, 1 the operation or check failed, 2 usage or configuration error.

check and call read ATOMIC_ORG_ID (or ATOMIC_BASE_URL), ATOMIC_ENVIRONMENT_ID, ATOMIC_TOKEN_URL,
ATOMIC_USER_AGENT and either ATOMIC_CLIENT_ID/ATOMIC_CLIENT_SECRET (one key for every role) or
ATOMIC_<ROLE>_CLIENT_ID/ATOMIC_<ROLE>_CLIENT_SECRET with ROLE in AUTH, WORKBENCH, EVENTS;
call also uses ATOMIC_REDIS_URL (tokens shared with your workers through Redis) when set.
Client secrets and access tokens are never printed.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Command line for the Atomic customer API SDK.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {sdk_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    roles.add_parser(commands)
    check.add_parser(commands)
    call.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code.

    Example::

        from atomic_sdk.cli import main
        main(["roles", "--json"])  # prints the role map, returns 0
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits for --help/--version (0) and usage errors (2); report them as return values.
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        _error(str(exc))
        return exc.exit_code
    except ConfigurationError as exc:
        _error(f"configuration: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except BrokenPipeError:
        # `atomic-sdk roles | head`: the reader left; nothing more to say.
        return 0
    except AtomicError as exc:
        _error(f"{type(exc).__name__}: {exc}")
        return EXIT_FAILED
    except Exception as exc:
        # A bug, not a user error: one line with the type only (an unknown message might hold anything);
        # the traceback goes to the atomic_sdk logger, shown with ATOMIC_LOG=debug.
        logging.getLogger("atomic_sdk").debug("atomic-sdk failed unexpectedly", exc_info=True)
        _error(f"unexpected {type(exc).__name__}; rerun with ATOMIC_LOG=debug and report it")
        return EXIT_FAILED


def _error(message: str) -> None:
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
