"""Run a Sandbox until interrupted: ``python -m atomic_sdk.testing [--port N] [--role events ...]``.

Prints ``export ATOMIC_...=...`` lines; ``eval`` them in another shell (or read them) so that
``AtomicClient.from_env()`` talks to the Sandbox.
"""

import argparse
import secrets
import shlex
import signal
import sys

from .._credentials import Credentials
from .._roles import Role
from ._sandbox import Sandbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m atomic_sdk.testing", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    roles = [role.value for role in Role]
    parser.add_argument(
        "--role", action="append", choices=roles, help="a key for this role (repeatable; default: each)"
    )
    parser.add_argument("--expires-in", type=int, default=3600, help="token lifetime in seconds")
    parser.add_argument("--environment", action="append", help="an environment id it knows (repeatable)")
    args = parser.parse_args(argv)
    wanted = dict.fromkeys(args.role or ())
    keys = {Role(role): Credentials(f"sandbox-{role}", secrets.token_urlsafe(16)) for role in wanted} or None
    sandbox = Sandbox(keys, expires_in=args.expires_in, environments=args.environment, host=args.host, port=args.port)
    with sandbox:
        for name, value in sandbox.env().items():
            print(f"export {name}={shlex.quote(value)}")
        print(f"# Atomic Sandbox listening on {sandbox.base_url}; Ctrl-C stops it", file=sys.stderr, flush=True)
        sys.stdout.flush()
        # SIGTERM (and SIGINT where a shell left it ignored) end the server cleanly; the port is released.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
