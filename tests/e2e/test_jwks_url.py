"""Tokens of an outside issuer, verified against its JWKS URL, across a key rotation."""
import http.server
import json
import tempfile
import threading
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from conftest import Server

TENANT = "11111111-2222-3333-4444-555555555555"


class Issuer:
    """A tiny OIDC-like issuer: its JWKS on a loopback HTTP port, keys that can rotate."""

    def __init__(self):
        self.keys = {}
        self.fetches = 0
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                issuer.fetches += 1
                body = json.dumps({"keys": [jwk for _, jwk in issuer.keys.values()]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/keys"

    def add_rsa(self, kid):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
        self.keys[kid] = (key, jwk)

    def add_ec(self, kid):
        key = ec.generate_private_key(ec.SECP256R1())
        jwk = json.loads(ECAlgorithm.to_jwk(key.public_key()))
        jwk.update({"kid": kid, "alg": "ES256", "use": "sig"})
        self.keys[kid] = (key, jwk)

    def token(self, kid, **claims):
        key, jwk = self.keys[kid]
        now = int(time.time())
        payload = {"aud": "00000003-0000-0000-c000-000000000000", "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
                   "tid": TENANT, "iat": now, "nbf": now, "exp": now + 600,
                   "roles": ["DeviceManagementApps.ReadWrite.All"], **claims}
        return jwt.encode(payload, key, algorithm=jwk["alg"], headers={"kid": kid})


@pytest.fixture
def issuer():
    i = Issuer()
    yield i
    i.httpd.shutdown()


def test_jwks_url_keys_and_rotation(issuer):
    issuer.add_rsa("rsa-1")
    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--jwks-url", issuer.url).start()
        try:
            def status(token):
                return server.get("/v1.0/deviceAppManagement", headers={"Authorization": f"Bearer {token}"}).status_code

            assert status(issuer.token("rsa-1")) == 200
            fetched = issuer.fetches
            # The issuer rotates in an ES256 key: the first token naming it makes the server read the JWKS again.
            issuer.add_ec("ec-2")
            r = server.get("/v1.0/deviceAppManagement", headers={"Authorization": f"Bearer {issuer.token('ec-2')}"})
            assert r.status_code == 200, (r.text, issuer.fetches, fetched)
            assert issuer.fetches == fetched + 1
            # Keys it never published stay untrusted (and do not refetch more than once a minute).
            other = Issuer()
            other.add_rsa("rsa-9")
            assert status(other.token("rsa-9")) == 401
            assert issuer.fetches == fetched + 1
            assert status(issuer.token("rsa-1", iss="https://sts.windows.net/someone-else/")) == 401
            assert status(issuer.token("rsa-1", aud="api://something-else")) == 401
            other.httpd.shutdown()
        finally:
            server.stop()
