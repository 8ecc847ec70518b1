"""`statusgraph export` and `import`: a store moved whole, between data directories and backends."""
import os
import subprocess
import tempfile

import pytest

from conftest import BACKEND, BINARY, POSTGRES_URL, Server, fresh_database

APPS = "/beta/deviceAppManagement/mobileApps"
CONFIGS = "/v1.0/deviceAppManagement/mobileAppConfigurations"
PROVISIONING = "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations"


def run(*args, stdin=None):
    return subprocess.run([BINARY, *args], capture_output=True, timeout=300, input=stdin)


def store_args(server):
    """The options naming `server`'s store: its data directory, and its database if on PostgreSQL."""
    return ["--data-dir", server.data_dir] + (["--database", server.database] if server.database else [])


def fill(server):
    """A little of everything: apps of two types, statuses at both depths in mixed states, a
    configuration's statuses (v1.0), a provisioning configuration's binary payload."""
    app = server.post(APPS, {"@odata.type": "#microsoft.graph.win32LobApp", "displayName": "7-Zip ✓",
                             "applicableArchitectures": "x86,x64", "returnCodes": [{"returnCode": 0, "type": "success"}]}).json()["id"]
    server.post(APPS, {"@odata.type": "#microsoft.graph.webApp", "displayName": "Web", "appUrl": "https://contoso.example"})
    states = ["installed", "failed", "notInstalled", "pendingInstall", "installed"]
    batch = [{"id": str(i), "method": "POST", "url": f"/deviceAppManagement/mobileApps/{app}/deviceStatuses",
              "headers": {"Content-Type": "application/json"},
              "body": {"deviceName": f"PC-{i:02}", "installState": states[i % 5], "lastSyncDateTime": "2026-11-23T10:00:00.1234567Z"}}
             for i in range(20)]
    assert server.post("/beta/$batch", {"requests": batch}).status_code == 200
    user = server.post(f"{APPS}/{app}/userStatuses", {"userName": "Ada", "failedDeviceCount": 1}).json()["id"]
    server.post(f"{APPS}/{app}/userStatuses/{user}/deviceStatuses", {"deviceName": "Ada's", "installState": "failed"})
    cfg = server.post(CONFIGS, {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "Settings", "version": 3}).json()["id"]
    for status in ["compliant", "error", "nonCompliant"]:
        server.post(f"{CONFIGS}/{cfg}/userStatuses", {"userDisplayName": status, "status": status, "devicesCount": 1})
    server.post(PROVISIONING, {"@odata.type": "#microsoft.graph.iosLobAppProvisioningConfiguration", "displayName": "Profile",
                               "payloadFileName": "p.mobileprovision", "payload": "AAEC/w=="})
    return app, user, cfg


def snapshot(server, app, user, cfg):
    """What clients read, without what names the server (its URL in @odata.context)."""
    paths = [APPS, f"{APPS}/{app}/deviceStatuses?$orderby=deviceName", f"{APPS}/{app}/userStatuses",
             f"{APPS}/{app}/userStatuses/{user}/deviceStatuses", f"{APPS}/{app}/installSummary", CONFIGS,
             f"{CONFIGS}/{cfg}/userStatuses", f"{CONFIGS}/{cfg}/userStatusSummary", PROVISIONING]
    answers = {}
    for path in paths:
        r = server.get(path)
        assert r.status_code == 200, (path, r.text)
        body = r.json()
        body.pop("@odata.context", None)
        answers[path] = body
    return answers


def targets():
    yield "sqlite", None
    if POSTGRES_URL:
        yield "postgres", fresh_database()


def second_page(server, app):
    """A paging link the store issues (7 rows a page), and the rows it leads to."""
    pager = Server(server.data_dir, "--page-size", "7", database=server.database or "").start()
    try:
        link = pager.get(f"{APPS}/{app}/deviceStatuses?$orderby=deviceName").json()["@odata.nextLink"]
        path = link[link.index("/beta/"):]
        page = pager.get(path)
        assert page.status_code == 200, page.text
        return path, page.json()["value"]
    finally:
        pager.stop()


def test_a_store_moves_whole_to_every_backend(server):
    app, user, cfg = fill(server)
    before = snapshot(server, app, user, cfg)
    server.stop()
    link, rows = second_page(server, app)
    with tempfile.TemporaryDirectory() as work:
        dump = os.path.join(work, "dump.jsonl")
        exported = run("export", *store_args(server), "--output", dump)
        assert exported.returncode == 0, exported.stderr
        assert b"exported 29 rows" in exported.stderr, exported.stderr
        for name, database in targets():
            data_dir = os.path.join(work, name)
            os.makedirs(data_dir)
            target = Server(data_dir, database=database or "")  # "": SQLite, whatever the suite runs on
            args = ["--data-dir", data_dir] + (["--database", database] if database else [])
            imported = run("import", *args, "--input", dump)
            assert imported.returncode == 0, imported.stderr
            assert b"imported 29 rows" in imported.stderr, imported.stderr
            target.start()
            try:
                assert snapshot(target, app, user, cfg) == before, name
            finally:
                target.stop()
            # A paging link issued before the move leads to the same rows after it (the signing secret moved too).
            pager = Server(data_dir, "--page-size", "7", database=database or "").start()
            try:
                page = pager.get(link)
                assert page.status_code == 200, page.text
                assert page.json()["value"] == rows, name
            finally:
                pager.stop()
            again = run("import", *args, stdin=open(dump, "rb").read())  # from standard input, and again
            assert again.returncode == 0 and b"imported 0 rows" in again.stderr and b"29 were there already" in again.stderr, again.stderr


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's data directory is one process's at a time")
def test_a_running_servers_sqlite_file_is_not_exported(server):
    refused = run("export", "--data-dir", server.data_dir, "--output", "-")
    assert refused.returncode != 0
    assert b"is in use by another process" in refused.stdout + refused.stderr, refused.stderr


@pytest.mark.skipif(BACKEND != "postgres", reason="instances on PostgreSQL serve while it is exported")
def test_a_served_postgres_store_is_exported_while_it_serves(server):
    app, user, cfg = fill(server)
    before = snapshot(server, app, user, cfg)
    exported = run("export", *store_args(server))  # the server goes on serving
    assert exported.returncode == 0, exported.stderr
    assert server.get(APPS).status_code == 200
    with tempfile.TemporaryDirectory() as work:
        imported = run("import", "--data-dir", work, stdin=exported.stdout)
        assert imported.returncode == 0, imported.stderr
        copy = Server(work, database="").start()
        try:
            assert snapshot(copy, app, user, cfg) == before
        finally:
            copy.stop()


def test_a_file_cut_short_is_named_so(server):
    fill(server)
    server.stop()
    exported = run("export", *store_args(server))
    assert exported.returncode == 0, exported.stderr
    lines = exported.stdout.splitlines(keepends=True)
    with tempfile.TemporaryDirectory() as work:
        refused = run("import", "--data-dir", work, stdin=b"".join(lines[:-6]))  # the end, 3 counted lines, 2 rows
        assert refused.returncode != 0
        assert b"the file ends before the export's last line: it was cut short (27 rows read and stored)" in refused.stderr, refused.stderr
        # What was read is kept; the whole file then adds the rest.
        whole = run("import", "--data-dir", work, stdin=exported.stdout)
        assert whole.returncode == 0 and b"imported 2 rows" in whole.stderr and b"27 were there already" in whole.stderr, whole.stderr
