"""Deleting an app with many statuses: 204 at once, gone for every request, purged after (in the
background on SQLite, whose single writer other writes would otherwise wait behind; at once on
PostgreSQL), also across a crash."""
import re
import tempfile
import time

import pytest
import requests

from conftest import BACKEND, Server

STATUSES = 1_200  # more than a delete purges at once (1,000 contained rows)


def pending_purges(server):
    """What `statusgraph_store_purges_pending` says (SQLite's background purges), or None without it."""
    m = re.search(r"^statusgraph_store_purges_pending (\S+)$", requests.get(server.url + "/metrics", timeout=30).text, re.M)
    return float(m.group(1)) if m else None


def fill(server, app, n):
    for start in range(0, n, 20):
        body = {"requests": [{"id": str(k), "method": "POST", "url": app.removeprefix("/beta") + "/deviceStatuses",
                              "headers": {"Content-Type": "application/json"},
                              "body": {"deviceName": f"D{start + k}", "installState": "failed" if k % 3 else "installed"}}
                             for k in range(min(20, n - start))]}
        r = server.post("/beta/$batch", body)
        assert r.status_code == 200 and all(x["status"] == 201 for x in r.json()["responses"]), r.text


def expect_gone(server, app, other):
    assert server.get(app).status_code == 404
    for path in ["/deviceStatuses", "/deviceStatuses/$count", "/installSummary", "/userStatuses"]:
        r = server.get(app + path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "ResourceNotFound", (path, r.text)
    assert server.post(app + "/deviceStatuses", {"deviceName": "late"}).status_code == 404
    assert server.delete(app).status_code == 404
    listed = server.get("/beta/deviceAppManagement/mobileApps?$count=true").json()
    assert [a["id"] for a in listed["value"]] == [other.rsplit("/", 1)[1]] and listed["@odata.count"] == 1
    assert server.get(other + "/deviceStatuses/$count").text == "3"


def wait_for_purges(server):
    deadline = time.time() + 120
    while (n := pending_purges(server)) and time.time() < deadline:
        time.sleep(0.1)
    assert n in (0, None), f"{n} purges still pending"


@pytest.fixture
def apps():
    """A server with metrics, an app of `STATUSES` statuses and another of 3."""
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--metrics").start()
        try:
            app, other = server.new_app(), server.new_app()
            fill(server, app, STATUSES)
            fill(server, other, 3)
            yield server, app, other
        finally:
            server.stop()


def test_a_big_delete_answers_at_once_and_takes_everything_inside(apps):
    server, app, other = apps
    user = server.post(app + "/userStatuses", {"userPrincipalName": "u@x"}).json()["id"]
    device = server.post(f"{app}/userStatuses/{user}/deviceStatuses", {"deviceName": "U"}).json()["id"]
    assert server.delete(app).status_code == 204
    if BACKEND == "sqlite":
        assert pending_purges(server) in (0, 1)
    expect_gone(server, app, other)
    assert server.get(f"{app}/userStatuses/{user}/deviceStatuses/{device}").status_code == 404
    wait_for_purges(server)
    expect_gone(server, app, other)


def test_a_purge_cut_short_by_a_crash_goes_on_at_the_next_start(apps):
    server, app, other = apps
    assert server.delete(app).status_code == 204
    server.restart(kill=True)
    expect_gone(server, app, other)
    wait_for_purges(server)
    expect_gone(server, app, other)
