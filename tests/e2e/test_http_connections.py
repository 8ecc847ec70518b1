"""The HTTP connection itself, byte by byte: `Expect: 100-continue`, requests that are not HTTP,
and connections that go quiet."""
import json
import resource
import socket
import ssl
import tempfile
import urllib.parse

import h2.config
import h2.connection
import h2.events
import pytest

from conftest import Server

WAIT = 10  # seconds a test waits for an answer that must come; a missing one fails, never hangs


class Connection:
    """A raw HTTP/1.1 connection to the server."""

    def __init__(self, server=None, over=None):
        """A new connection to `server`, or one `over` a socket already open (e.g. with TLS)."""
        if over is None:
            url = urllib.parse.urlsplit(server.url)
            over = socket.create_connection((url.hostname, url.port), timeout=WAIT)
        self.socket = over
        self.buffer = b""

    def send(self, data):
        self.socket.sendall(data)

    def read_response(self, to_head=False):
        """(status, headers, body) of the next response on the connection (`to_head`: a HEAD request's,
        which has no body whatever its Content-Length says)."""
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        length = 0 if to_head else int(headers.get("content-length", "0"))
        while len(self.buffer) < length:
            self._fill()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body

    def closed_by_server(self):
        """True once the server closes the connection (reads until then, at most WAIT seconds)."""
        try:
            while self.socket.recv(65536):
                pass
            return True
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True

    def rest_until_closed(self):
        """What the server sends before it closes the connection (None if it does not within WAIT)."""
        rest = self.buffer
        try:
            while chunk := self.socket.recv(65536):
                rest += chunk
        except (socket.timeout, TimeoutError):
            return None
        except ConnectionResetError:
            pass
        self.buffer = b""
        return rest

    def _fill(self):
        chunk = self.socket.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed; had {self.buffer[:300]!r}")
        self.buffer += chunk

    def close(self):
        self.socket.close()


def post_head(server, path, length, *extra):
    return (f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {server.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {length}\r\n" + "".join(h + "\r\n" for h in extra) + "\r\n").encode()



def assert_graph_error(status, headers, body, expected_status, message_part):
    assert status == expected_status, body
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert message_part in error["message"], error
    assert error["innerError"]["request-id"] == headers["request-id"]


def test_expect_100_continue_is_answered_before_the_body(server):
    """curl (large bodies) and Windows PowerShell's Invoke-RestMethod (every POST) send the body only
    after `100 Continue`, or after waiting for it in vain."""
    path = server.new_app() + "/deviceStatuses"
    body = json.dumps({"deviceName": "x" * 3000, "installState": "failed"}).encode()
    c = Connection(server)
    try:
        for _ in range(2):  # and again on the same connection
            c.send(post_head(server, path, len(body), "Expect: 100-continue"))
            status, _, _ = c.read_response()  # before any byte of the body
            assert status == 100
            c.send(body)
            status, _, created = c.read_response()
            assert status == 201, created
            assert json.loads(created)["deviceName"] == "x" * 3000
    finally:
        c.close()



def test_head_is_get_without_the_body(server):
    path = "/beta/deviceAppManagement/mobileApps"
    server.new_app()
    get = server.get(path, headers={"Accept-Encoding": "identity"})  # as the raw requests below
    c = Connection(server)
    try:
        for _ in range(2):  # and the connection goes on after it
            host = urllib.parse.urlsplit(server.url).netloc  # the same @odata.context, so the same length
            c.send(f"HEAD {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {server.token}\r\n\r\n".encode())
            status, headers, _ = c.read_response(to_head=True)
            assert status == 200
            assert headers["content-length"] == get.headers["Content-Length"]
            assert headers["content-type"] == get.headers["Content-Type"]
        c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response()[2] == b"ok"
    finally:
        c.close()
    assert server.request("HEAD", path, headers={"Authorization": ""}).status_code == 401


def test_a_body_declared_over_the_limit_is_refused_unsent(server):
    path = server.new_app() + "/deviceStatuses"
    c = Connection(server)
    try:
        c.send(post_head(server, path, 5 * 1024 * 1024, "Expect: 100-continue"))
        assert_graph_error(*c.read_response(), 413, "larger than the limit of 4194304 bytes")
    finally:
        c.close()
    # Without Expect the same answer, from the header alone.
    c = Connection(server)
    try:
        c.send(post_head(server, path, 5 * 1024 * 1024))
        assert_graph_error(*c.read_response(), 413, "larger than the limit")
    finally:
        c.close()


@pytest.mark.parametrize("request_bytes, message", [
    (b"GARBAGE\r\n\r\n", "invalid HTTP method"),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "invalid character in header"),
    (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n", "larger than the limit of 81920 bytes"),
    (b"GET /beta/deviceAppManagement?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", "larger than the limit of 81920 bytes"),
    (b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n", "invalid HTTP version"),
    (b"POST /health/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", "not valid HTTP/1.1"),
], ids=["not-a-method", "broken-header", "header-over-limit", "url-over-limit", "version", "two-lengths"])
def test_requests_that_are_not_http_get_graph_errors_and_a_closed_connection(server, request_bytes, message):
    c = Connection(server)
    try:
        c.send(request_bytes)
        status, headers, body = c.read_response()
        assert_graph_error(status, headers, body, 400, message)
        assert headers["connection"] == "close"
        assert c.closed_by_server()
    finally:
        c.close()


def test_a_broken_request_pipelined_behind_good_ones_is_answered_after_them(server):
    c = Connection(server)
    try:
        c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n")
        assert c.read_response()[0] == 200
        assert c.read_response()[0] == 200
        assert_graph_error(*c.read_response(), 400, "invalid HTTP method")
        assert c.closed_by_server()
    finally:
        c.close()


def tls_connection(tls_server, alpn):
    """A raw connection to `tls_server` over TLS, with `alpn` offered."""
    context = ssl.create_default_context(cafile=tls_server.ca)
    context.set_alpn_protocols([alpn])
    url = urllib.parse.urlsplit(tls_server.url)
    tls = context.wrap_socket(socket.create_connection((url.hostname, url.port), timeout=WAIT), server_hostname=url.hostname)
    assert tls.selected_alpn_protocol() == alpn
    return Connection(over=tls)


HEALTH_10 = b"GET /health HTTP/1.0\r\n\r\n"
HEALTH_11 = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.mark.parametrize("requests, connection_headers", [
    # HTTP/1.0 closes unless the client asks for keep-alive, and then the answer says it is kept.
    ([HEALTH_10], ["close"]),
    ([b"GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", HEALTH_10], ["keep-alive", "close"]),
    # HTTP/1.1 keeps it unless told `close` (a token, in any case, among others).
    ([HEALTH_11, HEALTH_11, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: TE, Close\r\nTE: trailers\r\n\r\n"],
     [None, None, "close"]),
    # A request pipelined behind one that closes is not answered (RFC 9112 §9.6), in either version.
    ([HEALTH_11, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + HEALTH_11], [None, "close"]),
    ([HEALTH_10 + HEALTH_10], ["close"]),
    # `Expect: 100-continue` answered first; the final answer carries the connection's fate.
    ([b"POST /health/echo HTTP/1.0\r\nExpect: 100-continue\r\nContent-Type: application/json\r\n"
      b"Content-Length: 2\r\n\r\n{}"], ["close"]),
], ids=["1.0", "1.0-keep-alive", "1.1-close-token", "1.1-pipelined-after-close", "1.0-pipelined", "1.0-expect"])
@pytest.mark.parametrize("over", ["http", "https"])
def test_a_connection_is_kept_or_closed_as_http_1_says(request, over, requests, connection_headers):
    """RFC 9112 §9.3: each response says `Connection: close` when the connection ends after it (and it
    does end, without waiting for the idle timeout) and `keep-alive` to an HTTP/1.0 client that asked."""
    if over == "http":
        c = Connection(request.getfixturevalue("server"))
    else:
        c = tls_connection(request.getfixturevalue("tls_server"), "http/1.1")
    try:
        for request in requests:
            c.send(request)
        for expected in connection_headers:
            status, headers, body = c.read_response()
            while status == 100:
                status, headers, body = c.read_response()
            assert status == 200, body
            assert headers.get("connection") == expected, headers
        if connection_headers[-1] == "close":
            assert c.rest_until_closed() == b""  # nothing more, then the end
        else:
            c.send(HEALTH_11)
            assert c.read_response()[2] == b"ok"
    finally:
        c.close()


def test_quiet_connections_are_closed_after_the_idle_timeout():
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--idle-timeout", "1").start()
        try:
            path = server.new_app() + "/deviceStatuses"
            idle = Connection(server)  # between requests
            idle.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert idle.read_response()[0] == 200
            stalled_head = Connection(server)
            stalled_head.send(b"GET /health HTTP/1.1\r\nHo")
            stalled_body = Connection(server)
            stalled_body.send(post_head(server, path, 100) + b'{"deviceName":')
            for c in (idle, stalled_head, stalled_body):
                assert c.closed_by_server()
                c.close()
            # A connection in use is not: a request after a pause shorter than the timeout is answered.
            busy = Connection(server)
            busy.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert busy.read_response()[0] == 200
            busy.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert busy.read_response()[0] == 200
            busy.close()
            assert server.get("/health").status_code == 200
        finally:
            server.stop()



def test_quiet_tls_connections_are_closed_too():
    """Below HTTP: a TCP connection that never starts its TLS handshake, and an HTTP/2 connection that
    opens no stream and ignores the GOAWAY it gets when idle, are closed (after the idle timeout and as
    much again for a graceful close)."""
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--tls", "auto", "--idle-timeout", "1").start()
        try:
            url = urllib.parse.urlsplit(server.url)
            no_handshake = socket.create_connection((url.hostname, url.port), timeout=WAIT)
            context = ssl.create_default_context(cafile=server.ca)
            context.set_alpn_protocols(["h2"])
            silent_h2 = context.wrap_socket(socket.create_connection((url.hostname, url.port), timeout=WAIT),
                                            server_hostname=url.hostname)
            assert silent_h2.selected_alpn_protocol() == "h2"
            for c in (Connection(over=no_handshake), Connection(over=silent_h2)):
                assert c.closed_by_server()
                c.close()
            assert server.get("/health").status_code == 200
        finally:
            server.stop()


def test_expect_100_continue_over_http2(tls_server):
    path = tls_server.new_app() + "/deviceStatuses"
    context = ssl.create_default_context(cafile=tls_server.ca)
    context.set_alpn_protocols(["h2"])
    url = urllib.parse.urlsplit(tls_server.url)
    with socket.create_connection((url.hostname, url.port), timeout=WAIT) as raw:
        with context.wrap_socket(raw, server_hostname=url.hostname) as tls:
            assert tls.selected_alpn_protocol() == "h2"
            conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True))
            conn.initiate_connection()
            body = json.dumps({"deviceName": "over h2", "installState": "installed"}).encode()
            conn.send_headers(1, [(":method", "POST"), (":path", path), (":scheme", "https"), (":authority", url.netloc),
                                  ("authorization", f"Bearer {tls_server.token}"), ("content-type", "application/json"),
                                  ("content-length", str(len(body))), ("expect", "100-continue")])
            tls.sendall(conn.data_to_send())
            statuses, data, done = [], b"", False
            while not done:
                chunk = tls.recv(65536)
                assert chunk, "connection closed"
                for event in conn.receive_data(chunk):
                    if isinstance(event, (h2.events.InformationalResponseReceived, h2.events.ResponseReceived)):
                        statuses.append(dict(event.headers)[b":status"])
                        if statuses == [b"100"]:
                            conn.send_data(1, body, end_stream=True)
                    elif isinstance(event, h2.events.DataReceived):
                        data += event.data
                        conn.acknowledge_received_data(event.flow_controlled_length, 1)
                    elif isinstance(event, h2.events.StreamEnded):
                        done = True
                tls.sendall(conn.data_to_send())
            assert statuses == [b"100", b"201"], (statuses, data)
            assert json.loads(data)["deviceName"] == "over h2"


def test_more_connections_than_a_default_soft_file_limit_are_served():
    """Started with the common soft limit lowered (here 256) under a higher hard one, the server raises
    its own to the hard one, and serves more connections at once than the soft limit allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < 2048:
        pytest.skip(f"the hard open-files limit here is {hard}")
    with tempfile.TemporaryDirectory() as data_dir:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        try:
            server = Server(data_dir).start()
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
        connections = []
        try:
            with open(f"/proc/{server.process.pid}/limits") as f:
                line = next(line for line in f if line.startswith("Max open files"))
            assert line.split()[3] == str(hard), line
            connections = [Connection(server) for _ in range(600)]
            for c in connections:
                c.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            for c in connections:
                assert c.read_response()[0] == 200
        finally:
            for c in connections:
                c.close()
            server.stop()
