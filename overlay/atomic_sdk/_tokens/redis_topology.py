"""Which Redis a RedisTokenCache talks to: a single server, a Cluster or a Sentinel-managed master.

Parses the cache's URL forms, builds redis-py's own clients for them (public API only: ``redis.Redis``,
``redis.cluster.RedisCluster``, ``redis.sentinel.Sentinel`` and their ``redis.asyncio`` twins), and names
a target for logs without its password.
"""

from collections.abc import Callable
from functools import partial
from typing import Any, Literal
from urllib.parse import unquote

from attrs import field, frozen

from .._errors import ConfigurationError

Kind = Literal["single", "cluster", "sentinel"]

DEFAULT_PORT = 6379
DEFAULT_SENTINEL_PORT = 26379
SCHEMES = (
    "redis://",
    "rediss://",
    "unix://",
    "redis+cluster://",
    "rediss+cluster://",
    "redis+sentinel://",
    "rediss+sentinel://",
)
_USAGE = (
    "RedisTokenCache url must be one of redis://[user:password@]host:port/db, rediss://… (TLS), unix:///path, "
    "redis+cluster://host:port[,host:port…] (a Redis Cluster), "
    "redis+sentinel://host:port[,host:port…]/service_name[/db] (a master found through Sentinel), "
    "or rediss+cluster:// / rediss+sentinel:// for TLS"
)


@frozen
class RedisTarget:
    """A parsed URL; ``password`` never appears in its repr."""

    kind: Kind
    url: str = field(repr=False)
    nodes: tuple[tuple[str, int], ...] = ()
    service: str | None = None
    db: int = 0
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    tls: bool = False

    def describe(self) -> str:
        """Where this is, for logs: hosts, service and db; never credentials."""
        hosts = ",".join(_host_port(host, port) for host, port in self.nodes)
        if self.kind == "cluster":
            return f"cluster {hosts}"
        if self.kind == "sentinel":
            return f"sentinel service {self.service!r} via {hosts}, db {self.db}"
        return "redis"


def parse_redis_url(url: str) -> RedisTarget:
    """A RedisTarget for ``url``; raises ConfigurationError (without the URL, which may hold a password)."""
    if not isinstance(url, str):
        raise ConfigurationError(f"RedisTokenCache url must be a string, got {type(url).__name__}")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or f"{scheme}://" not in SCHEMES:
        shown = scheme if sep and len(scheme) <= 20 and scheme.isprintable() else "none"
        raise ConfigurationError(f"{_USAGE} (the scheme given is {shown!r})")
    if scheme in ("redis", "rediss", "unix"):
        return RedisTarget(kind="single", url=url)
    kind: Kind = "cluster" if scheme.endswith("+cluster") else "sentinel"
    what = f"a {scheme}:// URL"
    netloc, _, path = rest.partition("/")
    if "?" in netloc or "?" in path or "#" in netloc or "#" in path:
        raise ConfigurationError(
            f"{what} takes no query or fragment; for other connection options pass your own client "
            "(client= / async_client=)"
        )
    userinfo, at, hostlist = netloc.rpartition("@")
    username: str | None = None
    password: str | None = None
    if at:
        user, colon, secret = userinfo.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
        if not colon and username is not None:
            # redis://secret@host means a password without a user, as redis-py reads it.
            username, password = None, username
    default_port = DEFAULT_PORT if kind == "cluster" else DEFAULT_SENTINEL_PORT
    nodes = tuple(_parse_node(item, default_port, what) for item in hostlist.split(","))
    segments = [unquote(part) for part in path.split("/")] if path else []
    while segments and segments[-1] == "":
        segments.pop()
    if kind == "cluster":
        if segments not in ([], ["0"]):
            raise ConfigurationError(f"{what} has no database path: a Redis Cluster has database 0 only")
        return RedisTarget(kind, url, nodes, None, 0, username, password, scheme.startswith("rediss"))
    if not segments or len(segments) > 2 or not segments[0]:
        raise ConfigurationError(f"{what} needs the master's service name: redis+sentinel://host:port/service[/db]")
    db = 0
    if len(segments) == 2:
        if not segments[1].isdigit():
            raise ConfigurationError(f"{what}: the database after the service name must be a number")
        db = int(segments[1])
    return RedisTarget(kind, url, nodes, segments[0], db, username, password, scheme.startswith("rediss"))


def _parse_node(item: str, default_port: int, what: str) -> tuple[str, int]:
    item = item.strip()
    if item.startswith("["):
        host, bracket, tail = item[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise ConfigurationError(f"{what} has a malformed IPv6 host (write [addr]:port)")
        port_text = tail[1:]
    else:
        host, _, port_text = item.partition(":")
    if not host:
        raise ConfigurationError(f"{what} lists an empty host (write host:port[,host:port…])")
    if not port_text:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigurationError(f"{what} has a port that is not a number in 1–65535")
    return host, int(port_text)


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def build_clients(
    target: RedisTarget, socket_timeout: float
) -> tuple[Callable[[], Any], Callable[[], Any], Callable[[Any], None], Callable[[Any], Any]]:
    """(sync factory, async factory, sync close, async close) for a URL target.

    The clients fail fast (short timeouts, no redis-py retries): the cache notices an outage at once and
    falls back to memory. The factories connect lazily (a Cluster client only on its first use), so a
    cache can be built while Redis is down.
    """
    import redis
    import redis.asyncio
    import redis.asyncio.retry
    import redis.backoff
    import redis.retry

    # redis-py's packages as Any: their stubs differ between the supported versions (5.0 to 8).
    redis_mod: Any = redis
    timeouts = {"socket_timeout": socket_timeout, "socket_connect_timeout": socket_timeout}
    user, password, tls = target.username, target.password, target.tls

    def no_backoff(package: Any, attempts: int) -> Any:
        return package.retry.Retry(redis_mod.backoff.NoBackoff(), attempts)

    # One factory per kind, given redis-py's sync package or its redis.asyncio twin.
    if target.kind == "single":

        def make(package: Any) -> Any:
            return package.Redis.from_url(target.url, retry=no_backoff(package, 0), **timeouts)

    elif target.kind == "cluster":
        import redis.asyncio.cluster
        import redis.cluster

        # A Cluster client retries a failed command twice on another node after refreshing its slot map: it
        # asks a "default" node for the command table when built, and that node may be a dead shard still in
        # the map (before its failover). A dead shard's own keys fail after those retries, fast (connection
        # refused) or within 3 socket timeouts, and the cache then leaves that node alone for outage_retry.
        # redis-py 6 moved these retries into ``retry``; before, cluster_error_retry_attempts counted them.
        legacy = _major(redis_mod.__version__) < 6
        cluster_retries: dict[str, Any] = {"cluster_error_retry_attempts": 3} if legacy else {}

        def make(package: Any) -> Any:
            return package.cluster.RedisCluster(
                startup_nodes=[package.cluster.ClusterNode(host, port) for host, port in target.nodes],
                username=user,
                password=password,
                ssl=tls,
                retry=no_backoff(package, 0 if legacy else 2),
                **cluster_retries,
                **timeouts,
            )

    else:
        import redis.asyncio.sentinel
        import redis.sentinel

        # The sentinels themselves: same timeouts and TLS as the master; the URL's password is the master's.
        sentinel_kwargs = {"ssl": tls, **timeouts}

        def make(package: Any) -> Any:
            sentinels = package.sentinel.Sentinel(list(target.nodes), sentinel_kwargs=sentinel_kwargs, **timeouts)
            return sentinels.master_for(
                target.service, db=target.db, username=user, password=password, ssl=tls, retry=no_backoff(package, 0)
            )

    # A Sentinel master's client also closes its connections to the sentinels (other clients have none).
    def close(client: Any) -> None:
        client.close()
        for sentinel in _sentinels_of(client):
            sentinel.close()

    async def aclose(client: Any) -> None:
        await client.aclose()
        for sentinel in _sentinels_of(client):
            await sentinel.aclose()

    return partial(make, redis_mod), partial(make, redis_mod.asyncio), close, aclose


def _major(version: str) -> int:
    head = version.split(".", 1)[0]
    return int(head) if head.isdigit() else 0


def _sentinels_of(client: Any) -> list[Any]:
    manager = getattr(getattr(client, "connection_pool", None), "sentinel_manager", None)
    return list(getattr(manager, "sentinels", []) or [])


def kind_of(client: Any) -> Kind:
    """The topology of a redis-py client passed in (sync or async)."""
    import redis.asyncio.cluster
    import redis.cluster

    if isinstance(client, (redis.cluster.RedisCluster, redis.asyncio.cluster.RedisCluster)):
        return "cluster"
    if getattr(getattr(client, "connection_pool", None), "service_name", None) is not None:
        return "sentinel"
    return "single"


def describe_client(client: Any) -> str:
    """host:port/db of a redis-py client (a Cluster's nodes, a Sentinel's service and hosts), never a password."""
    kind = kind_of(client)
    if kind == "cluster":
        try:
            names = sorted(node.name for node in client.get_nodes())
        except Exception:  # noqa: BLE001 - an async Cluster knows its nodes only after its first command
            names = []
        return f"cluster {','.join(names) or '(nodes not yet known)'}"
    pool: Any = getattr(client, "connection_pool", None)
    if kind == "sentinel":
        hosts = []
        for sentinel in _sentinels_of(client):
            kwargs = getattr(getattr(sentinel, "connection_pool", None), "connection_kwargs", {})
            hosts.append(_host_port(str(kwargs.get("host", "?")), int(kwargs.get("port", 0) or 0)))
        db = getattr(pool, "connection_kwargs", {}).get("db", 0)
        return f"sentinel service {pool.service_name!r} via {','.join(hosts) or '?'}, db {db}"
    try:
        kwargs = pool.connection_kwargs
    except AttributeError:
        return "redis"
    if kwargs.get("path"):
        return f"unix:{kwargs['path']}"
    return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}/{kwargs.get('db', 0)}"
