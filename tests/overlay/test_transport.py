"""The deadline-aware sync transport: httpx's own HTTPTransport behaviour on a real loopback server (round
trip, streaming, keep-alive, exception mapping), each connect, read and write cut to the attempt's deadline,
for httpx/httpcore and, when installed, httpx2/httpcore2; and when the SDK mounts it at all."""

from __future__ import annotations

import datetime
import importlib
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from atomic_sdk import ApiConnectionError, AtomicClient, Credentials
from atomic_sdk._retries import ATTEMPT_DEADLINE
from atomic_sdk._transport import deadline_transport, with_deadline_transport
from support.atomic_server import AtomicServer, secret
from support.http_package import httpx as chosen

HEAD = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
DRIP = 0.05  # seconds between the bytes of /drip: 2 s for HEAD


class Server:
    """127.0.0.1 HTTP/1.1 with keep-alive, counting connections. ``/echo`` answers what it got as JSON,
    ``/chunks`` three chunks, ``/drip`` its head and body a byte at a time, ``/close`` closes unanswered."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                outer.connections += 1

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path == "/close":
                    self.close_connection = True
                elif self.path == "/drip":
                    for byte in HEAD:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(DRIP)
                elif self.path == "/chunks":
                    self.send_response(200)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for part in (b"one", b"two", b"three"):
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    seen = {"method": self.command, "path": self.path, "probe": self.headers["X-Probe"]}
                    reply = json.dumps({**seen, "body": body.decode()}).encode()
                    self.send_response(201)
                    self.send_header("Content-Length", str(len(reply)))
                    self.end_headers()
                    self.wfile.write(reply)

            do_GET = do_POST = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        if tls is not None:
            self._httpd.socket = tls.wrap_socket(self._httpd.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture(params=["httpx", "httpx2"])
def package(request: pytest.FixtureRequest) -> tuple[ModuleType, ModuleType]:
    """An HTTP package and its core package; httpx2 only where it is installed."""
    http = pytest.importorskip(request.param)
    return http, importlib.import_module({"httpx": "httpcore", "httpx2": "httpcore2"}[request.param])


def _client(package: tuple[ModuleType, ModuleType], **kwargs: Any) -> Any:
    http, core = package
    return http.Client(transport=deadline_transport(http, core), **kwargs)


@pytest.fixture
def deadline() -> Iterator[Any]:
    """Sets the attempt's deadline ``seconds`` from now, as ``send_within_deadline`` does."""
    tokens: list[Any] = []
    yield lambda seconds: tokens.append(ATTEMPT_DEADLINE.set(time.monotonic() + seconds))
    for token in reversed(tokens):
        ATTEMPT_DEADLINE.reset(token)


def test_a_request_and_its_response_make_the_round_trip(package: Any, server: Server) -> None:
    http, core = package
    assert isinstance(deadline_transport(http, core), http.BaseTransport)
    with _client(package) as client:
        response = client.post(server.url + "/echo?q=1", content=b"hello", headers={"X-Probe": "p"})
    assert (response.status_code, response.reason_phrase, response.http_version) == (201, "Created", "HTTP/1.1")
    assert response.json() == {"method": "POST", "path": "/echo?q=1", "probe": "p", "body": "hello"}


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder(subject_name=name, issuer_name=name, public_key=key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_https_is_verified_against_the_clients_verify(package: Any, tmp_path: Path) -> None:
    http, core = package
    cert_file, key_file = _certificate(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    server = Server(tls)
    try:
        with http.Client(
            transport=deadline_transport(http, core, verify=ssl.create_default_context(cafile=cert_file))
        ) as client:
            response = client.get(server.url + "/echo", headers={"X-Probe": "tls"})
            assert response.json()["probe"] == "tls"
            assert response.extensions["network_stream"].get_extra_info("ssl_object") is not None
        with (
            http.Client(transport=deadline_transport(http, core)) as client,
            pytest.raises(http.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
        ):
            client.get(server.url + "/echo")
    finally:
        server.close()


def test_a_streamed_body_arrives_in_its_chunks_and_the_connection_is_kept(package: Any, server: Server) -> None:
    with _client(package) as client:
        with client.stream("GET", server.url + "/chunks") as response:
            assert list(response.iter_raw()) == [b"one", b"two", b"three"]
        for _ in range(3):
            assert client.get(server.url + "/echo").status_code == 201
    assert server.connections == 1


def test_core_exceptions_become_the_packages_own(package: Any, server: Server) -> None:
    http, core = package
    with socket.socket() as unused, _client(package) as client:
        unused.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        cases = [
            ("ConnectError", f"http://127.0.0.1:{unused.getsockname()[1]}/", 5.0),
            ("RemoteProtocolError", server.url + "/close", 5.0),
            ("UnsupportedProtocol", "ftp://127.0.0.1/", 5.0),
            ("ReadTimeout", server.url + "/drip", 0.01),
        ]
        for name, url, timeout in cases:
            with pytest.raises(getattr(http, name)) as info:
                client.get(url, timeout=timeout)
            assert type(info.value) is getattr(http, name)
            assert type(info.value.__cause__) is getattr(core, name)


def test_the_deadline_cuts_the_status_line_short(package: Any, server: Server, deadline: Any) -> None:
    http, _ = package
    with _client(package, timeout=5.0) as client:
        deadline(0.5)
        started = time.monotonic()
        with pytest.raises(http.ReadTimeout, match="bounds the whole attempt"):
            client.get(server.url + "/drip")
        assert 0.45 < time.monotonic() - started < 1.5  # the head alone takes 2 s
        deadline(-1.0)  # already passed: no connection is even made
        with pytest.raises(http.ConnectTimeout, match="bounds the whole attempt"):
            client.get(server.url + "/echo")
    assert server.connections == 1


def test_without_a_deadline_each_read_is_bounded_as_in_httpx(package: Any, server: Server) -> None:
    with _client(package, timeout=0.3) as client:
        started = time.monotonic()
        assert client.get(server.url + "/drip").text == "ok"
    assert time.monotonic() - started > 1.5


def test_a_refused_connection_is_an_api_connection_error_after_its_retries(server: Server) -> None:
    with socket.socket() as unused, AtomicServer() as tokens:
        unused.bind(("127.0.0.1", 0))
        client = AtomicClient(
            base_url=f"http://127.0.0.1:{unused.getsockname()[1]}",
            token_url=tokens.token_url,
            credentials=Credentials("one-id", secret("one")),
            max_retries=1,
            sleep=lambda _: None,
        )
        with client, pytest.raises(ApiConnectionError) as info:
            client.environments.list_environments()
    assert isinstance(info.value.__cause__, chosen.ConnectError)  # the client's package (ATOMIC_HTTP_BACKEND)
    assert info.value.attempts == 2


def _proxy_env(monkeypatch: pytest.MonkeyPatch, **values: str) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_it_is_mounted_only_where_httpx_would_make_a_plain_transport(monkeypatch: pytest.MonkeyPatch) -> None:
    _proxy_env(monkeypatch, NO_PROXY="example.com")
    kwargs = with_deadline_transport(httpx, {"verify": False, "http2": False, "timeout": 3.0})
    assert isinstance(kwargs.pop("transport"), httpx.BaseTransport)
    assert kwargs == {"verify": False, "http2": False, "timeout": 3.0}
    mine = httpx.MockTransport(lambda request: httpx.Response(200))
    for own in ({"transport": mine}, {"mounts": {"all://": mine}}, {"proxy": "http://127.0.0.1:9"}):
        assert with_deadline_transport(httpx, own) == own
    # httpx takes the environment's proxies only when it makes its transports itself: they stand, as before
    # (test_proxy_rules: HTTP_PROXY and NO_PROXY carry API and token requests alike).
    _proxy_env(monkeypatch, HTTP_PROXY="http://127.0.0.1:9")
    assert with_deadline_transport(httpx, {}) == {}
    assert "transport" in with_deadline_transport(httpx, {"trust_env": False})
