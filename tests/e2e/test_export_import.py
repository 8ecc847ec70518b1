"""`statusgraph export` and `import`: a store moved whole, between data directories and backends."""
import http.client
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time

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


class AdminConnection(http.client.HTTPConnection):
    """HTTP to a server's admin socket (`curl --unix-socket`)."""

    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.socket_path)


def admin(server, method, path):
    connection = AdminConnection(os.path.join(server.data_dir, "admin.sock"))
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's data directory is one process's at a time")
def test_a_running_sqlite_server_is_exported_through_its_admin_socket(server):
    app, user, cfg = fill(server)
    sock = os.path.join(server.data_dir, "admin.sock")
    assert stat.S_IMODE(os.stat(sock).st_mode) == 0o600  # its owner's alone: it takes no token
    served = run("export", "--data-dir", server.data_dir)  # read through the server, which goes on serving
    assert served.returncode == 0, served.stderr
    assert b"exported 29 rows from the server running on" in served.stderr, served.stderr
    assert server.get(APPS).status_code == 200
    status, headers, body = admin(server, "GET", "/export")
    assert status == 200 and headers["Content-Type"] == "application/x-ndjson" and body == served.stdout
    for method, path, expected in [("GET", "/nothing", 404), ("POST", "/export", 405), ("DELETE", "/export", 405)]:
        status, headers, body = admin(server, method, path)
        assert status == expected, (method, path, body)
        assert json.loads(body)["error"]["code"] in ("ResourceNotFound", "Request_BadRequest"), body
    # While clients write, an export holds the store as it was when it began: every row's container is in it.
    stop = threading.Event()

    def write():
        while not stop.is_set():
            server.post(f"{APPS}/{app}/userStatuses/{user}/deviceStatuses", {"deviceName": "during", "installState": "installed"})
            created = server.post(APPS, {"@odata.type": "#microsoft.graph.webApp", "displayName": "during", "appUrl": "https://x"})
            server.post(f"{APPS}/{created.json()['id']}/deviceStatuses", {"deviceName": "during", "installState": "failed"})

    writers = [threading.Thread(target=write) for _ in range(2)]
    for w in writers:
        w.start()
    try:
        during = [run("export", "--data-dir", server.data_dir) for _ in range(3)]
    finally:
        stop.set()
        for w in writers:
            w.join()
    with tempfile.TemporaryDirectory() as work:
        for i, exported in enumerate(during):
            assert exported.returncode == 0, exported.stderr
            copy = os.path.join(work, str(i))
            imported = run("import", "--data-dir", copy, stdin=exported.stdout)
            assert imported.returncode == 0, imported.stderr
    # Once the server has stopped, its socket is gone and the file is read directly, to the same bytes.
    server.stop()
    assert not os.path.exists(sock)
    direct = run("export", "--data-dir", server.data_dir)
    assert direct.returncode == 0 and b"exported" in direct.stderr and b"running" not in direct.stderr, direct.stderr
    lines = direct.stdout.splitlines()
    assert json.loads(lines[-1])["statusgraph"] == "end"


@pytest.mark.skipif(BACKEND != "sqlite", reason="a backup file is of a SQLite store")
def test_a_backup_of_a_running_sqlite_store_is_put_back_whole(server, tmp_path):
    """`statusgraph backup` copies the SQLite file through the running server while clients write;
    `statusgraph restore` puts the copy in place of another store (not while a server runs on it, not
    over a store unless told, not from a broken file), which then serves what the first held; without a
    server the backup is read from the file; an existing output is refused."""
    app, user, cfg = fill(server)
    summary = server.get(f"{APPS}/{app}/installSummary").json()
    summary.pop("@odata.context")
    stop = threading.Event()

    def write():  # into a collection no summary counts: the summary above stays as it is
        while not stop.is_set():
            server.post(f"{APPS}/{app}/userStatuses/{user}/deviceStatuses", {"deviceName": "during", "installState": "installed"})

    server.post(f"{APPS}/{app}/userStatuses/{user}/deviceStatuses", {"deviceName": "during", "installState": "installed"})
    writer = threading.Thread(target=write)
    writer.start()
    try:
        copy = str(tmp_path / "copy.sqlite")
        made = run("backup", "--data-dir", server.data_dir, "--output", copy)
    finally:
        stop.set()
        writer.join()
    assert made.returncode == 0, made.stderr
    assert b"made by the server running on it" in made.stderr, made.stderr
    assert not [f for f in os.listdir(server.data_dir) if f.startswith("backup-")]
    assert not os.path.exists(copy + ".partial")
    with open(copy, "rb") as f:
        assert f.read(16) == b"SQLite format 3\0"
    again = run("backup", "--data-dir", server.data_dir, "--output", copy)
    assert again.returncode != 0 and b"exists already" in again.stderr, again.stderr
    # `restore` refuses a data directory whose server runs, and one that holds a store unless told to replace it.
    busy = run("restore", "--data-dir", server.data_dir, "--input", copy, "--replace")
    assert busy.returncode != 0 and b"in use by another process" in busy.stderr, busy.stderr
    server.stop()
    restored_dir = tmp_path / "restored"
    restored_dir.mkdir()
    other = Server(str(restored_dir), database="").start()  # a store of its own, with its own writes
    other.new_app()
    other.stop()
    kept = run("restore", "--data-dir", str(restored_dir), "--input", copy)
    assert kept.returncode != 0 and b"--replace" in kept.stderr, kept.stderr
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(open(copy, "rb").read()[:4096])
    refused = run("restore", "--data-dir", str(restored_dir), "--input", str(broken), "--replace")
    assert refused.returncode != 0 and b"not a whole StatusGraph store" in refused.stderr, refused.stderr
    put = run("restore", "--data-dir", str(restored_dir), "--input", copy, "--replace")
    assert put.returncode == 0 and b"restored" in put.stderr, put.stderr
    shutil.copy(os.path.join(server.data_dir, "token-signing-key"), restored_dir / "token-signing-key")
    restored = Server(str(restored_dir), database="").start()
    try:
        apps = restored.get(APPS)
        assert apps.status_code == 200, apps.text
        assert {a["displayName"] for a in apps.json()["value"]} == {"7-Zip ✓", "Web"}  # the other store's app is gone
        after = restored.get(f"{APPS}/{app}/installSummary").json()
        after.pop("@odata.context")
        assert after == summary  # the counts came with it
        assert restored.get(f"{APPS}/{app}/userStatuses/{user}/deviceStatuses?$filter=deviceName eq 'during'").json()["value"]
        assert restored.get(f"{CONFIGS}/{cfg}/userStatuses").json()["value"]
    finally:
        restored.stop()
    # Without a server, from the file: the same rows.
    direct = run("backup", "--data-dir", server.data_dir, "--output", str(tmp_path / "direct.sqlite"))
    assert direct.returncode == 0 and b"from its file" in direct.stderr, direct.stderr


@pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's data directory is one process's at a time")
def test_one_export_at_a_time_through_the_admin_socket(tmp_path):
    """An export held by a reader that stops reading keeps the others out (409); once that reader goes,
    or has taken nothing for the idle timeout, the next one runs."""
    tenant = "00000000-0000-0000-0000-000000000001"
    dump = tmp_path / "dump.jsonl"
    rows = 40_000  # ~14 MB of export: more than the socket's buffers hold
    with open(dump, "w") as f:
        f.write(json.dumps({"statusgraph": "export", "format": 1}) + "\n")
        for i in range(rows):
            f.write(json.dumps({"path": "mobileApps", "key": [tenant, f"app-{i:06}"], "type": "webApp",
                                "values": {"displayName": f"App {i} " + "x" * 300, "appUrl": "https://x"}}) + "\n")
        f.write(json.dumps({"statusgraph": "end", "rows": rows, "counted": 0}) + "\n")
    data_dir = str(tmp_path / "store")
    imported = run("import", "--data-dir", data_dir, "--input", str(dump))
    assert imported.returncode == 0, imported.stderr
    server = Server(data_dir, "--idle-timeout", "2", database="").start()
    try:
        def stall():
            reader = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            reader.connect(os.path.join(data_dir, "admin.sock"))
            reader.sendall(b"GET /export HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert reader.recv(4096).startswith(b"HTTP/1.1 200")  # and then it reads no more
            return reader

        def until_free():
            deadline = time.time() + 30
            while (status := admin(server, "GET", "/export")[0]) == 409:
                assert time.time() < deadline, "the stalled export was not given up"
                time.sleep(0.2)
            return status

        stalled = stall()
        status, _, body = admin(server, "GET", "/export")
        assert status == 409 and json.loads(body)["error"]["code"] == "Conflict", body
        stalled.close()  # a reader that goes gives its export up
        assert until_free() == 200
        stalled = stall()  # one that stays and takes nothing is cut off after the idle timeout (2 s, and 2 s more)
        started = time.time()
        assert until_free() == 200 and time.time() - started < 15
        stalled.close()
        # A reader that takes its answer slowly, but takes it, gets all of it, however long past the idle timeout.
        slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        slow.connect(os.path.join(data_dir, "admin.sock"))
        slow.sendall(b"GET /export HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        started, received = time.time(), bytearray()
        while chunk := slow.recv(256 << 10):
            received += chunk
            time.sleep(0.1)
        slow.close()
        assert time.time() - started > 6, "read faster than the test means to"
        # The last line, then the last chunk: the whole export.
        assert b'{"statusgraph":"end","rows":40000,"counted":0}\n' in received[-300:] and received.endswith(b"\r\n0\r\n\r\n"), received[-200:]
        assert server.get(APPS).status_code == 200
    finally:
        server.stop()


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
