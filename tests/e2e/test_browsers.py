"""CORS, as Graph answers a single-page app (MSAL.js and the Graph SDK in a browser): a preflight is
answered without a token, and every answer to a request with an Origin may be read by the page."""
import pytest

ORIGIN = {"Origin": "http://localhost:3000"}


@pytest.mark.parametrize("method, path", [
    ("POST", "/beta/deviceAppManagement/mobileApps"),
    ("PATCH", "/v1.0/deviceAppManagement/mobileAppConfigurations/x"),
    ("DELETE", "/beta/deviceAppManagement/mobileApps/x"),
    ("GET", "/beta/$metadata"),
])
def test_a_preflight_is_answered_without_a_token(server, method, path):
    r = server.request("OPTIONS", path, headers={
        **ORIGIN, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization,content-type,client-request-id",
        "Authorization": ""})
    assert r.status_code == 200, r.text
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Access-Control-Allow-Methods"] == method
    assert r.headers["Access-Control-Allow-Headers"] == "authorization,content-type,client-request-id"
    assert int(r.headers["Access-Control-Max-Age"]) > 0
    assert r.content == b""


def test_answers_to_a_page_can_be_read_by_it(server):
    created = server.post("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp"}, headers=ORIGIN)
    assert created.status_code == 201
    exposed = {h.strip().lower() for h in created.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"location", "request-id", "client-request-id", "www-authenticate", "retry-after", "etag"} <= exposed
    assert created.headers["Access-Control-Allow-Origin"] == "*"
    # Errors too: the page reads Graph's error body (here, a missing token).
    denied = server.request("GET", "/beta/deviceAppManagement/mobileApps", headers={**ORIGIN, "Authorization": ""})
    assert denied.status_code == 401 and denied.headers["Access-Control-Allow-Origin"] == "*"
    assert denied.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_no_cors_headers_without_an_origin_and_plain_options_is_not_a_preflight(server):
    r = server.get("/beta/deviceAppManagement/mobileApps")
    assert r.status_code == 200 and "Access-Control-Allow-Origin" not in r.headers
    plain = server.request("OPTIONS", "/beta/deviceAppManagement/mobileApps")
    assert plain.status_code == 405, plain.text
