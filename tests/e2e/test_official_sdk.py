"""The official Python Graph SDKs (Kiota-based) against StatusGraph, changing only the base URL."""
import asyncio

import httpx
from kiota_abstractions.authentication import AccessTokenProvider, AllowedHostsValidator, BaseBearerTokenAuthenticationProvider
from kiota_http.httpx_request_adapter import HttpxRequestAdapter


class StaticToken(AccessTokenProvider):
    """Hands the SDK a token minted by the server (what azure-identity would fetch from Entra ID)."""

    def __init__(self, token):
        self.token = token

    async def get_authorization_token(self, uri, additional_authentication_context=None):
        return self.token

    def get_allowed_hosts_validator(self):
        return AllowedHostsValidator([])


def adapter(server, version, verify=True):
    auth = BaseBearerTokenAuthenticationProvider(StaticToken(server.token))
    return HttpxRequestAdapter(auth, http_client=httpx.AsyncClient(verify=verify), base_url=f"{server.url}/{version}")


def beta_client(server, verify=True):
    from msgraph_beta import GraphServiceClient
    return GraphServiceClient(request_adapter=adapter(server, "beta", verify))


def v1_client(server, verify=True):
    from msgraph import GraphServiceClient
    return GraphServiceClient(request_adapter=adapter(server, "v1.0", verify))


async def retrying_user_statuses(server, name):
    """The userStatuses of a new v1.0 configuration, through the SDK's default middleware (msgraph-core's,
    with its RetryHandler), as an application gets it from `GraphServiceClient(credentials)`."""
    from msgraph import GraphServiceClient
    from msgraph_core import GraphClientFactory
    from msgraph.generated.models.ios_mobile_app_configuration import IosMobileAppConfiguration
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient())
    auth = BaseBearerTokenAuthenticationProvider(StaticToken(server.token))
    client = GraphServiceClient(request_adapter=HttpxRequestAdapter(auth, http_client=http, base_url=f"{server.url}/v1.0"))
    configurations = client.device_app_management.mobile_app_configurations
    cfg = await configurations.post(IosMobileAppConfiguration(display_name=name))
    return configurations.by_managed_device_mobile_app_configuration_id(cfg.id).user_statuses


def test_v1_sdk_creates_configuration_statuses_and_reads_summary(server):
    from msgraph.generated.models.ios_mobile_app_configuration import IosMobileAppConfiguration
    from msgraph.generated.models.managed_device_mobile_app_configuration_user_status import \
        ManagedDeviceMobileAppConfigurationUserStatus
    from msgraph.generated.models.compliance_status import ComplianceStatus

    async def run():
        client = v1_client(server)
        dam = client.device_app_management
        cfg = await dam.mobile_app_configurations.post(IosMobileAppConfiguration(display_name="SDK config", version=2))
        assert cfg.id and cfg.odata_type == "#microsoft.graph.iosMobileAppConfiguration"
        statuses = dam.mobile_app_configurations.by_managed_device_mobile_app_configuration_id(cfg.id).user_statuses
        for status in (ComplianceStatus.Compliant, ComplianceStatus.Compliant, ComplianceStatus.Error):
            created = await statuses.post(ManagedDeviceMobileAppConfigurationUserStatus(
                user_display_name="Ada", status=status, devices_count=1))
            assert created.status == status
        page = await statuses.get()
        assert len(page.value) == 3
        summary = await dam.mobile_app_configurations.by_managed_device_mobile_app_configuration_id(cfg.id) \
            .user_status_summary.get()
        assert summary.success_count == 2 and summary.error_count == 1 and summary.configuration_version == 2
        listed = await dam.mobile_app_configurations.get()
        assert [c.id for c in listed.value] == [cfg.id]
        # `$expand=*`, a value of the SDK's typed parameter: every navigation, read into the model's own.
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph.generated.device_app_management.mobile_app_configurations.item.\
            managed_device_mobile_app_configuration_item_request_builder import ManagedDeviceMobileAppConfigurationItemRequestBuilder
        parameters = ManagedDeviceMobileAppConfigurationItemRequestBuilder.ManagedDeviceMobileAppConfigurationItemRequestBuilderGetQueryParameters
        item = dam.mobile_app_configurations.by_managed_device_mobile_app_configuration_id(cfg.id)
        expanded = await item.get(RequestConfiguration(query_parameters=parameters(expand=["*"])))
        assert sorted(s.status for s in expanded.user_statuses) == sorted([ComplianceStatus.Compliant] * 2 + [ComplianceStatus.Error])
        assert expanded.device_statuses == [] and expanded.device_status_summary.success_count == 0
        assert expanded.user_status_summary.success_count == 2 and expanded.user_status_summary.error_count == 1

    asyncio.run(run())


def test_beta_sdk_reads_apps_and_provisioning_statuses(server):
    from msgraph_beta.generated.models.web_app import WebApp
    from msgraph_beta.generated.models.ios_lob_app_provisioning_configuration import IosLobAppProvisioningConfiguration
    from msgraph_beta.generated.models.managed_device_mobile_app_configuration_device_status import \
        ManagedDeviceMobileAppConfigurationDeviceStatus

    async def run():
        client = beta_client(server)
        dam = client.device_app_management
        app = await dam.mobile_apps.post(WebApp(display_name="Web", app_url="https://contoso.example"))
        assert isinstance(app, WebApp) and app.app_url == "https://contoso.example"
        read = await dam.mobile_apps.by_mobile_app_id(app.id).get()
        assert isinstance(read, WebApp) and read.display_name == "Web"
        prov = await dam.ios_lob_app_provisioning_configurations.post(IosLobAppProvisioningConfiguration(
            display_name="Profile", payload_file_name="p", payload=b"payload"))
        devices = dam.ios_lob_app_provisioning_configurations.by_ios_lob_app_provisioning_configuration_id(prov.id).device_statuses
        created = await devices.post(ManagedDeviceMobileAppConfigurationDeviceStatus(device_display_name="iPhone"))
        assert created.device_display_name == "iPhone"
        page = await devices.get()
        assert [d.id for d in page.value] == [created.id]
        await dam.mobile_apps.by_mobile_app_id(app.id).delete()
        remaining = await dam.mobile_apps.get()
        assert remaining.value == []

    asyncio.run(run())


def test_beta_sdk_filtered_ordered_counted_query_follows_next_links(server):
    """The Kiota request builder writes $filter/$orderby/$count/$top/$select as %24-encoded options;
    the SDK's PageIterator follows @odata.nextLink verbatim to the end."""
    import requests
    from msgraph_beta.generated.device_app_management.mobile_app_configurations.item.device_statuses.device_statuses_request_builder import \
        DeviceStatusesRequestBuilder
    from kiota_abstractions.base_request_configuration import RequestConfiguration
    from msgraph_core import PageIterator

    # 2,500 statuses, sent as 125 $batch requests of 20 creates.
    cfg = server.post("/beta/deviceAppManagement/mobileAppConfigurations",
                      {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "C"}).json()["id"]
    states = ["compliant", "error", "nonCompliant", "unknown"]
    for b in range(125):
        reqs = [{"id": str(i), "method": "POST", "url": f"/deviceAppManagement/mobileAppConfigurations/{cfg}/deviceStatuses",
                 "headers": {"Content-Type": "application/json"},
                 "body": {"deviceDisplayName": f"device-{b * 20 + i:05d}", "status": states[(b * 20 + i) % 4]}}
                for i in range(20)]
        r = server.post("/beta/$batch", {"requests": reqs})
        assert r.status_code == 200 and all(x["status"] == 201 for x in r.json()["responses"])

    async def run():
        client = beta_client(server)
        builder = client.device_app_management.mobile_app_configurations \
            .by_managed_device_mobile_app_configuration_id(cfg).device_statuses
        params = DeviceStatusesRequestBuilder.DeviceStatusesRequestBuilderGetQueryParameters(
            filter="status eq 'error' or status eq 'compliant'", orderby=["deviceDisplayName desc"], count=True,
            select=["deviceDisplayName", "status"], top=1100)
        first = await builder.get(RequestConfiguration(query_parameters=params))
        assert first.odata_count == 1250
        assert first.odata_next_link and "%24skiptoken=" in first.odata_next_link or "$skiptoken=" in first.odata_next_link
        names = []

        def collect(item):
            names.append(item.device_display_name)
            return True

        iterator = PageIterator(first, client.request_adapter)  # parses later pages as the first one's type
        await iterator.iterate(collect)
        assert len(names) == 1100 and len(set(names)) == 1100
        assert names == sorted(names, reverse=True)
        assert names[0] == "device-02497"
        summary = await client.device_app_management.mobile_app_configurations \
            .by_managed_device_mobile_app_configuration_id(cfg).device_status_summary.get()
        assert summary.success_count == 625 and summary.error_count == 625 and summary.failed_count == 625

    asyncio.run(run())


def test_v1_sdk_batch_of_creates(server):
    """The SDK's own batching (msgraph-core's BatchRequestContent) sends each part's full URL and
    `depends_on` (Graph reads `dependsOn` and ignores it); the parts run and their answers come back."""
    from msgraph.generated.models.ios_mobile_app_configuration import IosMobileAppConfiguration
    from msgraph.generated.models.managed_device_mobile_app_configuration_device_status import \
        ManagedDeviceMobileAppConfigurationDeviceStatus
    from msgraph.generated.models.compliance_status import ComplianceStatus
    from msgraph_core.requests.batch_request_builder import BatchRequestBuilder
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    async def run():
        client = v1_client(server)
        cfg = await client.device_app_management.mobile_app_configurations.post(IosMobileAppConfiguration(display_name="B"))
        item = client.device_app_management.mobile_app_configurations.by_managed_device_mobile_app_configuration_id(cfg.id)
        content = BatchRequestContent({})
        for i in range(3):
            part = BatchRequestItem(request_information=item.device_statuses.to_post_request_information(
                ManagedDeviceMobileAppConfigurationDeviceStatus(device_display_name=f"d{i}", status=ComplianceStatus.Error)))
            assert part.url.startswith(server.url)  # the full URL, as the SDK sends it
            content.add_request(part.id, part)
        answer = await BatchRequestBuilder(client.request_adapter).post(content)
        assert sorted(r.status for r in answer.responses.values()) == [201, 201, 201]
        page = await item.device_statuses.get()
        assert sorted(d.device_display_name for d in page.value) == ["d0", "d1", "d2"]
        summary = await item.device_status_summary.get()
        assert summary.error_count == 3

    asyncio.run(run())


def test_sdk_retries_after_graphs_throttling():
    """Throttled as Graph throttles (`--throttle`), the SDK's default middleware (msgraph-core's, with
    its RetryHandler) waits the `Retry-After` of each 429 and tries again, so every create lands."""
    import tempfile
    import time
    from msgraph.generated.models.managed_device_mobile_app_configuration_user_status import \
        ManagedDeviceMobileAppConfigurationUserStatus
    from conftest import Server

    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--throttle", "app-writes=2/2s").start()
        try:
            async def run():
                statuses = await retrying_user_statuses(server, "throttled")
                started = time.monotonic()
                for i in range(4):  # one write a second after the first two: each of the last three waits
                    created = await statuses.post(ManagedDeviceMobileAppConfigurationUserStatus(user_display_name=f"u{i}"))
                    assert created.user_display_name == f"u{i}"
                assert time.monotonic() - started >= 1.5, "the writes were throttled and retried"
                page = await statuses.get()
                assert sorted(s.user_display_name for s in page.value) == ["u0", "u1", "u2", "u3"]

            asyncio.run(run())
            # Throttled without the SDK: Graph's answer (one write a second comes back, so of five in a row
            # some are refused however slowly they go out).
            answers = [server.post("/v1.0/deviceAppManagement/mobileAppConfigurations",
                                   {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "x"})
                       for _ in range(5)]
            refused = next((a for a in answers if a.status_code == 429), None)
            assert refused is not None, [a.status_code for a in answers]
            assert refused.json()["error"]["code"] == "TooManyRequests"
            assert int(refused.headers["Retry-After"]) >= 1
        finally:
            server.stop()


def test_sdk_retries_through_injected_faults():
    """Faults set through `/_statusgraph/faults` (`--allow-faults`): the SDK's default middleware retries
    Graph's transient 503 and 504 after their `Retry-After`, and a 502 it does not retry reaches the
    caller as the SDK's error. Each rule is counted, so the rules left say how often the SDK tried."""
    import tempfile
    from kiota_abstractions.api_error import APIError
    from msgraph.generated.models.managed_device_mobile_app_configuration_user_status import \
        ManagedDeviceMobileAppConfigurationUserStatus
    from conftest import Server

    with tempfile.TemporaryDirectory() as data_dir:
        server = Server(data_dir, "--allow-faults").start()
        try:
            async def run():
                statuses = await retrying_user_statuses(server, "faulty")
                r = server.request("PUT", "/_statusgraph/faults", json=[
                    {"method": "POST", "path": "/deviceAppManagement/mobileAppConfigurations/*/userStatuses",
                     "status": 503, "retryAfter": 1, "count": 2},
                    {"method": "GET", "path": "/deviceAppManagement/mobileAppConfigurations/*/userStatuses",
                     "status": 504, "retryAfter": 1, "count": 1},
                ])
                assert r.status_code == 200, r.text
                created = await statuses.post(ManagedDeviceMobileAppConfigurationUserStatus(user_display_name="u"))
                assert created.user_display_name == "u"
                page = await statuses.get()
                assert [s.user_display_name for s in page.value] == ["u"]
                left = server.get("/_statusgraph/faults").json()["value"]
                assert left == [], "the SDK retried until each rule was spent"
                r = server.request("PUT", "/_statusgraph/faults", json={"method": "GET", "status": 502, "count": 1})
                assert r.status_code == 200, r.text
                try:
                    await statuses.get()
                    raise AssertionError("a 502 reached the SDK's caller as an answer")
                except APIError as error:
                    assert error.response_status_code == 502
            asyncio.run(run())
        finally:
            server.stop()


def test_beta_sdk_reads_full_metadata_answers(server):
    """A client that asks for `odata.metadata=full` (as Intune scripts do, to see every value's type) gets
    what the SDK reads as it reads minimal answers: the same models, complex values typed by their
    `@odata.type`; the links full metadata adds stay in `additional_data`."""
    from msgraph_beta import GraphServiceClient
    from msgraph_beta.generated.models.win32_lob_app import Win32LobApp
    from msgraph_beta.generated.models.web_app import WebApp
    from msgraph_beta.generated.models.win32_lob_app_file_system_rule import Win32LobAppFileSystemRule
    from msgraph_beta.generated.models.win32_lob_app_rule_type import Win32LobAppRuleType
    from msgraph_beta.generated.models.win32_lob_app_file_system_operation_type import Win32LobAppFileSystemOperationType
    from msgraph_beta.generated.models.ios_mobile_app_configuration import IosMobileAppConfiguration
    from msgraph_beta.generated.models.managed_device_mobile_app_configuration_device_status import \
        ManagedDeviceMobileAppConfigurationDeviceStatus
    from msgraph_beta.generated.models.compliance_status import ComplianceStatus

    async def full(request):
        request.headers["Accept"] = "application/json;odata.metadata=full"

    async def run():
        plain = beta_client(server).device_app_management
        auth = BaseBearerTokenAuthenticationProvider(StaticToken(server.token))
        http = httpx.AsyncClient(event_hooks={"request": [full]})
        dam = GraphServiceClient(request_adapter=HttpxRequestAdapter(auth, http_client=http, base_url=f"{server.url}/beta")) \
            .device_app_management
        app = await dam.mobile_apps.post(Win32LobApp(display_name="Tool", install_command_line="setup.exe", rules=[Win32LobAppFileSystemRule(
            rule_type=Win32LobAppRuleType.Detection, path="C:\\Tool", file_or_folder_name="tool.exe",
            operation_type=Win32LobAppFileSystemOperationType.Exists)]))
        assert isinstance(app, Win32LobApp) and app.additional_data["@odata.id"].endswith(f"/mobileApps('{app.id}')")
        read, minimal = await dam.mobile_apps.by_mobile_app_id(app.id).get(), await plain.mobile_apps.by_mobile_app_id(app.id).get()
        assert isinstance(read, Win32LobApp) and read.install_command_line == "setup.exe"
        assert isinstance(read.rules[0], Win32LobAppFileSystemRule) and read.rules[0].path == "C:\\Tool"
        assert read.rules[0].operation_type == Win32LobAppFileSystemOperationType.Exists
        assert read.additional_data["size@odata.type"] == "#Int64"  # read-only: the SDK does not send it
        for name in ("id", "display_name", "size", "created_date_time", "applicable_architectures", "publishing_state"):
            assert getattr(read, name) == getattr(minimal, name), name
        rule = lambda r: (r.odata_type, r.rule_type, r.path, r.file_or_folder_name, r.operation_type, r.operator)  # noqa: E731
        assert [rule(r) for r in read.rules] == [rule(r) for r in minimal.rules]
        # The app is of a type derived from `mobileApp`: its edit link has the cast segment (its id has
        # none), and the SDK's cast request builders, which address that URL, read it.
        assert read.additional_data["@odata.editLink"].endswith(f"/mobileApps('{app.id}')/microsoft.graph.win32LobApp")
        cast = await dam.mobile_apps.by_mobile_app_id(app.id).graph_win32_lob_app.get()
        assert isinstance(cast, Win32LobApp) and cast.id == app.id
        assert cast.additional_data["@odata.context"].endswith("mobileApps/microsoft.graph.win32LobApp/$entity")
        listed = await plain.mobile_apps.graph_win32_lob_app.get()
        assert [a.id for a in listed.value] == [app.id]
        from kiota_abstractions.api_error import APIError
        web = await plain.mobile_apps.post(WebApp(display_name="Portal", app_url="https://portal.contoso.com"))
        try:
            await plain.mobile_apps.by_mobile_app_id(web.id).graph_win32_lob_app.get()
            raise AssertionError("a web app read as a win32 app")
        except APIError as e:
            assert e.response_status_code == 404

        cfg = await dam.mobile_app_configurations.post(IosMobileAppConfiguration(display_name="Config", version=3))
        item = dam.mobile_app_configurations.by_managed_device_mobile_app_configuration_id(cfg.id)
        status = await item.device_statuses.post(
            ManagedDeviceMobileAppConfigurationDeviceStatus(device_display_name="PC", status=ComplianceStatus.Compliant))
        assert status.status == ComplianceStatus.Compliant
        page = await item.device_statuses.get()
        assert [(s.id, s.device_display_name, s.status) for s in page.value] == [(status.id, "PC", ComplianceStatus.Compliant)]
        assert page.value[0].additional_data["@odata.editLink"].endswith(f"/mobileAppConfigurations('{cfg.id}')/deviceStatuses('{status.id}')")
        summary = await item.device_status_summary.get()
        assert summary.success_count == 1 and summary.configuration_version == 3
        assert summary.additional_data["lastUpdateDateTime@odata.type"] == "#DateTimeOffset"
        configuration = await item.get()
        assert configuration.additional_data["deviceStatuses@odata.navigationLink"].endswith(
            f"/mobileAppConfigurations('{cfg.id}')/microsoft.graph.iosMobileAppConfiguration/deviceStatuses")
        # `$select` with a navigation property, one of the values the SDK's typed parameter lists: its
        # link, and no other navigation's.
        from kiota_abstractions.base_request_configuration import RequestConfiguration
        from msgraph_beta.generated.device_app_management.mobile_app_configurations.item.\
            managed_device_mobile_app_configuration_item_request_builder import ManagedDeviceMobileAppConfigurationItemRequestBuilder
        parameters = ManagedDeviceMobileAppConfigurationItemRequestBuilder.ManagedDeviceMobileAppConfigurationItemRequestBuilderGetQueryParameters
        selected = await item.get(RequestConfiguration(query_parameters=parameters(select=["displayName", "deviceStatusSummary"])))
        assert selected.display_name == "Config" and selected.version is None
        links = sorted(k for k in selected.additional_data if k.endswith("@odata.navigationLink"))
        assert links == ["deviceStatusSummary@odata.navigationLink"], selected.additional_data
        assert selected.additional_data["@odata.context"].endswith("mobileAppConfigurations(displayName,deviceStatusSummary)/$entity")
        # `$select` paths into complex values (`rules/path`): each rule with only its path, still typed
        # by its `@odata.type`, in full metadata as in minimal.
        from msgraph_beta.generated.device_app_management.mobile_apps.item.mobile_app_item_request_builder import \
            MobileAppItemRequestBuilder
        parameters = MobileAppItemRequestBuilder.MobileAppItemRequestBuilderGetQueryParameters
        for apps in (dam, plain):
            part = await apps.mobile_apps.by_mobile_app_id(app.id).get(
                RequestConfiguration(query_parameters=parameters(select=["displayName", "rules/path"])))
            assert isinstance(part, Win32LobApp) and part.display_name == "Tool" and part.install_command_line is None
            assert [(type(r), r.path, r.file_or_folder_name) for r in part.rules] == [(Win32LobAppFileSystemRule, "C:\\Tool", None)]
            assert part.additional_data["@odata.context"].endswith("mobileApps(displayName,rules/path)/$entity")

    asyncio.run(run())
