"""A server killed under concurrent writes, and (SQLite) a disk that fills up: no acknowledged write is
lost, no write is acknowledged that is not there, and the summary counts still match the rows."""
import contextlib
import os
import subprocess
import tempfile
import threading
import time

import pytest
import requests

from conftest import BACKEND, BINARY, Server

# installState -> the mobileAppInstallSummary property that counts it (the states of one bucket each).
STATES = {"installed": "installedDeviceCount", "failed": "failedDeviceCount", "notInstalled": "notInstalledDeviceCount",
          "pendingInstall": "pendingInstallDeviceCount", "notApplicable": "notApplicableDeviceCount"}



def stored_states(server, app):
    """id -> installState of every device status of the app, read page by page."""
    stored, link = {}, f"{app}/deviceStatuses?$select=id,installState"
    while link:
        r = server.get(link)
        assert r.status_code == 200, r.text
        page = r.json()
        stored.update((s["id"], s["installState"]) for s in page["value"])
        link = page.get("@odata.nextLink", "").removeprefix(server.url)
    return stored


def assert_summary_matches(server, app, stored):
    summary = server.get(f"{app}/installSummary").json()
    for state, count in STATES.items():
        assert summary[count] == sum(1 for s in stored.values() if s == state), (state, summary)


def test_a_crash_under_concurrent_writes_loses_no_acknowledged_one(server):
    """Writers that create (alone and by `$batch`), change and delete share transactions (SQLite's group
    commit, PostgreSQL's pool); SIGKILL lands mid-stream. Whatever was acknowledged is there as
    acknowledged; what was in flight is there or not, but the summary agrees with the rows either way."""
    app = server.new_app()
    base = f"{app}/deviceStatuses"
    acknowledged, deleted, errors, stop = {}, set(), [], threading.Event()
    names = list(STATES)

    def writer(n):
        mine, i = [], 0
        while not stop.is_set():
            i += 1
            state = names[(n + i) % len(names)]
            try:
                if i % 7 == 0:  # a $batch of 5 creates
                    body = {"requests": [{"id": str(k), "method": "POST", "url": base.removeprefix("/beta"),
                                          "headers": {"Content-Type": "application/json"},
                                          "body": {"deviceName": f"w{n}-{i}-{k}", "installState": state}} for k in range(5)]}
                    r = server.post("/beta/$batch", body, timeout=10)
                    if r.status_code != 200:
                        errors.append((r.status_code, r.text[:200]))
                        continue
                    for part in r.json()["responses"]:
                        if part["status"] == 201:
                            acknowledged[part["body"]["id"]] = state
                            mine.append(part["body"]["id"])
                        else:
                            errors.append((part["status"], str(part["body"])[:200]))
                elif i % 5 == 0 and mine:  # change one this writer made
                    target = mine[-1]
                    r = server.patch(f"{base}/{target}", {"installState": state}, timeout=10)
                    if r.status_code == 200:  # Intune's updates answer 200 with the entity
                        acknowledged[target] = state
                    else:
                        errors.append((r.status_code, r.text[:200]))
                elif i % 11 == 0 and mine:  # delete one this writer made
                    target = mine.pop(0)
                    acknowledged.pop(target)  # from now on it may be gone
                    r = server.delete(f"{base}/{target}", timeout=10)
                    if r.status_code == 204:
                        deleted.add(target)
                    else:
                        errors.append((r.status_code, r.text[:200]))
                else:
                    r = server.post(base, {"deviceName": f"w{n}-{i}", "installState": state}, timeout=10)
                    if r.status_code == 201:
                        acknowledged[r.json()["id"]] = state
                        mine.append(r.json()["id"])
                    else:
                        errors.append((r.status_code, r.text[:200]))
            except requests.RequestException:
                return  # the server is gone: what this writer had in flight has no answer

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(2)
    server.stop(kill=True)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors[:5]
    assert len(acknowledged) > 100, len(acknowledged)
    server.start()
    stored = stored_states(server, app)
    # A write in flight at the kill may have landed after its writer's last acknowledged one (a create
    # without its id, a later change): only acknowledged facts are checked, each against the row.
    missing = [i for i in acknowledged if i not in stored]
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged writes lost"
    assert not deleted & stored.keys(), "an acknowledged delete came back"
    changed = [i for i, state in acknowledged.items() if stored[i] != state]
    # A row whose change was in flight at the kill may hold the newer state; every other holds its last.
    assert len(changed) <= len(threads), changed
    assert_summary_matches(server, app, stored)


@contextlib.contextmanager
def small_filesystem(megabytes):
    """A tmpfs of this size, mounted for the test (root only), or a skip saying why not."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    path = tempfile.mkdtemp(prefix="statusgraph-full-")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", path], capture_output=True, text=True)
    if mounted.returncode != 0:
        os.rmdir(path)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", path], capture_output=True)
        os.rmdir(path)


@pytest.mark.skipif(BACKEND != "sqlite", reason="the SQLite backend's own disk")
def test_a_full_disk_refuses_writes_with_503_keeps_reads_and_recovers():
    with small_filesystem(3) as mount:
        server = Server(os.path.join(mount, "data"))
        os.mkdir(server.data_dir)
        server.start()
        try:
            app = server.new_app()
            acknowledged, refused = {}, None
            for i in range(20_000):
                state = list(STATES)[i % len(STATES)]
                r = server.post(f"{app}/deviceStatuses", {"deviceName": f"D{i:06}" + "x" * 200, "installState": state})
                if r.status_code != 201:
                    refused = r
                    break
                acknowledged[r.json()["id"]] = state
            assert refused is not None, "3 MB never filled up"
            assert refused.status_code == 503, refused.text
            assert refused.headers["Retry-After"] == "5"
            assert refused.json()["error"]["code"] == "ServiceUnavailable"
            # Other writes are refused alike (not a 500, no half-written row); reads go on.
            again = server.post("/beta/$batch", {"requests": [
                {"id": "1", "method": "POST", "url": app.removeprefix("/beta") + "/deviceStatuses",
                 "headers": {"Content-Type": "application/json"}, "body": {"deviceName": "b" * 2000, "installState": "failed"}}]})
            inner = again.json()["responses"][0]
            assert again.status_code == 200 and inner["status"] == 503, again.text
            assert inner["headers"]["Retry-After"] == "5", "a 503 inside a batch says when to retry, as one outside does"
            stored = stored_states(server, app)
            assert stored == acknowledged
            assert_summary_matches(server, app, stored)
            # A backup has no room either: refused saying so, nothing of it left, the store served on.
            copy = os.path.join(tempfile.mkdtemp(), "copy.sqlite")
            backup = subprocess.run([BINARY, "backup", "--data-dir", server.data_dir, "--output", copy], capture_output=True)
            assert backup.returncode != 0 and b"503" in backup.stderr and b"could not be written" in backup.stderr, backup.stderr
            assert not os.path.exists(copy) and not os.path.exists(copy + ".partial")
            os.rmdir(os.path.dirname(copy))
            assert not [f for f in os.listdir(server.data_dir) if f.startswith("backup-")]
            assert stored_states(server, app) == acknowledged
            # Space comes back: writes go on without a restart, and everything is there after one.
            subprocess.run(["mount", "-o", "remount,size=64m", mount], check=True)
            after = server.post(f"{app}/deviceStatuses", {"deviceName": "after", "installState": "installed"})
            assert after.status_code == 201, after.text
            acknowledged[after.json()["id"]] = "installed"
            server.restart()
            stored = stored_states(server, app)
            assert stored == acknowledged
            assert_summary_matches(server, app, stored)
        finally:
            server.stop()
