"""$metadata as real OData tooling reads it."""
import xml.etree.ElementTree as ET

EDM = "{http://docs.oasis-open.org/odata/ns/edm}"


def test_metadata_references_resolve(server):
    """Every type a property, navigation, base or singleton names is defined in the document."""
    for version in ("v1.0", "beta"):
        r = server.get(f"/{version}/$metadata")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/xml")
        schema = ET.fromstring(r.content).find(f".//{EDM}Schema")
        ns = schema.get("Namespace")
        defined = {f"{ns}.{e.get('Name')}" for e in schema if e.tag in (f"{EDM}EntityType", f"{EDM}ComplexType", f"{EDM}EnumType")}

        def check(type_name):
            inner = type_name[len("Collection("):-1] if type_name.startswith("Collection(") else type_name
            assert inner.startswith("Edm.") or inner in defined, f"{version}: {type_name} is not defined"

        for element in schema.iter():
            for attribute in ("Type", "BaseType"):
                if element.get(attribute):
                    check(element.get(attribute))
        singletons = [s.get("Name") for s in schema.iter(f"{EDM}Singleton")]
        assert singletons == ["deviceAppManagement"]


def test_metadata_loads_in_pyodata(server):
    """pyodata (an OData V2 client) reads the V4 document's schema: the enums, the complex types and
    the status and summary types with every property and type. V2 has no containment, so pyodata
    cannot represent the types that hold contained navigations (it replaces them with NullType,
    as it does for Graph's own $metadata); its warning policy reports just those."""
    from pyodata.v2.model import Config, MetadataBuilder, ParserError, PolicyWarning

    r = server.get("/beta/$metadata")
    config = Config(custom_error_policies={ParserError.ENTITY_TYPE: PolicyWarning(), ParserError.PROPERTY: PolicyWarning()})
    metadata = MetadataBuilder(r.content, config=config).build()
    status = metadata.entity_type("managedDeviceMobileAppConfigurationUserStatus")
    # (pyodata lists a type's own properties; `id` is declared on the base type `entity`.)
    assert {p.name: p.typ.name for p in status.proprties()} == {
        "devicesCount": "Edm.Int32", "lastReportedDateTime": "Edm.DateTimeOffset",
        "status": "complianceStatus", "userDisplayName": "Edm.String", "userPrincipalName": "Edm.String"}
    install = metadata.entity_type("mobileAppInstallStatus")
    assert install.proprty("installState").typ.name == "resultantAppState"
    assert [p.name for p in metadata.entity_type("mobileAppInstallSummary").proprties()][:3] == ["failedDeviceCount", "failedUserCount", "installedDeviceCount"]
    enum = metadata.enum_type("resultantAppState")
    assert [enum[name].value for name in ("notApplicable", "installed", "failed", "unknown")] == [-1, 1, 2, 99]
    assert [p.name for p in metadata.complex_type("mimeContent").proprties()] == ["type", "value"]


def test_the_cli_prints_what_the_server_answers(server):
    """`statusgraph metadata` gives the CSDL without a server, byte for byte what `$metadata` answers."""
    import subprocess
    from conftest import BINARY
    for version in ("v1.0", "beta"):
        printed = subprocess.run([BINARY, "metadata", "--version", version], capture_output=True, check=True, timeout=60).stdout
        assert printed == server.get(f"/{version}/$metadata", headers={"Accept-Encoding": "identity"}).content
    refused = subprocess.run([BINARY, "metadata", "--version", "v2.0"], capture_output=True, timeout=60)
    assert refused.returncode != 0 and b"--version must be v1.0 or beta" in refused.stderr
