"""RedisServer: a throwaway redis-server on 127.0.0.1 for tests of RedisTokenCache users."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

START_TIMEOUT = 10.0


class RedisServerError(RuntimeError):
    """redis-server is missing or did not start."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"PING\r\n")
            # A server started with --requirepass answers -NOAUTH, which still means it is up.
            return sock.recv(16).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


class RedisServer:
    """A ``redis-server`` process on a free loopback port, without persistence, in a temporary folder.

    ``stop()`` and ``start()`` again keep the port, so clients can watch it go away and come back.

    Example::

        from atomic_sdk import RedisTokenCache
        from atomic_sdk.testing import RedisServer, Sandbox

        with RedisServer() as redis_server, Sandbox() as sb:
            client = sb.client(token_cache=RedisTokenCache(redis_server.url))

    Arguments:
        executable: path of redis-server (default: found on PATH or in /usr/bin, /usr/local/bin).
        port: where to listen (default: a free port picked once).
        extra_args: more redis-server options, e.g. ``["--requirepass", "pw"]``.
    """

    def __init__(
        self, executable: str | None = None, *, port: int | None = None, extra_args: Sequence[str] = ()
    ) -> None:
        places = ("/usr/bin/redis-server", "/usr/local/bin/redis-server")
        found = executable or shutil.which("redis-server") or next((p for p in places if os.access(p, os.X_OK)), None)
        if found is None:
            raise RedisServerError(
                "redis-server not found; install it (Debian/Ubuntu: apt-get install redis-server; "
                "scripts/test does this when it runs as root)"
            )
        self.executable = found
        self.port = _free_port() if port is None else port
        self.extra_args = tuple(extra_args)
        self._dir: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``redis://127.0.0.1:<port>/0``."""
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def __repr__(self) -> str:
        return f"RedisServer(port={self.port}, running={self.running})"

    def start(self) -> Self:
        """Start the server and wait until it answers PING (idempotent)."""
        if self.running:
            return self
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="atomic-redis-")
        log = Path(self._dir.name) / "redis.log"
        options = f"--bind 127.0.0.1 --port {self.port} --appendonly no --daemonize no".split()
        options += ["--save", "", "--dir", self._dir.name, "--logfile", str(log), *self.extra_args]
        self._process = subprocess.Popen(
            [self.executable, *options], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers_ping(self.port):
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode(errors="replace") if self._process.stderr else ""
                detail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                self._process = None
                raise RedisServerError(f"redis-server exited during start-up: {err.strip()} {detail.strip()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RedisServerError(f"redis-server did not answer on port {self.port} within {START_TIMEOUT} s")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop the server (idempotent); its data is gone, the port is kept for ``start()``."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stderr is not None:
            process.stderr.close()

    def close(self) -> None:
        """Stop the server and delete its folder."""
        self.stop()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
