"""Throwaway Redis deployments on 127.0.0.1 for tests of RedisTokenCache users.

``RedisServer`` (one server), ``RedisClusterServers`` (a Redis Cluster of masters and replicas) and
``RedisSentinelServers`` (a master, its replicas and the Sentinels watching it). Every process is started
here, by one ``redis-server`` binary (``--sentinel`` mode for Sentinels), and stopped by its PID.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

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
        self._process = subprocess.Popen(
            self._argv(Path(self._dir.name), log),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
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

    def _argv(self, folder: Path, log: Path) -> list[str]:
        return [
            self.executable,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--logfile",
            str(log),
            "--daemonize",
            "no",
            *self.extra_args,
        ]

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

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


def _wait_for(what: str, check: Any, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            ready = bool(check())
        except Exception:  # noqa: BLE001 - not ready yet: connection refused, loading, ...
            ready = False
        if ready:
            return
        if time.monotonic() > deadline:
            raise RedisServerError(f"{what} within {timeout:g} s")
        time.sleep(0.05)


def _client(port: int) -> Any:
    import redis

    return redis.Redis(host="127.0.0.1", port=port, socket_timeout=2, decode_responses=True)


class RedisClusterServers:
    """A Redis Cluster on loopback: ``masters`` masters (the 16384 slots split evenly), each with ``replicas``.

    Nodes fail over fast (``node_timeout_ms``) so a test can stop a master (``stop_master_of``) and watch a
    replica take over. ``url`` is the ``redis+cluster://`` URL of the masters.

    Example::

        from atomic_sdk import RedisTokenCache
        from atomic_sdk.testing import RedisClusterServers

        with RedisClusterServers() as cluster:
            cache = RedisTokenCache(cluster.url)
    """

    def __init__(
        self, executable: str | None = None, *, masters: int = 3, replicas: int = 1, node_timeout_ms: int = 1000
    ) -> None:
        if masters < 1 or replicas < 0:
            raise ValueError("a cluster needs at least one master and zero or more replicas per master")
        args = ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"]
        args += ["--cluster-node-timeout", str(node_timeout_ms)]

        self._bus_ports: dict[int, int] = {}

        def node() -> RedisServer:
            # The cluster bus gets its own free port (the default, port + 10000, may be taken or too high).
            bus = _free_port()
            server = RedisServer(executable, extra_args=[*args, "--cluster-port", str(bus)])
            self._bus_ports[server.port] = bus
            return server

        self.masters = [node() for _ in range(masters)]
        self.replicas = [node() for _ in range(masters * replicas)]
        self._replicas_per_master = replicas

    @property
    def nodes(self) -> list[RedisServer]:
        """Every node, masters first."""
        return [*self.masters, *self.replicas]

    @property
    def url(self) -> str:
        """``redis+cluster://127.0.0.1:<port>,…`` (the masters as startup nodes)."""
        return "redis+cluster://" + ",".join(f"127.0.0.1:{node.port}" for node in self.masters)

    def __repr__(self) -> str:
        return f"RedisClusterServers(ports={[node.port for node in self.nodes]})"

    def start(self) -> Self:
        """Start every node, assign the slots, join the nodes and wait until the cluster is ``ok``."""
        try:
            for node in self.nodes:
                node.start()
            self._form()
        except BaseException:
            self.close()
            raise
        return self

    def _form(self) -> None:
        total = 16384
        per = total // len(self.masters)
        for index, node in enumerate(self.masters):
            first = index * per
            last = total - 1 if index == len(self.masters) - 1 else first + per - 1
            _client(node.port).execute_command("CLUSTER", "ADDSLOTS", *range(first, last + 1))
        seed = _client(self.masters[0].port)
        for node in self.nodes[1:]:
            seed.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port, self._bus_ports[node.port])
        count = len(self.nodes)

        def all_known() -> bool:
            for node in self.nodes:
                lines = str(_client(node.port).execute_command("CLUSTER", "NODES")).splitlines()
                if len([line for line in lines if line.strip()]) < count:
                    return False
            return True

        _wait_for("the cluster nodes did not all meet", all_known)
        ids = [_client(node.port).execute_command("CLUSTER", "MYID") for node in self.masters]
        for index, replica in enumerate(self.replicas):
            master_id = ids[index // self._replicas_per_master]
            _wait_for(
                "a replica could not attach to its master",
                lambda replica=replica, master_id=master_id: _client(replica.port).execute_command(
                    "CLUSTER", "REPLICATE", master_id
                ),
            )

        def healthy() -> bool:
            for node in self.nodes:
                info = str(_client(node.port).execute_command("CLUSTER", "INFO"))
                if "cluster_state:ok" not in info:
                    return False
            for replica in self.replicas:
                if _client(replica.port).info("replication").get("master_link_status") != "up":
                    return False
            return True

        _wait_for("the cluster did not reach cluster_state:ok", healthy, timeout=30.0)

    def master_of(self, key: str) -> RedisServer:
        """The node currently serving ``key``'s slot as a master."""
        running = [node for node in self.nodes if node.running]
        if not running:
            raise RedisServerError("no cluster node is running")
        slot = int(_client(running[0].port).execute_command("CLUSTER", "KEYSLOT", key))
        for node in self.nodes:
            if not node.running:
                continue
            for first, last, *owners in _client(node.port).execute_command("CLUSTER", "SLOTS"):
                if int(first) <= slot <= int(last):
                    port = int(owners[0][1])
                    return next(server for server in self.nodes if server.port == port)
        raise RedisServerError(f"no running node serves slot {slot}")

    def wait_until_serving(self, key: str, timeout: float = 30.0) -> RedisServer:
        """Wait until a running master serves ``key`` (after a failover) and return it."""
        found: list[RedisServer] = []

        def serving() -> bool:
            node = self.master_of(key)
            if not node.running:
                return False
            found.append(node)
            return "cluster_state:ok" in str(_client(node.port).execute_command("CLUSTER", "INFO"))

        _wait_for(f"no running master took over the slot of {key!r}", serving, timeout=timeout)
        return found[-1]

    def close(self) -> None:
        """Stop every node (by PID) and delete their folders."""
        for node in self.nodes:
            node.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Sentinel(RedisServer):
    """``redis-server <config> --sentinel``: Sentinel mode needs a writable configuration file."""

    def __init__(self, executable: str | None, monitor: str) -> None:
        super().__init__(executable)
        self._monitor = monitor

    def _argv(self, folder: Path, log: Path) -> list[str]:
        config = folder / "sentinel.conf"
        config.write_text(
            f"port {self.port}\nbind 127.0.0.1\ndir {folder}\nlogfile {log}\ndaemonize no\n{self._monitor}"
        )
        return [self.executable, str(config), "--sentinel"]


class RedisSentinelServers:
    """A master, ``replicas`` replicas and ``sentinels`` Sentinels (quorum: a majority) watching it as ``service``.

    Failover is fast (``down_after_ms``) so a test can stop the master and watch a replica be promoted.
    ``url`` is the ``redis+sentinel://`` URL of the Sentinels.

    Example::

        from atomic_sdk import RedisTokenCache
        from atomic_sdk.testing import RedisSentinelServers

        with RedisSentinelServers() as group:
            cache = RedisTokenCache(group.url)
    """

    def __init__(
        self,
        executable: str | None = None,
        *,
        service: str = "atomic",
        replicas: int = 1,
        sentinels: int = 3,
        down_after_ms: int = 1000,
        failover_timeout_ms: int = 5000,
    ) -> None:
        self.service = service
        self.master = RedisServer(executable)
        self.replicas = [
            RedisServer(executable, extra_args=["--replicaof", "127.0.0.1", str(self.master.port)])
            for _ in range(replicas)
        ]
        quorum = sentinels // 2 + 1
        monitor = (
            f"sentinel monitor {service} 127.0.0.1 {self.master.port} {quorum}\n"
            f"sentinel down-after-milliseconds {service} {down_after_ms}\n"
            f"sentinel failover-timeout {service} {failover_timeout_ms}\n"
        )
        self.sentinels = [_Sentinel(executable, monitor) for _ in range(sentinels)]

    @property
    def url(self) -> str:
        """``redis+sentinel://127.0.0.1:<port>,…/<service>``."""
        hosts = ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)
        return f"redis+sentinel://{hosts}/{self.service}"

    def __repr__(self) -> str:
        return f"RedisSentinelServers(service={self.service!r}, master={self.master.port})"

    def start(self) -> Self:
        """Start the master, its replicas and the Sentinels; wait until every Sentinel knows the whole group."""
        try:
            self.master.start()
            for replica in self.replicas:
                replica.start()
            _wait_for(
                "the replicas did not sync with the master",
                lambda: all(
                    _client(replica.port).info("replication").get("master_link_status") == "up"
                    for replica in self.replicas
                ),
            )
            for sentinel in self.sentinels:
                sentinel.start()

            seen: dict[int, str] = {}

            def known() -> bool:
                ready = True
                for port, fields in self._sentinel_views():
                    others, replicas = int(fields.get("num-other-sentinels", 0)), int(fields.get("num-slaves", 0))
                    seen[port] = f"{others} other Sentinels, {replicas} replicas"
                    ready = ready and others >= len(self.sentinels) - 1 and replicas >= len(self.replicas)
                return ready

            try:
                _wait_for("the Sentinels did not discover each other and the replicas", known, timeout=60.0)
            except RedisServerError as exc:
                raise RedisServerError(f"{exc}; each Sentinel knew: {seen}") from None
        except BaseException:
            self.close()
            raise
        return self

    def master_port(self) -> int:
        """The port of the master the first Sentinel names (right after a failover the others may still
        disagree: see ``wait_for_failover``)."""
        host_port = _client(self.sentinels[0].port).execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service)
        return int(host_port[1])

    def wait_for_failover(self, old_master: int, timeout: float = 30.0) -> int:
        """Wait until every Sentinel names one new master, in good state, instead of ``old_master`` (a port);
        return its port. Raises ``RedisServerError`` after ``timeout`` seconds, with what each Sentinel said.

        A client asks the Sentinels in turn, so a failover is over for clients only when all of them agree.
        """
        said: dict[int, str] = {}
        ports: set[int | None] = set()

        def agreed() -> bool:
            ports.clear()
            for port, fields in self._sentinel_views():
                said[port] = f"port {fields['port']} ({fields['flags']})"
                # redis-py reads the flags as booleans; a master in good state is "master" alone.
                good = fields.get("is_master") and not fields.get("is_sdown") and not fields.get("is_odown")
                ports.add(int(fields["port"]) if good else None)
            return len(ports) == 1 and None not in ports and old_master not in ports

        try:
            _wait_for(f"the Sentinels did not agree on a master other than port {old_master}", agreed, timeout)
        except RedisServerError as exc:
            raise RedisServerError(f"{exc}; each Sentinel said: {said}") from None
        [port] = ports
        assert port is not None
        return port

    def _sentinel_views(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Each Sentinel's port and what it knows of ``service`` (``SENTINEL MASTER``, as redis-py reads it),
        one Sentinel at a time."""
        for sentinel in self.sentinels:
            with _client(sentinel.port) as client:
                yield sentinel.port, client.sentinel_master(self.service)

    def close(self) -> None:
        """Stop every process (by PID) and delete their folders."""
        for server in (*self.sentinels, *self.replicas, self.master):
            server.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
