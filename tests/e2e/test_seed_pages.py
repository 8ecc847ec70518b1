"""The five seed pages replayed over real HTTP against the real binary, exactly as a user would with curl."""
import json
import os

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "seed-bodies")


def seed_body(name):
    """A body exactly as a seed page shows it (the Swift seed-page tests read the same files)."""
    with open(os.path.join(FIXTURES, name)) as f:
        return f.read()


SEED_000_001_BODY = seed_body("000-001-user-app-install-status.json")
SEED_002_BODY = seed_body("002-provisioning-user-status.json")
SEED_003_BODY = seed_body("003-configuration-user-status.json")
SEED_004_BODY = seed_body("004-device-status.json")


def create(server, path, body):
    r = server.post(path, body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def assert_echoed(response_body, request_text, overrides=None):
    expected = json.loads(request_text)
    expected.update(overrides or {})
    for key, value in expected.items():
        assert response_body[key] == value, key


def test_seed_000_and_001_create_user_install_status(server):
    app = create(server, "/beta/deviceAppManagement/mobileApps",
                 {"@odata.type": "#microsoft.graph.iosLobApp", "displayName": "Contoso"})
    for suffix in ("/userStatuses/$ref", "/userStatuses"):
        r = server.post_raw(f"/beta/deviceAppManagement/mobileApps/{app}{suffix}", SEED_000_001_BODY)
        assert r.status_code == 201, r.text
        body = r.json()
        assert_echoed(body, SEED_000_001_BODY)
        assert body["@odata.context"] == f"{server.url}/beta/$metadata#deviceAppManagement/mobileApps('{app}')/userStatuses/$entity"
        assert r.headers["Location"].endswith(f"/userStatuses('{body['id']}')")


def test_seed_002_placeholder_then_valid(server):
    cfg = create(server, "/beta/deviceAppManagement/iosLobAppProvisioningConfigurations",
                 {"@odata.type": "#microsoft.graph.iosLobAppProvisioningConfiguration", "displayName": "P",
                  "payloadFileName": "p.mobileprovision", "payload": "cGF5bG9hZA=="})
    path = f"/beta/deviceAppManagement/iosLobAppProvisioningConfigurations/{cfg}/userStatuses/$ref"
    bad = server.post_raw(path, SEED_002_BODY)
    assert bad.status_code == 400
    assert bad.json()["error"]["target"] == "status"
    good = server.post_raw(path, SEED_002_BODY.replace('"String"', '"compliant"'))
    assert good.status_code == 201, good.text
    assert_echoed(good.json(), SEED_002_BODY,
                  {"status": "compliant", "lastReportedDateTime": "2016-12-31T21:03:19.2710393Z"})


def test_seed_003_placeholder_then_valid(server):
    cfg = create(server, "/v1.0/deviceAppManagement/mobileAppConfigurations",
                 {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "C"})
    path = f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses"
    bad = server.post_raw(path, SEED_003_BODY)
    assert bad.status_code == 400
    error = bad.json()["error"]
    assert error["target"] == "devicesCount" and "'devicesCount'" in error["message"]
    valid = (SEED_003_BODY.replace('"Integer"', "12").replace('"status": "String"', '"status": "error"')
             .replace('"String (timestamp)"', '"2017-01-01T00:03:19.2710393+03:00"'))
    good = server.post_raw(path, valid)
    assert good.status_code == 201, good.text
    assert_echoed(good.json(), valid, {"lastReportedDateTime": "2016-12-31T21:03:19.2710393Z"})


def test_seed_004_placeholder_then_valid(server):
    app = create(server, "/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp"})
    user = create(server, f"/beta/deviceAppManagement/mobileApps/{app}/userStatuses", json.loads(SEED_000_001_BODY))
    path = f"/beta/deviceAppManagement/mobileApps/{app}/userStatuses/{user}/deviceStatuses/$ref"
    bad = server.post_raw(path, SEED_004_BODY)
    assert bad.status_code == 400
    assert bad.json()["error"]["target"] == "mobileAppInstallStatusValue"
    valid = (SEED_004_BODY.replace('"mobileAppInstallStatusValue": "String"', '"mobileAppInstallStatusValue": "installed"')
             .replace('"installState": "String"', '"installState": "installed"')
             .replace('"installStateDetail": "String"', '"installStateDetail": "noAdditionalDetails"'))
    good = server.post_raw(path, valid)
    assert good.status_code == 201, good.text
    assert_echoed(good.json(), valid, {"lastSyncDateTime": "2016-12-31T20:59:56.035751Z"})


def test_acknowledged_writes_survive_kill_9(server):
    cfg = create(server, "/v1.0/deviceAppManagement/mobileAppConfigurations",
                 {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "C"})
    ids = [create(server, f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatuses",
                  {"status": "compliant", "deviceDisplayName": f"d{i}"}) for i in range(50)]
    server.restart(kill=True)
    listed = server.get(f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatuses").json()["value"]
    assert sorted(s["id"] for s in listed) == sorted(ids)
    summary = server.get(f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatusSummary").json()
    assert summary["successCount"] == 50


def test_errors_are_graph_json_never_500(server):
    cases = [
        ("GET", "/beta/deviceAppManagement/nothing", None, 400),
        ("GET", "/beta/deviceAppManagement/mobileApps/none", None, 404),
        ("PUT", "/beta/deviceAppManagement/mobileApps/none", "{}", 405),
        ("POST", "/beta/deviceAppManagement/mobileApps", "{not json", 400),
        ("POST", "/beta/deviceAppManagement/mobileApps", "[]", 400),
        ("GET", "/v9/deviceAppManagement", None, 400),
        ("GET", "/beta/deviceAppManagement/mobileApps('x", None, 400),
    ]
    for method, path, body, status in cases:
        r = server.request(method, path, data=body, headers={"Content-Type": "application/json"} if body else {})
        assert r.status_code == status, (method, path, r.text)
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"]["message"]


def test_tokens_from_the_cli_carry_their_permissions(server):
    """`statusgraph token` prints a token alone on standard output, for TOKEN=$(statusgraph token ...)."""
    read_only = server.token_for("--scopes", "DeviceManagementApps.Read.All", "--user", "ada@contoso.com")
    assert read_only.count(".") == 2 and "\n" not in read_only
    headers = {"Authorization": f"Bearer {read_only}"}
    assert server.get("/beta/deviceAppManagement/mobileApps", headers=headers).status_code == 200
    denied = server.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.webApp"}, headers=headers)
    assert denied.status_code == 403 and "DeviceManagementApps.ReadWrite.All" in denied.json()["error"]["message"]
    app_token = server.token_for("--roles", "DeviceManagementApps.ReadWrite.All", "--tenant", "aaaaaaaa-0000-0000-0000-000000000000")
    created = server.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.webApp"},
                          headers={"Authorization": f"Bearer {app_token}"})
    assert created.status_code == 201
    # another tenant: the default token does not see it
    assert server.get(f"/beta/deviceAppManagement/mobileApps/{created.json()['id']}").status_code == 404
    expired = server.token_for("--expires-in", "1")
    import time
    time.sleep(1.5)
    # within the 5-minute clock skew an expired-by-a-second token still passes, as Entra's validation does
    assert server.get("/beta/deviceAppManagement", headers={"Authorization": f"Bearer {expired}"}).status_code == 200
    assert server.get("/beta/deviceAppManagement", headers={}).status_code == 200  # the fixture's token
    missing = requests_get_without_token(server)
    # Graph's challenge, as MSAL's WwwAuthenticateParameters read it: the authority and Graph's app id
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == (
        'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
        'client_id="00000003-0000-0000-c000-000000000000"')


def requests_get_without_token(server):
    import requests
    return requests.get(server.url + "/beta/deviceAppManagement", timeout=10)
