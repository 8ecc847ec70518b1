"""Generated malformed requests: every one gets a Graph error (4xx, JSON, a code and a message) or a
success, never a 5xx, a hang or a dropped connection, and the server keeps what it stored.

A seeded generator writes the requests: paths mutated around the model's resources, query options with
random `$filter` trees (operators, functions, lambdas, literals of every type and none) and mutated
text, bodies with properties of the wrong type, truncated or deeply nested JSON and random bytes,
`$batch` bodies with broken parts, odd headers and tokens. STATUSGRAPH_FUZZ_SEED and
STATUSGRAPH_FUZZ_COUNT run other or more requests than the suite's.
"""
import json
import os
import random
import string

import requests

SEED = int(os.environ.get("STATUSGRAPH_FUZZ_SEED", "2026"))
COUNT = int(os.environ.get("STATUSGRAPH_FUZZ_COUNT", "2000"))
rng = random.Random(SEED)
TOKEN = ""
# The collections and entities the requests address (set by the test once it has made them).
BASES = []
SINGLES = []
DS = {"@odata.type": "#microsoft.graph.mobileAppInstallStatus", "deviceName": "D1", "deviceId": "x", "installState": "failed",
      "installStateDetail": "seeInstallErrorCode", "errorCode": -2016281112, "lastSyncDateTime": "2026-11-23T10:00:00Z",
      "osVersion": "10", "userPrincipalName": "a@b.c"}
US = {"@odata.type": "#microsoft.graph.userAppInstallStatus", "userName": "Ada", "userPrincipalName": "a@b.c",
      "installedDeviceCount": 2, "failedDeviceCount": 0, "notInstalledDeviceCount": 1}
CUS = {"userDisplayName": "Ada", "devicesCount": 2, "status": "compliant", "lastReportedDateTime": "2026-01-01T00:00:00Z", "userPrincipalName": "a@b.c"}
CDS = {"deviceDisplayName": "D", "userName": "Ada", "deviceModel": "M", "status": "error", "lastReportedDateTime": "2026-01-01T00:00:00Z",
       "userPrincipalName": "a@b.c", "complianceGracePeriodExpirationDateTime": "2026-01-01T00:00:00Z"}

PROPS = ["deviceName", "installState", "errorCode", "lastSyncDateTime", "id", "userName", "status", "installedDeviceCount", "osVersion",
         "@odata.type", "devices", "app", "nope", "deviceName/x", "installStateDetail", "mobileAppInstallStatusValue", "displayName"]
WEIRD = ["", "'", "''", "\u0000", "\u202e", "😀", "\ud800", "%", "%zz", "%00", "&", "=", "#", "$", "(", ")", ",", "/", "\\", " ", "+",
         "a" * 5000, "9" * 40, "-0", "1e999", "NaN", "INF", "null", "true", "'a''b'", "2026-13-45T25:61:61Z", "00000000-0000-0000-0000-00000000000",
         "microsoft.graph.installState'failed'", "microsoft.graph.nope'x'", "binary'AA=='", "duration'P1D'", "@p1", "$it", "$root", "{}", "[]"]


def literal():
    return rng.choice(["'failed'", "'x''y'", "0", "-1", "2147483648", "9223372036854775808", "1.5", "-1.5e10", "1e400", "null", "true", "false",
                       "2026-01-01T00:00:00Z", "2026-01-01", "00000000-0000-0000-0000-000000000001", "microsoft.graph.installState'failed'",
                       "'" + "x" * rng.randint(0, 300) + "'", "(1,2)", "('a','b')", "duration'PT1H'", "12:00:00"] + WEIRD)


def expr(d):
    if d <= 0 or rng.random() < 0.25:
        return rng.choice([rng.choice(PROPS), literal()])
    k = rng.randint(0, 7)
    if k == 0:
        return f"{expr(d-1)} {rng.choice(['eq','ne','gt','ge','lt','le','has','in','add','sub','mul','div','mod','divby'])} {expr(d-1)}"
    if k == 1:
        return f"{expr(d-1)} {rng.choice(['and','or'])} {expr(d-1)}"
    if k == 2:
        return f"not {expr(d-1)}"
    if k == 3:
        return f"({expr(d-1)})"
    if k == 4:
        f = rng.choice(["contains", "startswith", "endswith", "tolower", "toupper", "length", "substring", "indexof", "concat", "trim",
                        "year", "month", "day", "hour", "now", "round", "cast", "isof", "matchesPattern", "nope"])
        return f"{f}({','.join(expr(d-1) for _ in range(rng.randint(0, 3)))})"
    if k == 5:
        return f"{rng.choice(PROPS)}/{rng.choice(['any','all'])}({rng.choice(['d','x',''])}:{expr(d-1)})"
    if k == 6:
        return "-" + expr(d - 1)
    return expr(d - 1) + rng.choice(["", ")", "(", " ", "'", ","])


def mutate_text(t):
    t = list(t)
    for _ in range(rng.randint(1, 3)):
        if not t:
            break
        i = rng.randrange(len(t))
        op = rng.randint(0, 2)
        if op == 0:
            del t[i]
        elif op == 1:
            t.insert(i, rng.choice(string.printable))
        else:
            t[i] = rng.choice(WEIRD) or "x"
    return "".join(t)


def enc(v):
    v = v.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return requests.utils.quote(v, safe="=$,'()/:@ ") if rng.random() < 0.7 else v.replace(" ", "%20")


def query():
    opts = []
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(["$filter", "$orderby", "$select", "$expand", "$top", "$skip", "$count", "$search", "$skiptoken", "$format",
                           "$apply", "$levels", "$compute", "$index", "$deltatoken", "filter", "$FILTER", "$Top", "foo", "$", "", "$filter"])
        if name.lower().endswith("filter"):
            v = expr(rng.randint(1, 6))
        elif name in ("$top", "$skip", "$Top"):
            v = rng.choice(["0", "1", "-1", "1000", "1001", "2147483648", "99999999999999999999", "1.5", "x", "", " 1"])
        elif name == "$orderby":
            v = ",".join(rng.choice(PROPS) + rng.choice(["", " asc", " desc", " up", "  desc"]) for _ in range(rng.randint(0, 12)))
        elif name == "$select":
            v = ",".join(rng.choice(PROPS + ["*", "microsoft.graph.mobileAppInstallStatus/deviceName"]) for _ in range(rng.randint(0, 8)))
        elif name == "$expand":
            v = rng.choice(["deviceStatuses", "userStatuses", "devices", "app", "*", "deviceStatuses($top=1)", "deviceStatuses($filter=" + expr(2) + ")",
                            "deviceStatuses($expand=deviceStatuses($expand=deviceStatuses))", "userStatuses($select=nope)", "x(", ""])
        elif name == "$count":
            v = rng.choice(["true", "false", "TRUE", "1", ""])
        elif name == "$skiptoken":
            v = rng.choice(["", "abc", "A" * 3000, "eyJ9", "%%%", "AAAA.BBBB"])
        else:
            v = rng.choice(WEIRD)
        if rng.random() < 0.15:
            v = mutate_text(v)
        opts.append(f"{name}={enc(v)}" if rng.random() < 0.95 else name)
    return ("?" + "&".join(opts)) if opts else ""


def value():
    k = rng.randint(0, 12)
    return [None, True, 0, -1, 2**31, 2**63, -2**63 - 1, 1.5, 1e308, "", "x" * rng.randint(1, 70000), "\u0000\ud7ff", [], {}, [[[]]],
            {"a": {"b": [1, "x", None]}}, "2026-02-30T00:00:00Z", "failed", "#microsoft.graph.nope"][k + rng.randint(0, 6)]


def body(base):
    b = dict(base)
    k = rng.randint(0, 9)
    if k <= 4:
        for _ in range(rng.randint(1, 3)):
            b[rng.choice(list(b) + PROPS)] = value()
        return json.dumps(b).encode()
    if k == 5:
        b.pop(rng.choice(list(b)), None)
        return json.dumps(b).encode()
    if k == 6:
        t = json.dumps(b)
        return t[: rng.randrange(len(t))].encode()
    if k == 7:
        return mutate_text(json.dumps(b)).encode("utf-8", "surrogatepass")
    if k == 8:
        depth = rng.choice([10, 100, 1000, 100000])
        return ("[" * depth + "]" * depth).encode() if rng.random() < 0.5 else ('{"a":' * depth + "1" + "}" * depth).encode()
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))


def batch_body():
    parts = []
    for i in range(rng.randint(0, 22)):
        path, base = rng.choice(BASES)
        p = {"id": str(i), "method": rng.choice(["POST", "GET", "PATCH", "DELETE", "PUT", "post", "", "X"]),
             "url": rng.choice([path.split("/", 2)[2] if path.count("/") > 1 else path, "/" + path.split("/", 2)[2], path, "http://x/a", "",
                                "/$batch", "/deviceAppManagement/mobileApps" + query(), "../x"]),
             "headers": rng.choice([{"Content-Type": "application/json"}, {}, None, [], "x", {"Content-Type": "text/plain"}]),
             "body": rng.choice([base, None, "x", [], value()])}
        if rng.random() < 0.3:
            p["dependsOn"] = rng.choice([[str(rng.randint(0, 25))], [], "1", [str(i)], [1], None])
        if rng.random() < 0.2:
            p[rng.choice(list(p))] = value()
        parts.append(p)
    b = {"requests": parts}
    if rng.random() < 0.1:
        b = rng.choice([{}, {"requests": {}}, {"requests": None}, [], {"requests": [1, 2]}])
    return json.dumps(b).encode()




def problem_of(method, r):
    """What is wrong with a response to a malformed request, or None."""
    if r.status_code >= 500:
        return "a 5xx"
    if r.status_code >= 400 and method != "HEAD":
        try:
            e = r.json()["error"]
        except (ValueError, KeyError, TypeError):
            return "an error that is not Graph's JSON"
        if not (isinstance(e.get("code"), str) and e["code"] and isinstance(e.get("message"), str) and e["message"]):
            return "an error without a code and a message"
    elif method != "HEAD" and r.content and r.headers.get("Content-Type", "").startswith("application/json"):
        try:
            r.json()
        except ValueError:
            return "a success that is not JSON"
    return None


def test_generated_malformed_requests_get_graph_errors_never_5xx(server):
    global TOKEN, BASES, SINGLES
    TOKEN = server.token
    session = requests.Session()

    def call(method, path, data=None, headers=None):
        h = {**server.auth, **(headers or {})}
        if data is not None:
            h.setdefault("Content-Type", "application/json")
        return session.request(method, server.url + path, data=data, headers=h, timeout=20)

    def created(path, body):
        r = call("POST", path, json.dumps(body).encode())
        assert r.status_code == 201, r.text
        return r.json()

    # A witness the generated requests never address: it must read the same at the end.
    witness_app = created("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.webApp", "displayName": "W"})["id"]
    witness_path = f"/beta/deviceAppManagement/mobileApps/{witness_app}/deviceStatuses"
    witness = created(witness_path, {**DS, "deviceName": "witness"})
    app = created("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp", "displayName": "F"})["id"]
    cfg = created("/beta/deviceAppManagement/mobileAppConfigurations", {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "C"})["id"]
    ds = [created(f"/beta/deviceAppManagement/mobileApps/{app}/deviceStatuses", DS) for _ in range(3)]
    us = created(f"/beta/deviceAppManagement/mobileApps/{app}/userStatuses", US)
    created(f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", CUS)
    created(f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatuses", CDS)
    BASES = [
        (f"/beta/deviceAppManagement/mobileApps/{app}/deviceStatuses", DS),
        (f"/beta/deviceAppManagement/mobileApps/{app}/userStatuses", US),
        (f"/beta/deviceAppManagement/mobileApps/{app}/userStatuses/{us['id']}/deviceStatuses", DS),
        (f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatuses", CUS),
        (f"/beta/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatuses", CDS),
        ("/beta/deviceAppManagement/mobileApps", {"@odata.type": "#microsoft.graph.win32LobApp", "displayName": "G"}),
        ("/v1.0/deviceAppManagement/mobileAppConfigurations", {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "C"}),
    ]
    SINGLES = [
        f"/beta/deviceAppManagement/mobileApps/{app}/deviceStatuses/{ds[0]['id']}", f"/beta/deviceAppManagement/mobileApps/{app}",
        f"/beta/deviceAppManagement/mobileApps/{app}/installSummary", f"/v1.0/deviceAppManagement/mobileAppConfigurations/{cfg}/userStatusSummary",
        f"/beta/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatusSummary", "/beta/deviceAppManagement", "/beta/$metadata", "/v1.0/",
        f"/beta/deviceAppManagement/mobileApps/{app}/userStatuses/{us['id']}", "/beta/deviceAppManagement/mobileApps/$count"]
    problems = []
    sent = 0
    for n in range(COUNT):
        kind = rng.randint(0, 9)
        headers = {}
        if kind <= 3:
            method, path, data = "GET", rng.choice(BASES)[0] + query(), None
        elif kind == 4:
            method, path, data = "GET", rng.choice(SINGLES) + query(), None
        elif kind == 5:
            path, base = rng.choice(BASES)
            method, data = "POST", body(base)
        elif kind == 6:
            method, path, data = rng.choice(["PATCH", "PUT", "DELETE", "POST", "HEAD", "OPTIONS", "GET"]), rng.choice(SINGLES), body(rng.choice(BASES)[1])
        elif kind == 7:
            method, path, data = "POST", rng.choice(["/beta/$batch", "/v1.0/$batch"]), batch_body()
        elif kind == 8:
            method, path, data = rng.choice(["GET", "POST"]), mutate_text(rng.choice(SINGLES + [b for b, _ in BASES])), None
            if rng.random() < 0.5:
                path = path.replace("('", "(").replace("/", "//", 1)
        else:
            method, path, data = "GET", rng.choice(SINGLES), None
            headers = rng.choice([{"Authorization": "Bearer x"}, {"Authorization": ""}, {"Authorization": "Basic YTpi"}, {"Prefer": "return=minimal;x"},
                                  {"Content-Type": "application/json; charset=latin1"}, {"Accept": "application/xml"}, {"If-Match": "*"},
                                  {"Authorization": "Bearer " + TOKEN[:-3] + "abc"}, {"Authorization": "Bearer " + ".".join(["e30"] * 3)}])
            if rng.random() < 0.5:
                path += query()
        if data is not None and rng.random() < 0.2:
            headers["Content-Type"] = rng.choice(["text/plain", "application/json;odata.metadata=full", "", "application/xml", "multipart/mixed"])
        try:
            r = call(method, path if path.startswith("/") else "/" + path, data, headers)
        except requests.exceptions.Timeout:
            problems.append(("no answer within 20 s", method, path[:200], (data or b"")[:200]))
            continue
        except requests.exceptions.ConnectionError as e:
            problems.append(("the connection dropped", method, path[:200], (data or b"")[:200], str(e)[:200]))
            continue
        except (requests.exceptions.InvalidURL, requests.exceptions.InvalidHeader, UnicodeError, ValueError):
            continue  # the client library would not send it
        sent += 1
        problem = problem_of(method, r)
        if problem:
            problems.append((problem, r.status_code, method, path[:200], (data or b"")[:200], r.text[:300]))
    assert sent > COUNT * 0.9
    assert not problems, "\n".join(map(repr, problems[:20]))
    again = call("GET", f"{witness_path}/{witness['id']}")
    assert again.status_code == 200, again.text
    assert {k: v for k, v in again.json().items() if k != "@odata.context"} == {k: v for k, v in witness.items() if k != "@odata.context"}
    assert call("GET", f"/beta/deviceAppManagement/mobileApps/{witness_app}/installSummary").json()["failedDeviceCount"] == 1
