"""HTTPS with --tls auto: trusted through the generated CA, HTTP/2 negotiated, the official SDK over it."""
import asyncio

import httpx
import pytest
import requests

from test_official_sdk import v1_client


def test_https_with_the_generated_ca(tls_server):
    assert tls_server.url.startswith("https://localhost:")
    r = tls_server.get("/v1.0/deviceAppManagement")
    assert r.status_code == 200
    assert r.json()["@odata.context"].startswith(tls_server.url)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_server.url + "/health", timeout=10)  # not trusted without the CA
    ip = tls_server.url.replace("localhost", "127.0.0.1")
    assert requests.get(ip + "/health", verify=tls_server.ca, timeout=10).text == "ok"


def test_http2_is_negotiated(tls_server):
    with httpx.Client(http2=True, verify=tls_server.ca) as client:
        r = client.get(tls_server.url + "/beta/deviceAppManagement/mobileApps", headers=tls_server.auth)
        assert r.status_code == 200 and r.http_version == "HTTP/2"


def test_official_sdk_over_https(tls_server):
    from msgraph.generated.models.ios_mobile_app_configuration import IosMobileAppConfiguration
    from msgraph.generated.models.managed_device_mobile_app_configuration_device_status import \
        ManagedDeviceMobileAppConfigurationDeviceStatus

    async def run():
        client = v1_client(tls_server, verify=tls_server.ca)
        dam = client.device_app_management
        cfg = await dam.mobile_app_configurations.post(IosMobileAppConfiguration(display_name="Over TLS"))
        item = dam.mobile_app_configurations.by_managed_device_mobile_app_configuration_id(cfg.id)
        await item.device_statuses.post(ManagedDeviceMobileAppConfigurationDeviceStatus(device_display_name="iPad"))
        page = await item.device_statuses.get()
        assert [d.device_display_name for d in page.value] == ["iPad"]

    asyncio.run(run())
