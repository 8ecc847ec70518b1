"""The embedded backend's database file belongs to one server process at a time."""
import contextlib
import os
import sqlite3
import subprocess

import pytest

from conftest import BACKEND, BINARY, Server

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite backend's own file")


def test_a_second_server_on_the_same_data_directory_exits_naming_why(server):
    second = subprocess.run([BINARY, "serve", "--port", "0", "--data-dir", server.data_dir],
                            capture_output=True, text=True, timeout=60)
    assert second.returncode != 0
    assert "is in use by another process" in second.stdout + second.stderr, second.stdout + second.stderr
    # The first server goes on serving, and its data is whole.
    created = server.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp"})
    assert created.status_code == 201, created.text
    assert server.get(f"/beta/deviceAppManagement/mobileApps/{created.json()['id']}").status_code == 200


def test_no_other_process_opens_the_database_until_the_server_stops(server):
    created = server.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp"})
    assert created.status_code == 201, created.text
    path = os.path.join(server.data_dir, "statusgraph.sqlite")
    with contextlib.closing(sqlite3.connect(path, timeout=0.2)) as db:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            db.execute('SELECT count(*) FROM "mobileApps"').fetchone()
    server.stop()
    with contextlib.closing(sqlite3.connect(path, timeout=5)) as db:
        assert db.execute('SELECT count(*) FROM "mobileApps"').fetchone() == (1,)


def test_a_data_directory_without_its_admin_socket_still_serves(tmp_path):
    """A socket that cannot be made (here its name is taken by a directory; a file system without Unix
    sockets does the same) costs the admin socket only: the server says so and serves, and `export`
    then reads the file once the server has stopped."""
    os.makedirs(tmp_path / "admin.sock" / "taken")
    server = Server(str(tmp_path)).start()
    try:
        assert "admin socket" in server.output() and "is not served" in server.output(), server.output()
        created = server.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp"})
        assert created.status_code == 201, created.text
        refused = subprocess.run([BINARY, "export", "--data-dir", str(tmp_path)], capture_output=True, timeout=60)
        assert refused.returncode != 0 and b"is in use by another process" in refused.stderr, refused.stderr
    finally:
        server.stop()
    assert os.path.isdir(tmp_path / "admin.sock" / "taken")  # left as it was
    exported = subprocess.run([BINARY, "export", "--data-dir", str(tmp_path)], capture_output=True, timeout=60)
    assert exported.returncode == 0 and b"exported 1 rows" in exported.stderr, exported.stderr
