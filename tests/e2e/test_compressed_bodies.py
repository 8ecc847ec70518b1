"""Bodies compressed both ways: request bodies as the Go SDK sends every body (gzip, and plain again
after a 415), and answers compressed for clients that accept it, as Graph's are."""
import gzip
import json
import tempfile
import zlib

import pytest

from conftest import Server

BODY = json.dumps({"deviceName": "compressed", "installState": "failed"}).encode()



def send(server, path, data, coding):
    return server.request("POST", path, data=data, headers={"Content-Type": "application/json", "Content-Encoding": coding})


@pytest.mark.parametrize("coding, data", [
    ("gzip", gzip.compress(BODY)),
    ("x-gzip", gzip.compress(BODY)),
    ("GZIP", gzip.compress(BODY)),
    ("deflate", zlib.compress(BODY)),
    ("identity", BODY),
    ("gzip, identity", gzip.compress(BODY)),
    ("deflate, gzip", gzip.compress(zlib.compress(BODY))),  # applied in the order listed
])
def test_compressed_bodies_are_read(server, coding, data):
    created = send(server, server.new_app() + "/deviceStatuses", data, coding)
    assert created.status_code == 201, created.text
    assert created.json()["deviceName"] == "compressed"


@pytest.mark.parametrize("coding, data, status, message", [
    ("br", b"\x0b\x02\x80", 415, "Content-Encoding 'br' is not supported"),
    ("gzip", b"{\"deviceName\": \"plain\"}", 400, "not valid gzip data"),
    ("gzip", gzip.compress(BODY)[:-6], 400, "not valid gzip data"),  # cut short
    ("gzip", gzip.compress(BODY) + b"junk", 400, "not valid gzip data"),
    ("deflate", gzip.compress(BODY), 400, "not valid deflate data"),
    ("gzip", gzip.compress(b" " * (4 * 1024 * 1024 + 1)), 413, "decompressed, is larger than the limit"),
], ids=["unsupported", "not-compressed", "truncated", "trailing-data", "wrong-format", "bomb"])
def test_bodies_that_cannot_be_decoded_get_graph_errors(server, coding, data, status, message):
    r = send(server, server.new_app() + "/deviceStatuses", data, coding)
    assert r.status_code == status, r.text
    assert message in r.json()["error"]["message"]
    if status == 415:
        assert r.headers["Accept-Encoding"] == "gzip, deflate"


def raw_get(server, path, accept_encoding, method="GET"):
    """The answer to `path` with its body as sent (not decoded by `requests`)."""
    r = server.request(method, path, headers={"Accept-Encoding": accept_encoding}, stream=True)
    return r, r.raw.read(decode_content=False)


def a_page(server):
    """The path of a page of statuses whose JSON is well over the size compressed (1 KiB)."""
    app = server.new_app()
    requests = [{"id": str(i), "method": "POST", "url": app.removeprefix("/beta") + "/deviceStatuses",
                 "headers": {"Content-Type": "application/json"},
                 "body": {"deviceName": f"device {i}", "installState": "installed"}} for i in range(20)]
    assert server.post("/beta/$batch", {"requests": requests}).status_code == 200
    return app + "/deviceStatuses"


@pytest.mark.parametrize("accept_encoding, coding", [
    ("gzip", "gzip"),
    ("deflate", "deflate"),
    ("gzip, deflate, br, zstd", "gzip"),  # httpx's and browsers' offer: the first we have
    ("br;q=1.0, deflate;q=0.8, gzip;q=0.5", "deflate"),  # the weights decide
    ("*", "gzip"),
    ("gzip;q=0, *;q=0.1", "deflate"),  # refused by name, accepted as any
    ("x-gzip", "gzip"),
    ("br", None),
    ("gzip;q=0, deflate;q=0", None),
    ("identity", None),
], ids=["gzip", "deflate", "browser", "weights", "any", "refused-then-any", "x-gzip", "only-br", "all-refused", "identity"])
def test_answers_are_compressed_as_the_client_accepts(server, accept_encoding, coding):
    path = a_page(server)
    plain, plain_body = raw_get(server, path, "identity")
    assert "content-encoding" not in plain.headers and len(plain_body) > 1024
    r, sent = raw_get(server, path, accept_encoding)
    assert r.status_code == 200
    assert r.headers.get("Content-Encoding") == coding
    assert r.headers["Vary"] == "Accept-Encoding"
    assert int(r.headers["Content-Length"]) == len(sent)
    decoded = {"gzip": gzip.decompress, "deflate": zlib.decompress, None: lambda b: b}[coding](sent)
    assert json.loads(decoded)["value"] == json.loads(plain_body)["value"]
    if coding:
        assert len(sent) < len(plain_body) / 3
    # HEAD is GET without the body: the same Content-Encoding and Content-Length.
    head, nothing = raw_get(server, path, accept_encoding, method="HEAD")
    assert nothing == b""
    assert head.headers.get("Content-Encoding") == coding
    assert head.headers["Content-Length"] == r.headers["Content-Length"]


def test_small_answers_and_errors_go_as_they_are(server):
    statuses = server.new_app() + "/deviceStatuses"
    created = server.post(statuses, {"deviceName": "small", "installState": "installed"}).json()
    r, sent = raw_get(server, f"{statuses}/{created['id']}", "gzip")
    assert r.status_code == 200 and "content-encoding" not in r.headers and json.loads(sent)["deviceName"] == "small"
    assert len(sent) < 1024 and r.headers["Vary"] == "Accept-Encoding"
    r, sent = raw_get(server, statuses + "/nope", "gzip")
    assert r.status_code == 404 and "content-encoding" not in r.headers and json.loads(sent)["error"]["code"]


def test_compression_can_be_turned_off():
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--no-compress-responses").start()
        try:
            r, sent = raw_get(server, a_page(server), "gzip, deflate")
            assert r.status_code == 200 and "content-encoding" not in r.headers and "vary" not in r.headers
            assert len(json.loads(sent)["value"]) == 20
        finally:
            server.stop()
