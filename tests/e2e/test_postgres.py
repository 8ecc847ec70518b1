"""Many stateless instances on one PostgreSQL database, and the database failing under load."""
import concurrent.futures
import os
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse

import pytest
import requests

from conftest import POSTGRES_URL, Server, fresh_database

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: run under scripts/with-postgres")

CFG = {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "Shared"}


def relative(link):
    """The path and query of an absolute nextLink, to follow it on any instance."""
    parts = urllib.parse.urlsplit(link)
    return parts.path + "?" + parts.query


def pg_ctl(*args):
    """pg_ctl on the test cluster, as its owner."""
    command = [os.path.join(os.environ["STATUSGRAPH_TEST_POSTGRES_BIN"], "pg_ctl"), "-D", os.environ["STATUSGRAPH_TEST_POSTGRES_DATA"], *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--"] + command
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def two_instances():
    database = fresh_database()
    with tempfile.TemporaryDirectory() as data_dir:  # shared only for the token key
        a = Server(data_dir, "--page-size", "7", database=database).start()
        b = Server(data_dir, "--page-size", "7", database=database).start()
        try:
            yield a, b
        finally:
            a.stop()
            b.stop()


def test_two_instances_behave_as_one_service(two_instances):
    a, b = two_instances
    cfg = a.post("/v1.0/deviceAppManagement/mobileAppConfigurations", CFG).json()["id"]
    base = f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses"
    first = a.post(base, {"status": "compliant", "userPrincipalName": "first@contoso.com"}).json()["id"]
    assert b.get(f"{base}/{first}").json()["userPrincipalName"] == "first@contoso.com"

    # Concurrent creates through both instances lose nothing and duplicate nothing.
    def create(args):
        server, i = args
        r = server.post(base, {"status": ["compliant", "error", "unknown"][i % 3], "userPrincipalName": f"u{i}@contoso.com"})
        assert r.status_code == 201, r.text
        return r.json()["id"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(create, [((a, b)[i % 2], i) for i in range(60)]))
    assert len(set(ids)) == 60

    # A page from A continues on B: paging tokens are self-contained and signed with a shared secret.
    page = a.get(f"{base}?$orderby=userPrincipalName").json()
    seen = [s["id"] for s in page["value"]]
    link = page["@odata.nextLink"]
    while link:
        page = b.get(relative(link)).json()
        seen += [s["id"] for s in page["value"]]
        link = page.get("@odata.nextLink")
    assert sorted(seen) == sorted(ids + [first])

    # Update and delete through B; the summaries agree on both.
    assert b.patch(f"{base}/{first}", {"status": "error"}).status_code == 200
    assert b.delete(f"{base}/{ids[0]}").status_code == 204
    summary_a = a.get(f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatusSummary").json()
    summary_b = b.get(f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatusSummary").json()
    for key in ("successCount", "errorCount", "pendingCount"):
        assert summary_a[key] == summary_b[key]
    assert summary_a["successCount"] + summary_a["errorCount"] + summary_a["pendingCount"] == 60


def test_concurrent_batches_in_mixed_states_all_succeed(two_instances):
    """Batches of creates in mixed states, each in its own order, through both instances at once, and
    updates moving statuses both ways: every create of a batch moves several counts of one app. This
    deadlocked on PostgreSQL (40P01, answered 500) before writes into one app queued on its counts."""
    a, b = two_instances
    app = a.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp", "displayName": "Mixed"}).json()["id"]
    statuses = f"/deviceAppManagement/mobileApps/{app}/deviceStatuses"
    states = ["installed", "failed", "notInstalled", "pendingInstall", "notApplicable", "uninstallFailed"]

    def batch(n):
        server = (a, b)[n % 2]
        requests_ = [
            {"id": str(i), "method": "POST", "url": statuses, "headers": {"Content-Type": "application/json"},
             "body": {"deviceName": f"PC-{n}-{i}", "installState": states[(i * (n % 5 + 1) + n) % len(states)]}}
            for i in range(20)
        ]
        r = server.post("/beta/$batch", {"requests": requests_})
        assert r.status_code == 200, r.text
        answers = r.json()["responses"]
        assert [x["status"] for x in answers] == [201] * 20, [x.get("body") for x in answers if x["status"] != 201][:1]
        return [x["body"]["id"] for x in answers]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        ids = [i for created in pool.map(batch, range(24)) for i in created]
    assert len(set(ids)) == 24 * 20

    def move(n):
        server = (a, b)[n % 2]
        r = server.patch(f"/beta{statuses}/{ids[n % 12]}", {"installState": states[(n if n % 2 else -n) % len(states)]})
        assert r.status_code == 200, r.text

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(move, range(48)))

    stored = []
    link = f"/beta{statuses}?$select=installState"
    while link:
        page = b.get(link).json()
        stored += [s["installState"] for s in page["value"]]
        link = page.get("@odata.nextLink") and relative(page["@odata.nextLink"])
    assert len(stored) == 24 * 20
    summary = a.get(f"/beta/deviceAppManagement/mobileApps/{app}/installSummary").json()
    assert summary["installedDeviceCount"] == stored.count("installed")
    assert summary["failedDeviceCount"] == stored.count("failed") + stored.count("uninstallFailed")
    assert summary["notInstalledDeviceCount"] == stored.count("notInstalled")
    assert summary["pendingInstallDeviceCount"] == stored.count("pendingInstall")
    assert summary["notApplicableDeviceCount"] == stored.count("notApplicable")


def test_unreachable_database_at_start_exits_naming_it():
    with tempfile.TemporaryDirectory() as data_dir:
        from conftest import BINARY
        r = subprocess.run([BINARY, "serve", "--port", "0", "--data-dir", data_dir, "--db-timeout", "2",
                            "--database", "postgres://someone:hunter2@127.0.0.1:1/nowhere?sslmode=disable"],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0
        assert "postgres://someone:***@127.0.0.1:1/nowhere" in r.stderr and "hunter2" not in r.stderr + r.stdout


def test_the_database_url_may_come_from_the_environment(two_instances):
    """STATUSGRAPH_DATABASE instead of --database: its password stays out of the process's arguments,
    which every local user can read; an export reads the same store through it."""
    a, _ = two_instances
    created = a.post("/v1.0/deviceAppManagement/mobileAppConfigurations", CFG)
    assert created.status_code == 201, created.text
    from conftest import BINARY
    with tempfile.TemporaryDirectory() as data_dir:
        env = dict(os.environ, STATUSGRAPH_DATABASE=a.database)
        log_path = os.path.join(data_dir, "server.log")
        with open(log_path, "w") as log:
            process = subprocess.Popen([BINARY, "serve", "--port", "0", "--data-dir", data_dir], env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.time() + 30
            while "listening on" not in open(log_path).read():
                assert process.poll() is None and time.time() < deadline, open(log_path).read()
                time.sleep(0.05)
            assert "(PostgreSQL at " in open(log_path).read()
            with open(f"/proc/{process.pid}/cmdline", "rb") as f:
                assert a.database.encode() not in f.read()
        finally:
            process.terminate()
            process.wait(timeout=30)
        exported = subprocess.run([BINARY, "export", "--data-dir", data_dir], env=env, capture_output=True, timeout=120)
        assert exported.returncode == 0 and created.json()["id"].encode() in exported.stdout, exported.stderr


def test_the_start_says_when_postgres_has_no_statement_timeout():
    """A read abandoned at --db-timeout runs on in PostgreSQL unless it has a statement_timeout for the
    role (or the database): the start says so, and how to set one; with one it says nothing."""
    def started_output(database):
        with tempfile.TemporaryDirectory() as data_dir:
            server = Server(data_dir, "--db-timeout", "4", database=database).start()
            try:
                return server.output()
            finally:
                server.stop()

    output = started_output(fresh_database())
    assert "PostgreSQL has no statement_timeout for this role and database" in output, output
    assert "SET statement_timeout = '3600ms'" in output, output  # a little shorter than --db-timeout
    limited = fresh_database()
    name = urllib.parse.urlsplit(limited).path.lstrip("/")
    subprocess.run(["psql", POSTGRES_URL, "-qc", f"ALTER DATABASE \"{name}\" SET statement_timeout = '3s'"], check=True, capture_output=True)
    assert "statement_timeout" not in started_output(limited)


@pytest.fixture
def short_timeout():
    """A server with --db-timeout 2 on a fresh database, and the path of a new configuration's deviceStatuses."""
    database = fresh_database()
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--db-timeout", "2", database=database).start()
        try:
            cfg = server.post("/v1.0/deviceAppManagement/mobileAppConfigurations", CFG).json()["id"]
            yield server, f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatuses"
        finally:
            server.stop()


def until_recovered(request):
    """The answer to `request()`, sent again while it is 503 (the pool reconnects by itself)."""
    deadline = time.monotonic() + 30
    while (r := request()).status_code == 503:
        assert time.monotonic() < deadline, "no recovery within 30 s"
        time.sleep(0.5)
    return r


def test_database_lost_under_load_loses_no_acknowledged_write(short_timeout):
    server, base = short_timeout
    first = server.post(base, {"deviceDisplayName": "first", "status": "compliant"}).json()["id"]
    acknowledged, unavailable, unexpected, stop = [first], [], [], threading.Event()

    def answered(r, started, expected):
        """Sorts an answer; True if it was the expected one."""
        if r.status_code == expected:
            return True
        if r.status_code == 503:
            unavailable.append((r.headers.get("Retry-After"), time.monotonic() - started))
            time.sleep(0.2)
        else:
            unexpected.append((r.status_code, r.text[:200]))
        return False

    def writer(n):
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                r = server.post(base, {"deviceDisplayName": f"w{n}-{i}", "status": "compliant"}, timeout=10)
            except requests.RequestException:
                continue
            if answered(r, started, 201):
                acknowledged.append(r.json()["id"])
            i += 1

    def reader():
        # Reads run prepared on the pool's connections: they too must answer 200 or 503, never 500.
        while not stop.is_set():
            for path in (f"{base}/{first}", f"{base}?$top=5&$filter=status eq 'compliant'"):
                started = time.monotonic()
                try:
                    answered(server.get(path, timeout=10), started, 200)
                except requests.RequestException:
                    pass

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    pg_ctl("-m", "immediate", "stop")
    time.sleep(4)
    pg_ctl("-w", "-l", os.path.join(os.path.dirname(os.environ["STATUSGRAPH_TEST_POSTGRES_DATA"]), "log"), "start")
    time.sleep(4)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not unexpected, unexpected[:5]
    assert unavailable, "no request saw the database down"
    assert all(retry == "5" and waited < 8 for retry, waited in unavailable), unavailable[:5]
    # Recovers by itself (the pool reconnects with a backoff of seconds), and every acknowledged write is there.
    ok = until_recovered(lambda: server.post(base, {"deviceDisplayName": "after", "status": "compliant"}))
    assert ok.status_code == 201, ok.text
    stored, link = set(), base + "?$select=id"
    while link:
        page = server.get(relative(link)).json()
        stored |= {s["id"] for s in page["value"]}
        link = page.get("@odata.nextLink")
    missing = set(acknowledged) - stored
    assert not missing, f"{len(missing)} acknowledged writes lost"
    assert len(acknowledged) > 20


def postgres_processes():
    """The test cluster's postmaster and its children."""
    with open(os.path.join(os.environ["STATUSGRAPH_TEST_POSTGRES_DATA"], "postmaster.pid")) as f:
        postmaster = int(f.readline())
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
    return [postmaster, *map(int, children)]


def test_database_that_stops_answering_gets_503_in_time(short_timeout):
    """A database that hangs (here every process of it stopped: connections stay open, nothing answers)
    is answered 503 within --db-timeout, reads and writes alike, and so is the readiness probe
    (`/health/ready`) while `/health` stays 200; the service recovers by itself."""
    server, base = short_timeout
    first = server.post(base, {"deviceDisplayName": "before", "status": "compliant"}).json()["id"]
    stopped = postgres_processes()
    for pid in stopped:
        os.kill(pid, signal.SIGSTOP)
    try:
        def attempt(request):
            started = time.monotonic()
            r = request()
            return r, time.monotonic() - started
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(attempt, [
                lambda: server.post(base, {"deviceDisplayName": "during", "status": "error"}, timeout=20),
                lambda: server.get(f"{base}/{first}", timeout=20),
                lambda: server.get(base, timeout=20),
                lambda: server.get("/health/ready", timeout=20),  # the readiness probe: not ready
            ] * 2))
        alive = server.get("/health", timeout=5)  # the liveness probe touches no storage
    finally:
        for pid in stopped:
            os.kill(pid, signal.SIGCONT)
    for r, waited in answers:
        assert r.status_code == 503 and r.headers.get("Retry-After") == "5", (r.status_code, r.text)
        assert r.json()["error"]["code"] == "ServiceUnavailable", r.text
        assert waited < 6, f"answered after {waited:.1f} s with --db-timeout 2"
    assert alive.status_code == 200 and alive.text == "ok"
    r = until_recovered(lambda: server.get(f"{base}/{first}"))
    assert r.status_code == 200, r.text
    ready = server.get("/health/ready")
    assert ready.status_code == 200 and ready.text == "ok", ready.text
