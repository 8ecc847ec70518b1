"""`serve --in-memory`: a store for one run of the server, in a directory it makes and removes."""
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest
import requests

from conftest import BACKEND, BINARY

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the in-memory store is SQLite's")


class InMemoryServer:
    def __init__(self):
        self.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        self.process = subprocess.Popen([BINARY, "serve", "--in-memory", "--port", "0"],
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.log.name) as f:
                m = re.search(r"listening on (http://\S+) \(SQLite in (?:memory|a temporary directory), (\S+), removed", f.read())
            if m:
                self.url, self.directory = m.group(1), m.group(2)
                with open(os.path.join(self.directory, "dev-token")) as f:
                    self.token = f.read().strip()
                return
            assert self.process.poll() is None, open(self.log.name).read()
            time.sleep(0.05)
        raise AssertionError("no banner within 30 s:\n" + open(self.log.name).read())

    def stop(self, sig=signal.SIGTERM):
        self.process.send_signal(sig)
        self.process.wait(timeout=30)


def test_the_store_lives_with_the_server_and_goes_with_it():
    server = InMemoryServer()
    try:
        if os.path.isdir("/dev/shm"):
            assert server.directory.startswith("/dev/shm/statusgraph-memory-")
        assert oct(os.stat(server.directory).st_mode & 0o777) == "0o700"  # the token key is in it
        auth = {"Authorization": "Bearer " + server.token}
        created = requests.post(server.url + "/beta/deviceAppManagement/mobileApps", headers=auth,
                                json={"@odata.type": "#microsoft.graph.iosLobApp", "displayName": "App"})
        assert created.status_code == 201, created.text
        read = requests.get(server.url + f"/beta/deviceAppManagement/mobileApps/{created.json()['id']}", headers=auth)
        assert read.json()["displayName"] == "App"
    finally:
        server.stop()
    assert server.process.returncode == 0
    assert not os.path.exists(server.directory)


def test_a_start_removes_what_a_killed_server_left_and_nothing_of_a_running_one():
    killed = InMemoryServer()
    killed.stop(signal.SIGKILL)
    assert os.path.isdir(killed.directory)  # nothing ran to remove it
    running = InMemoryServer()
    try:
        assert not os.path.exists(killed.directory)  # removed by that start
        later = InMemoryServer()
        later.stop()
        assert os.path.isdir(running.directory)  # its server holds the lock: left alone
        assert requests.get(running.url + "/beta/deviceAppManagement",
                            headers={"Authorization": "Bearer " + running.token}).status_code == 200
    finally:
        running.stop()
    assert not os.path.exists(running.directory)


@pytest.mark.parametrize("extra, words", [
    (["--data-dir", "somewhere"], "give it or --data-dir, not both"),
    (["--database", "postgres://u@localhost/db"], "give it or --database, not both"),
])
def test_it_refuses_another_store(extra, words):
    refused = subprocess.run([BINARY, "serve", "--in-memory", "--port", "0", *extra], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert words in refused.stdout + refused.stderr
