"""Runs the real `statusgraph` binary (built by `swift build`) for end-to-end tests."""
import os
import re
import signal
import subprocess
import tempfile
import time
import uuid

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BINARY = os.environ.get("STATUSGRAPH_BINARY", os.path.join(ROOT, ".build", "debug", "statusgraph"))
# The suite runs on SQLite by default, on PostgreSQL with STATUSGRAPH_E2E_BACKEND=postgres
# (under scripts/with-postgres, which provides STATUSGRAPH_TEST_POSTGRES_URL).
BACKEND = os.environ.get("STATUSGRAPH_E2E_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("STATUSGRAPH_TEST_POSTGRES_URL")


def fresh_database():
    """A new, empty PostgreSQL database on the test cluster; its URL."""
    name = "e2e_" + uuid.uuid4().hex[:16]
    subprocess.run(["psql", POSTGRES_URL, "-qc", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
    base, _, query = POSTGRES_URL.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + ("?" + query if query else "")


class Server:
    """One server process on a data directory; `restart(kill=True)` sends SIGKILL, as a crash would."""

    def __init__(self, data_dir, *extra, database=None):
        self.data_dir = data_dir
        self.extra = list(extra)
        if database is None and BACKEND == "postgres":
            database = fresh_database()
        self.database = database
        if database:
            self.extra += ["--database", database]
        self.process = None
        self.url = None

    def start(self):
        # Output goes to a file, not a pipe: nobody drains a pipe while the test runs, and a full pipe
        # (64 KiB of logs, e.g. while the database is down) would block the server's logger.
        self.log_path = os.path.join(self.data_dir, f"server-{time.monotonic_ns()}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [BINARY, "serve", "--port", "0", "--data-dir", self.data_dir, *self.extra],
            stdout=self.log, stderr=subprocess.STDOUT, text=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            with open(self.log_path) as f:
                m = re.search(r"listening on (https?://\S+)", f.read())
            if m:
                self.url = m.group(1)
                with open(os.path.join(self.data_dir, "dev-token")) as f:
                    self.token = f.read().strip()
                return self
            if self.process.poll() is not None:
                raise RuntimeError("statusgraph exited before listening:\n" + self.output())
            time.sleep(0.05)
        raise RuntimeError("statusgraph did not start within 30 s:\n" + self.output())

    def output(self, tail=4000):
        with open(self.log_path) as f:
            return f.read()[-tail:]

    def stop(self, kill=False):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise AssertionError("statusgraph did not stop within 30 s of SIGTERM:\n" + self.output())
        if self.process:
            self.log.close()
        self.process = None

    def restart(self, kill=False):
        self.stop(kill=kill)
        return self.start()

    @property
    def auth(self):
        return {"Authorization": f"Bearer {self.token}"}

    def token_for(self, *args):
        """`statusgraph token` with these arguments, on this server's data directory."""
        return subprocess.run([BINARY, "token", "--data-dir", self.data_dir, *args], check=True,
                              capture_output=True, text=True).stdout.strip()

    def request(self, method, path, **kw):
        headers = {**self.auth, **kw.pop("headers", {})}
        if self.url.startswith("https:"):
            kw.setdefault("verify", self.ca)
        kw.setdefault("timeout", 30)
        return requests.request(method, self.url + path, headers=headers, **kw)

    @property
    def ca(self):
        return os.path.join(self.data_dir, "tls", "ca.pem")

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, json=body, **kw)

    def post_raw(self, path, text, **kw):
        return self.request("POST", path, data=text.encode(), headers={"Content-Type": "application/json"}, **kw)

    def patch(self, path, body, **kw):
        return self.request("PATCH", path, json=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def new_app(self):
        """The path of a new win32LobApp (beta), to hang statuses off."""
        r = self.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp", "displayName": "A"})
        assert r.status_code == 201, r.text
        return f"/beta/deviceAppManagement/mobileApps/{r.json()['id']}"


@pytest.fixture
def server():
    if not os.path.exists(BINARY):
        pytest.fail(f"{BINARY} is missing: run `swift build` first (scripts/test does)")
    with tempfile.TemporaryDirectory() as data_dir:
        s = Server(data_dir).start()
        try:
            yield s
        finally:
            s.stop()


@pytest.fixture
def tls_server():
    """The server with --tls auto: HTTPS (and HTTP/2) with a certificate signed by the data directory's CA."""
    with tempfile.TemporaryDirectory() as data_dir:
        s = Server(data_dir, "--tls", "auto").start()
        try:
            yield s
        finally:
            s.stop()
