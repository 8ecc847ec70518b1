"""Request bodies sent compressed, as the Go SDK sends every body (gzip, and plain again after a 415)."""
import gzip
import json
import zlib

import pytest

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

