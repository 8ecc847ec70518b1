"""The OpenAPI description ($openapi) as OpenAPI tooling reads it, held to what the server answers:
every operation it lists is called, and each answer is checked against the schema it describes."""
import json
import subprocess

from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate

from conftest import BINARY

VERSIONS = ("v1.0", "beta")


def resolve(document, value):
    while "$ref" in value:
        _, section, kind, name = value["$ref"].split("/")
        value = document[section][kind][name]
    return value


def check(document, template, method, response):
    """`response` is one the description gives for this operation, with the schema it gives."""
    described = document["paths"][template][method]["responses"]
    status = str(response.status_code)
    answer = described.get(status) or described.get(status[0] + "XX")
    assert answer is not None, f"{method.upper()} {template} answered {status}, which it does not describe: {response.text[:300]}"
    answer = resolve(document, answer)
    if "content" not in answer:
        assert response.content == b"", f"{method.upper()} {template}: {status} has a body it does not describe"
        return
    (media_type, media), = answer["content"].items()
    assert response.headers["Content-Type"].split(";")[0] == media_type, (template, response.headers["Content-Type"])
    body = response.json() if media_type == "application/json" else int(response.text)
    OAS30Validator({**media["schema"], "components": document["components"]}).validate(body)


def concrete(template, ids):
    """The template with each key the id created at the member path it ends (key names repeat across paths)."""
    parts = template.split("/")
    return "/".join(ids["/".join(parts[:i + 1])] if part.startswith("{") else part for i, part in enumerate(parts))


def test_the_description_is_valid_openapi_for_the_url_it_was_asked_at(server):
    for version in VERSIONS:
        r = server.get(f"/{version}/$openapi")
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json;charset=utf-8"
        document = r.json()
        validate(document)  # raises on anything OpenAPI 3.0 does not allow
        assert document["openapi"] == "3.0.4" and document["info"]["version"] == version
        assert document["servers"] == [{"url": f"{server.url}/{version}"}]
        # `statusgraph metadata --format openapi` prints the same without a server.
        printed = subprocess.run([BINARY, "metadata", "--version", version, "--format", "openapi", "--server-url", server.url],
                                 capture_output=True, check=True, timeout=60).stdout
        assert json.loads(printed) == document
    # As every path under a version: a token, and GET only.
    assert server.request("GET", "/beta/$openapi", headers={"Authorization": ""}).status_code == 401
    refused = server.post("/beta/$openapi", {})
    assert refused.status_code == 405 and refused.headers["Allow"] == "GET, HEAD"


def test_every_operation_it_describes_answers_as_described(server):
    for version in VERSIONS:
        document = server.get(f"/{version}/$openapi").json()
        paths = document["paths"]
        base = f"/{version}"
        ids = {}
        # Create a member of every collection, parents first; each answer as its 201 is described.
        for template in sorted(paths, key=lambda p: p.count("/")):
            if "post" not in paths[template]:
                continue
            schema = resolve(document, paths[template]["post"]["requestBody"]["content"]["application/json"]["schema"])
            # A collection of an abstract type takes a concrete one: the first its mapping names that has a default `@odata.type`.
            derived = [part for part in schema.get("allOf", [schema]) if "discriminator" in part]
            concrete_types = [name for name, ref in (derived[0]["discriminator"]["mapping"].items() if derived else [])
                              if "default" in resolve(document, {"$ref": ref})["allOf"][-1]["properties"]["@odata.type"]]
            body = {"@odata.type": concrete_types[0]} if derived else {}
            r = server.post(base + concrete(template, ids), body)
            assert r.status_code == 201, (template, body, r.text)
            check(document, template, "post", r)
            member, = [p for p in paths if p.startswith(template + "/{") and p.count("/") == template.count("/") + 1]
            ids[member] = r.json()["id"]
        # Read every path (a cast to a type the member is not answers 404, as described).
        for template, item in paths.items():
            if "get" not in item:
                continue
            r = server.get(base + concrete(template, ids) + ("?$count=true" if "x-ms-pageable" in item["get"] else ""))
            if "/graph." not in template:
                assert r.status_code == 200, (template, r.text)
            check(document, template, "get", r)
        # Change every entity (and the singleton) with an empty body, then delete the deepest first.
        for template, item in paths.items():
            if "patch" in item:
                r = server.patch(base + concrete(template, ids), {})
                assert r.status_code == 200, (template, r.text)
                check(document, template, "patch", r)
        for template in sorted((p for p in paths if "delete" in paths[p]), key=lambda p: -p.count("/")):
            r = server.delete(base + concrete(template, ids))
            assert r.status_code == 204, (template, r.text)
            check(document, template, "delete", r)
            gone = server.get(base + concrete(template, ids))
            assert gone.status_code == 404
            check(document, template, "get", gone)


def test_a_client_generated_from_it_works(server, tmp_path):
    """openapi-python-client, a generator of typed Python clients, makes one from the description
    without a warning, and that client creates, filters, orders, counts and reads a summary."""
    import importlib
    import sys
    (tmp_path / "beta.json").write_text(server.get("/beta/$openapi").text)
    subprocess.run([sys.executable, "-m", "openapi_python_client", "generate", "--path", str(tmp_path / "beta.json"), "--meta", "none",
                    "--output-path", str(tmp_path / "statusgraph_beta"), "--fail-on-warning"], check=True, capture_output=True, timeout=300)
    sys.path.insert(0, str(tmp_path))
    try:
        package = importlib.import_module("statusgraph_beta")
        models = importlib.import_module("statusgraph_beta.models")
        api = "statusgraph_beta.api.device_app_management_mobile_app_configurations"
        create_configuration = importlib.import_module(f"{api}.device_app_management_create_mobile_app_configurations")
        statuses = f"{api}_user_statuses.device_app_management_mobile_app_configurations_"
        create_status = importlib.import_module(statuses + "create_user_statuses")
        list_statuses = importlib.import_module(statuses + "list_user_statuses")
        summary = importlib.import_module(
            f"{api}_user_status_summary.device_app_management_mobile_app_configurations_get_user_status_summary")
        client = package.AuthenticatedClient(base_url=f"{server.url}/beta", token=server.token)

        configuration = create_configuration.sync(client=client, body=models.MicrosoftGraphIosMobileAppConfiguration.from_dict(
            {"@odata.type": "#microsoft.graph.iosMobileAppConfiguration", "displayName": "Generated"}))
        assert isinstance(configuration, models.MicrosoftGraphManagedDeviceMobileAppConfiguration), configuration
        for name, status in (("ada", "compliant"), ("bob", "error"), ("cy", "error")):
            body = models.MicrosoftGraphManagedDeviceMobileAppConfigurationUserStatus.from_dict(
                {"userPrincipalName": f"{name}@contoso.com", "status": status})
            created = create_status.sync(configuration.id, client=client, body=body)
            assert created.user_principal_name == f"{name}@contoso.com" and created.status.value == status
        page = list_statuses.sync(configuration.id, client=client, filter_="status eq 'error'", orderby=["userPrincipalName desc"],
                                  count=True, top=1)
        assert page.odata_count == 2 and [s.user_principal_name for s in page.value] == ["cy@contoso.com"]
        counts = summary.sync(configuration.id, client=client)
        assert (counts.success_count, counts.error_count) == (1, 2)
        missing = list_statuses.sync_detailed("no-such-configuration", client=client)
        assert missing.status_code == 404 and missing.parsed.error.code == "ResourceNotFound"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m.startswith("statusgraph_beta")]:
            del sys.modules[name]
