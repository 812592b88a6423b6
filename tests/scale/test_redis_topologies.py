"""RedisTokenCache on a Redis Cluster (3 masters + 3 replicas) and on a Sentinel-managed master (1 replica,
3 Sentinels), each started here on 127.0.0.1 and stopped by PID: URLs, clients passed in, wrong topologies,
a dead shard, failovers, readable log targets, and no password anywhere."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator

import pytest
import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.asyncio.sentinel
import redis.cluster
import redis.sentinel
from atomic_sdk import AccessToken, ConfigurationError, Credentials, RedisTokenCache
from atomic_sdk.testing import RedisClusterServers, RedisSentinelServers, RedisServer, RedisServerError

NS = "atomic-sdk"
KEYS = [f"key-{i}" for i in range(12)]
CREDENTIALS = Credentials("topology-id", "topology-secret-Zq9")


def token(value: str, life: float = 3600.0) -> AccessToken:
    now = time.time()
    return AccessToken(value=value, expires_at=now + life, refresh_at=now + life - 60.0)


def bound(cache: RedisTokenCache) -> RedisTokenCache:
    for key in KEYS:
        cache.bind_credentials(key, CREDENTIALS)
    return cache


class Fetches:
    """A fetch callable factory that records which keys were fetched."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.keys: list[str] = []

    def __call__(self, key: str) -> Callable[[], AccessToken]:
        def fetch() -> AccessToken:
            self.keys.append(key)
            return token(f"{self.label}-{key}")

        return fetch


def token_key(key: str) -> str:
    return f"{NS}:{{{key}}}:token"


def started(factory: Callable[[], RedisClusterServers | RedisSentinelServers]) -> Iterator[object]:
    try:
        deployment = factory()
    except RedisServerError as exc:
        pytest.fail(f"{exc} (redis-server with cluster and sentinel modes is needed; scripts/test installs it)")
    with deployment:
        yield deployment


@pytest.fixture(scope="module")
def cluster() -> Iterator[RedisClusterServers]:
    """One Cluster for the tests that do not stop nodes."""
    yield from started(RedisClusterServers)  # type: ignore[misc]


@pytest.fixture(scope="module")
def sentinels() -> Iterator[RedisSentinelServers]:
    yield from started(RedisSentinelServers)  # type: ignore[misc]


def one_key_per_master(deployment: RedisClusterServers) -> dict[int, str]:
    keys: dict[int, str] = {}
    for key in KEYS:
        keys.setdefault(deployment.master_of(token_key(key)).port, key)
    assert len(keys) == len(deployment.masters), keys  # the hash tags spread over every shard
    return keys


# -- Cluster ----------------------------------------------------------------------------------------


def test_cluster_url_shares_every_key_between_processes_sync_and_async(cluster: RedisClusterServers) -> None:
    keys = list(one_key_per_master(cluster).values())
    first, second = Fetches("first"), Fetches("second")
    writer, reader = bound(RedisTokenCache(cluster.url)), bound(RedisTokenCache(cluster.url, namespace="other"))
    assert [writer.get_or_fetch(key, first(key), time.time).value for key in keys] == [f"first-{k}" for k in keys]
    again = bound(RedisTokenCache(cluster.url))
    assert [again.get_or_fetch(key, second(key), time.time).value for key in keys] == [f"first-{k}" for k in keys]
    assert (first.keys, second.keys) == (keys, [])

    async def from_async() -> list[str]:
        cache = bound(RedisTokenCache(cluster.url))

        async def fetch() -> AccessToken:
            raise AssertionError("the async reader must not fetch")

        try:
            return [(await cache.aget_or_fetch(key, fetch, time.time)).value for key in keys]
        finally:
            await cache.aclose()

    assert asyncio.run(from_async()) == [f"first-{k}" for k in keys]
    # One credential's keys live in one slot (its hash tag), so the token, lock and backoff share a node.
    node = redis.cluster.RedisCluster(host="127.0.0.1", port=cluster.masters[0].port)
    assert {node.keyslot(f"{NS}:{{{keys[0]}}}:{part}") for part in ("token", "lock", "backoff")} == {
        node.keyslot(token_key(keys[0]))
    }
    assert reader.get_or_fetch(keys[0], second(keys[0]), time.time).value == f"second-{keys[0]}"  # own namespace
    for cache in (writer, reader, again):
        cache.close()
    node.close()
    assert repr(writer) == f"RedisTokenCache(target='cluster {cluster.url.split('//')[1]}', namespace='atomic-sdk')"


def test_cluster_clients_passed_in_share_tokens_sync_and_async(cluster: RedisClusterServers) -> None:
    port = cluster.masters[1].port
    sync_client = redis.cluster.RedisCluster(host="127.0.0.1", port=port)
    fetches = Fetches("mine")
    cache = bound(RedisTokenCache(client=sync_client))
    assert cache.get_or_fetch("key-1", fetches("key-1"), time.time).value == "mine-key-1"
    assert repr(cache).startswith("RedisTokenCache(target='cluster 127.0.0.1:")

    async def from_async() -> str:
        async_client = redis.asyncio.cluster.RedisCluster(host="127.0.0.1", port=port)
        other = bound(
            RedisTokenCache(client=redis.cluster.RedisCluster(host="127.0.0.1", port=port), async_client=async_client)
        )

        async def fetch() -> AccessToken:
            raise AssertionError("must read the stored token")

        try:
            return (await other.aget_or_fetch("key-1", fetch, time.time)).value
        finally:
            await async_client.aclose()

    assert asyncio.run(from_async()) == "mine-key-1"
    assert fetches.keys == ["key-1"]
    sync_client.close()


def test_a_plain_url_at_a_cluster_node_is_a_configuration_error_naming_redis_cluster(
    cluster: RedisClusterServers,
) -> None:
    node = cluster.masters[0]
    elsewhere = next(key for key in KEYS if cluster.master_of(token_key(key)).port != node.port)
    cache = bound(RedisTokenCache(f"redis://127.0.0.1:{node.port}/0"))
    fetches = Fetches("x")
    with pytest.raises(ConfigurationError) as raised:
        cache.get_or_fetch(elsewhere, fetches(elsewhere), time.time)
    assert str(raised.value) == (
        f"Redis at 127.0.0.1:{node.port}/0 answered MOVED: it is a Redis Cluster node, which a plain client cannot "
        "use (each process would fetch its own tokens). Use redis+cluster://host:port[,host:port…] "
        "(or client=redis.cluster.RedisCluster(...))"
    )
    assert fetches.keys == []  # a misconfiguration is not an outage: no silent per-process fetching


def test_a_cluster_url_at_a_single_server_is_a_configuration_error(redis_server: RedisServer) -> None:
    cache = bound(RedisTokenCache(f"redis+cluster://127.0.0.1:{redis_server.port}"))
    with pytest.raises(ConfigurationError, match=r"is not a Cluster \(cluster mode is not enabled\): use redis://"):
        cache.get_or_fetch("key-0", Fetches("x")("key-0"), time.time)


def test_one_dead_shard_only_affects_its_keys_and_sharing_resumes_after_failover(
    caplog: pytest.LogCaptureFixture,
) -> None:
    for deployment in started(RedisClusterServers):
        assert isinstance(deployment, RedisClusterServers)
        by_master = one_key_per_master(deployment)
        first = Fetches("first")
        writer = bound(RedisTokenCache(deployment.url))
        for key in KEYS:
            writer.get_or_fetch(key, first(key), time.time)
        time.sleep(0.3)  # the replicas have the entries
        victim_port, victim_key = next(iter(by_master.items()))
        others = [key for key in KEYS if deployment.master_of(token_key(key)).port != victim_port]
        next(node for node in deployment.masters if node.port == victim_port).stop()

        survivor = Fetches("survivor")
        cache = bound(RedisTokenCache(deployment.url, outage_retry=0.5))
        with caplog.at_level(logging.INFO, logger="atomic_sdk"):
            # The dead shard's key is fetched locally (the call still succeeds) ...
            assert cache.get_or_fetch(victim_key, survivor(victim_key), time.time).value == f"survivor-{victim_key}"
            # ... while every key on the live shards is still shared: not a single fetch for them.
            assert [cache.get_or_fetch(key, survivor(key), time.time).value for key in others] == [
                f"first-{key}" for key in others
            ]
        assert survivor.keys == [victim_key]
        down = [r.getMessage() for r in caplog.records if "is unavailable" in r.getMessage()]
        assert len(down) == 1, down
        assert down[0].startswith(f"Redis token cache at cluster {deployment.url.split('//')[1]} (node ")

        deployment.wait_until_serving(token_key(victim_key))
        # After the failover a fresh process reads the promoted replica's copy: sharing is back for that key.
        late = Fetches("late")
        fresh = bound(RedisTokenCache(deployment.url))
        deadline = time.monotonic() + 20
        while True:
            value = fresh.get_or_fetch(victim_key, late(victim_key), time.time).value
            if not late.keys or time.monotonic() > deadline:
                break
            late.keys.clear()
            fresh = bound(RedisTokenCache(deployment.url))
            time.sleep(0.5)
        assert (value, late.keys) == (f"first-{victim_key}", [])
        # The long-lived cache follows the failover too, once its outage_retry for that node has passed.
        deadline = time.monotonic() + 15
        while True:
            cache._local.discard(victim_key, cache._local.peek(victim_key, time.time) or token("none"))
            if cache.get_or_fetch(victim_key, survivor(victim_key), time.time).value == f"first-{victim_key}":
                break
            assert time.monotonic() < deadline, "the long-lived cache did not follow the failover"
            time.sleep(0.3)
        for each in (writer, cache, fresh):
            each.close()


# -- Sentinel ---------------------------------------------------------------------------------------


def test_sentinel_url_shares_tokens_sync_and_async_with_a_readable_target(sentinels: RedisSentinelServers) -> None:
    first, second = Fetches("first"), Fetches("second")
    writer = bound(RedisTokenCache(sentinels.url))
    reader = bound(RedisTokenCache(sentinels.url + "/0"))
    assert writer.get_or_fetch("key-0", first("key-0"), time.time).value == "first-key-0"
    assert reader.get_or_fetch("key-0", second("key-0"), time.time).value == "first-key-0"

    async def from_async() -> str:
        cache = bound(RedisTokenCache(sentinels.url))

        async def fetch() -> AccessToken:
            raise AssertionError("must read the stored token")

        try:
            return (await cache.aget_or_fetch("key-0", fetch, time.time)).value
        finally:
            await cache.aclose()

    assert asyncio.run(from_async()) == "first-key-0"
    assert (first.keys, second.keys) == (["key-0"], [])
    hosts = ",".join(f"127.0.0.1:{s.port}" for s in sentinels.sentinels)
    assert (
        repr(writer)
        == f"RedisTokenCache(target=\"sentinel service 'atomic' via {hosts}, db 0\", namespace='atomic-sdk')"
    )
    assert redis.Redis(port=sentinels.master_port()).exists(token_key("key-0")) == 1
    writer.close()
    reader.close()


def test_sentinel_clients_passed_in_share_tokens(sentinels: RedisSentinelServers) -> None:
    nodes = [("127.0.0.1", s.port) for s in sentinels.sentinels]
    sync_client = redis.sentinel.Sentinel(nodes).master_for("atomic")
    fetches = Fetches("mine")
    cache = bound(RedisTokenCache(client=sync_client, namespace="passed-in"))
    assert cache.get_or_fetch("key-2", fetches("key-2"), time.time).value == "mine-key-2"
    assert "sentinel service 'atomic' via 127.0.0.1:" in repr(cache)

    async def from_async() -> str:
        async_client = redis.asyncio.sentinel.Sentinel(nodes).master_for("atomic")
        other = bound(RedisTokenCache(client=sync_client, async_client=async_client, namespace="passed-in"))

        async def fetch() -> AccessToken:
            raise AssertionError("must read the stored token")

        try:
            return (await other.aget_or_fetch("key-2", fetch, time.time)).value
        finally:
            await async_client.aclose()

    assert asyncio.run(from_async()) == "mine-key-2"
    assert fetches.keys == ["key-2"]


def test_a_plain_url_at_a_sentinel_is_a_configuration_error_naming_redis_sentinel(
    sentinels: RedisSentinelServers,
) -> None:
    port = sentinels.sentinels[0].port
    cache = bound(RedisTokenCache(f"redis://127.0.0.1:{port}/0"))
    with pytest.raises(ConfigurationError) as raised:
        cache.get_or_fetch("key-0", Fetches("x")("key-0"), time.time)
    message = str(raised.value)
    assert message.startswith(f"Redis at 127.0.0.1:{port}/0 does not run the commands a token cache needs (")
    assert message.endswith("if it is a Sentinel, use redis+sentinel://host:port[,host:port…]/service_name")


def test_an_unknown_sentinel_service_is_logged_with_service_and_hosts_and_calls_still_succeed(
    sentinels: RedisSentinelServers, caplog: pytest.LogCaptureFixture
) -> None:
    url = sentinels.url.rsplit("/", 1)[0] + "/no-such-service"
    cache = bound(RedisTokenCache(url))
    with caplog.at_level(logging.WARNING, logger="atomic_sdk"):
        assert cache.get_or_fetch("key-0", Fetches("own")("key-0"), time.time).value == "own-key-0"
    hosts = ",".join(f"127.0.0.1:{s.port}" for s in sentinels.sentinels)
    assert [r.getMessage().split(" is unavailable")[0] for r in caplog.records] == [
        f"Redis token cache at sentinel service 'no-such-service' via {hosts}, db 0"
    ]


def test_wait_for_failover_without_one_names_what_each_sentinel_said(sentinels: RedisSentinelServers) -> None:
    current = sentinels.master_port()
    with pytest.raises(RedisServerError) as raised:
        sentinels.wait_for_failover(current, timeout=0.3)
    said = ", ".join(f"{s.port}: 'port {current} (master)'" for s in sentinels.sentinels)
    assert str(raised.value) == (
        f"the Sentinels did not agree on a master other than port {current} within 0.3 s; "
        f"each Sentinel said: {{{said}}}"
    )


def test_sentinel_failover_the_promoted_replica_serves_the_shared_token(sentinels: RedisSentinelServers) -> None:
    # The module's group: the other Sentinel tests follow whichever master the Sentinels name.
    first = Fetches("first")
    writer = bound(RedisTokenCache(sentinels.url, namespace="failover", outage_retry=0.5))
    writer.get_or_fetch("key-0", first("key-0"), time.time)
    old_master = sentinels.master_port()
    # Replicated: WAIT returns once every replica acknowledged the writes so far (or after 5 s).
    with redis.Redis(port=old_master) as master:
        assert master.execute_command("WAIT", len(sentinels.replicas), 5000) == len(sentinels.replicas)
    next(node for node in (sentinels.master, *sentinels.replicas) if node.port == old_master).stop()
    # Failed over as a client sees it: every Sentinel (a client asks them in turn) names the new master.
    new_master = sentinels.wait_for_failover(old_master)
    assert new_master in {node.port for node in (sentinels.master, *sentinels.replicas)} - {old_master}
    late = Fetches("late")
    fresh = bound(RedisTokenCache(sentinels.url, namespace="failover"))
    assert fresh.get_or_fetch("key-0", late("key-0"), time.time).value == "first-key-0"
    assert late.keys == []
    # The long-lived cache follows the new master too (after its outage_retry): it shares a new key's token.
    deadline = time.monotonic() + 15
    while True:
        writer._local.discard("key-1", writer._local.peek("key-1", time.time) or token("none"))
        fetched = Fetches("writer")
        fresh.get_or_fetch("key-1", Fetches("fresh")("key-1"), time.time)
        if writer.get_or_fetch("key-1", fetched("key-1"), time.time).value == "fresh-key-1":
            break
        assert time.monotonic() < deadline, "the long-lived cache did not follow the failover"
        time.sleep(0.3)
    writer.close()
    fresh.close()


# -- URLs -------------------------------------------------------------------------------------------

SECRET = "pa:ss@w/rd%21"
QUOTED = "pa%3Ass%40w%2Frd%2521"


@pytest.mark.parametrize(
    ("url", "target"),
    [
        (f"redis+cluster://user:{QUOTED}@10.0.0.1:7000,10.0.0.2:7001", "cluster 10.0.0.1:7000,10.0.0.2:7001"),
        (f"rediss+cluster://:{QUOTED}@[::1]:7000,host-b", "cluster [::1]:7000,host-b:6379"),
        (
            f"redis+sentinel://{QUOTED}@s1:26379,s2:26380/mymaster/3",
            "sentinel service 'mymaster' via s1:26379,s2:26380, db 3",
        ),
        (f"rediss+sentinel://u:{QUOTED}@s1/svc", "sentinel service 'svc' via s1:26379, db 0"),
    ],
)
def test_new_url_forms_are_parsed_and_never_show_the_password(url: str, target: str) -> None:
    cache = RedisTokenCache(url)  # nothing connects yet
    assert repr(cache) == f"RedisTokenCache(target={target!r}, namespace='atomic-sdk')"
    assert str(cache) == repr(cache)
    assert SECRET not in repr(cache) and QUOTED not in repr(cache)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"redis+cluster://u:{QUOTED}@h:1/2", "a Redis Cluster has database 0 only"),
        (f"redis+cluster://u:{QUOTED}@h:1?ssl_cert_reqs=none", "takes no query or fragment"),
        (f"redis+cluster://u:{QUOTED}@h:99999", "port that is not a number in 1–65535"),
        (f"redis+cluster://u:{QUOTED}@,h:1", "lists an empty host"),
        (f"redis+sentinel://u:{QUOTED}@h:1", "needs the master's service name"),
        (f"redis+sentinel://u:{QUOTED}@h:1/svc/db", "the database after the service name must be a number"),
        (f"redis+sentinel://u:{QUOTED}@h:1/svc/0/extra", "needs the master's service name"),
        (f"redis+clusterr://u:{QUOTED}@h:1", "url must be one of redis://"),
        (f"rediss://u:{QUOTED}@h:notaport/0", "not a valid Redis URL"),
    ],
)
def test_malformed_urls_are_configuration_errors_without_the_password(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        RedisTokenCache(url)
    assert message in str(raised.value)
    assert SECRET not in str(raised.value) and QUOTED not in str(raised.value)
    assert (
        raised.value.__cause__ is None
        and raised.value.__context__ is None
        or SECRET not in repr(raised.value.__context__)
    )


def test_cluster_and_sentinel_outage_logs_never_show_the_password(caplog: pytest.LogCaptureFixture) -> None:
    with socket_closed() as port:
        for url in (
            f"redis+cluster://u:{QUOTED}@127.0.0.1:{port}",
            f"redis+sentinel://u:{QUOTED}@127.0.0.1:{port}/svc",
        ):
            cache = bound(RedisTokenCache(url, socket_timeout=0.2))
            with caplog.at_level(logging.DEBUG, logger="atomic_sdk"):
                assert cache.get_or_fetch("key-0", Fetches("own")("key-0"), time.time).value == "own-key-0"
                assert cache.get_or_fetch("key-1", Fetches("own")("key-1"), time.time).value == "own-key-1"
    assert "is unavailable" in caplog.text
    assert SECRET not in caplog.text and QUOTED not in caplog.text


class socket_closed:
    """A loopback port nobody listens on."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        return port

    def __exit__(self, *exc: object) -> None:
        return None
