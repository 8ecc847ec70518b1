import GraphModel
import ODataModel
import Storage
import Testing

/// The built-in model holds together and has what the issue lists, in each version.
@Suite struct ModelTests {
    let service = GraphModel.service

    @Test func loadsBothVersions() {
        #expect(service.versionNames == ["v1.0", "beta"])
        #expect(service.summaries.count == 3)
    }

    /// Each navigation path finds its own permission rule, any other the `*` rule: rules are found by a
    /// hash of the names, and a prefix, a longer path or the same names in another order are not theirs.
    @Test(arguments: [
        ([String](), ""), (["mobileApps"], "mobileApps"), (["iosLobAppProvisioningConfigurations"], "iosLobAppProvisioningConfigurations"),
        (["mobileAppConfigurations", "userStatuses"], "mobileAppConfigurations/userStatuses"),
        (["mobileAppConfigurations", "deviceStatuses"], "mobileAppConfigurations/deviceStatuses"),
        (["mobileAppConfigurations"], "*"), (["mobileApps", "userStatuses"], "*"), (["userStatuses", "mobileAppConfigurations"], "*"),
        (["mobileAppConfigurations", "userStatuses", "deviceStatuses"], "*"), (["mobileAppConfigurations/userStatuses"], "*"),
    ])
    func permissionRules(_ names: [String], rule: String) {
        #expect(service.permissionRule(for: names)?.path == rule)
        #expect(service.permissionRule(for: names.lazy.map { $0 })?.path == rule)
    }

    @Test(arguments: [
        ("v1.0", ["mobileApp", "webApp", "iosLobApp", "win32LobApp", "androidLobApp", "iosStoreApp", "androidStoreApp",
                  "managedDeviceMobileAppConfiguration", "iosMobileAppConfiguration", "managedDeviceMobileAppConfigurationUserStatus",
                  "managedDeviceMobileAppConfigurationDeviceStatus", "managedDeviceMobileAppConfigurationUserSummary",
                  "managedDeviceMobileAppConfigurationDeviceSummary", "deviceAppManagement"]),
        ("beta", ["androidManagedStoreAppConfiguration", "iosLobAppProvisioningConfiguration", "userAppInstallStatus",
                  "mobileAppInstallStatus", "mobileAppInstallSummary"]),
    ])
    func hasTheTypes(version: String, types: [String]) {
        let model = service.versions[version]!
        for t in types { #expect(model.entityTypes[t] != nil, "\(version) lacks \(t)") }
    }

    /// Every spelling of a type name that Graph accepts, and names that only look like one.
    @Test(arguments: [
        ("#microsoft.graph.webApp", "webApp"), ("microsoft.graph.webApp", "webApp"), ("webApp", "webApp"),
        ("#graph.webApp", "webApp"), ("graph.webApp", "webApp"), ("#microsoft.graph.mobileAppInstallStatus", "mobileAppInstallStatus"),
        ("#microsoft.graph.mobileAppInstallSummary", "mobileAppInstallSummary"),
        ("#microsoft.graphX.webApp", nil), ("#other.webApp", nil), ("#microsoft.graph.", nil), ("#microsoft.graph.nothing", nil), ("", nil),
    ] as [(String, String?)])
    func qualifiedTypeNames(written: String, type: String?) {
        let beta = service.versions["beta"]!
        #expect(beta.structuredType(qualified: Substring(written))?.name == type, "\(written)")
        // The same name inside a longer string (a Substring that is not the whole).
        let longer = "[" + written + "]"
        #expect(beta.structuredType(qualified: longer.dropFirst().dropLast())?.name == type, "\(written) inside \(longer)")
    }

    @Test func propertiesAsTheSchemaSays() throws {
        let beta = service.versions["beta"]!
        let status = try #require(beta.entityTypes["mobileAppInstallStatus"])
        #expect(status.property(named: "installState")?.type == .enumeration("resultantAppState"))
        #expect(status.property(named: "errorCode") == Property(name: "errorCode", type: .primitive(.int32), nullable: false))
        #expect(beta.entityTypes["iosLobApp"]?.property(named: "size")?.type == .primitive(.int64))
        #expect(beta.entityTypes["iosLobApp"]?.lineage == ["iosLobApp", "mobileLobApp", "mobileApp", "entity"])
        #expect(beta.entityTypes["mobileLobApp"]?.isAbstract == true)
        #expect(beta.enumTypes["windowsArchitecture"]?.isFlags == true)
        #expect(beta.enumTypes["resultantAppState"]?.defaultMember.name == "unknown")
        #expect(beta.enumTypes["complianceStatus"]?.defaultMember.name == "unknown")
        let v1 = service.versions["v1.0"]!
        #expect(v1.entityTypes["mobileApp"]?.navigationProperty(named: "userStatuses") == nil)
        #expect(v1.entityTypes["managedDeviceMobileAppConfigurationUserSummary"]?.property(named: "conflictCount") == nil)
        #expect(beta.entityTypes["androidLobApp"]?.property(named: "packageId") != nil)
    }

    @Test func layoutHasOneTablePerContainmentPath() throws {
        let layout = try StorageLayout(service: service)
        #expect(layout.tables.map(\.name).sorted() == [
            "deviceAppManagement", "iosLobAppProvisioningConfigurations", "iosLobAppProvisioningConfigurations_deviceStatuses",
            "iosLobAppProvisioningConfigurations_userStatuses", "mobileAppConfigurations", "mobileAppConfigurations_deviceStatuses",
            "mobileAppConfigurations_userStatuses", "mobileApps", "mobileApps_deviceStatuses", "mobileApps_userStatuses",
            "mobileApps_userStatuses_deviceStatuses",
        ])
        #expect(layout.table(path: ["mobileApps", "userStatuses"])?.feeds.map(\.summary.navigation) == ["installSummary"])
        #expect(layout.table(path: ["iosLobAppProvisioningConfigurations", "userStatuses"])?.feeds.isEmpty == true)
    }

    @Test func modelErrorsAreFound() {
        #expect(throws: ModelError.self) {
            try EdmModel(
                namespace: "n", version: "x",
                structuredTypes: [
                    StructuredType(name: "a", kind: .entity, baseName: "missing", isAbstract: false, declaredProperties: [], declaredNavigationProperties: [])
                ], enumTypes: [], singletons: [:])
        }
        #expect(throws: ModelError.self) {
            try EdmModel(
                namespace: "n", version: "x",
                structuredTypes: [
                    StructuredType(
                        name: "a", kind: .entity, baseName: nil, isAbstract: false,
                        declaredProperties: [Property(name: "p", type: .enumeration("nope"), nullable: true)], declaredNavigationProperties: [])
                ], enumTypes: [], singletons: [:])
        }
    }
}
