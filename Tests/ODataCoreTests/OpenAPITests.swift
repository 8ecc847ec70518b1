import GraphModel
import ODataCore
import ODataModel
import Testing

/// The OpenAPI description against the routing it describes: every path it lists binds, with the
/// methods that kind of resource takes; every reference resolves; every type has its schema.
@Suite struct OpenAPITests {
    static let versions = ["v1.0", "beta"]

    static func document(_ version: String) -> JSONObject {
        let service = GraphModel.service
        let json = OpenAPIDocument(service: service, model: service.versions[version]!, limits: QueryLimits()).json(serverURL: "https://h")
        guard case .object(let o) = json else { Issue.record("not an object"); return JSONObject() }
        return o
    }

    /// A path the description lists, bound as a request to it would be (each `{key}` stands for some id).
    static func bind(_ path: String, _ binder: PathBinder) throws -> ResourcePath {
        try binder.bind(try PathParser.parse(Substring(path.split(separator: "/").map { $0.hasPrefix("{") ? "k" : $0 }.joined(separator: "/"))))
    }

    static func object(_ value: JSONValue?) -> JSONObject {
        if case .object(let o) = value { return o }
        return JSONObject()
    }

    @Test(arguments: versions)
    func everyPathBindsWithTheMethodsItsResourceTakes(_ version: String) throws {
        let service = GraphModel.service
        let binder = PathBinder(service: service, model: service.versions[version]!)
        let paths = Self.object(Self.document(version)["paths"])
        #expect(paths.members.count > 10)
        for (path, item) in paths.members {
            let bound = try Self.bind(path, binder)
            let methods = Self.object(item).members.map(\.key).filter { $0 != "parameters" }
            let expected = bound.cast == nil ? bound.target.methods.map { $0.lowercased() } : ["get"]
            #expect(methods == expected, "\(version) \(path)")
            // Its key parameters are the path's.
            let declared = Self.object(item)["parameters"].map { p -> [String] in
                guard case .array(let items) = p else { return [] }
                return items.compactMap { if case .string(let n) = Self.object($0)["name"] { return n } else { return nil } }
            } ?? []
            #expect(declared == path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) })
        }
        // The collections, their members and counts, summaries and casts, from the model.
        let listed = Set(paths.members.map(\.key))
        let expected =
            version == "beta"
            ? [
                "/deviceAppManagement/mobileApps/{mobileApp-id}/userStatuses/{userAppInstallStatus-id}/deviceStatuses/{mobileAppInstallStatus-id}",
                "/deviceAppManagement/mobileApps/{mobileApp-id}/installSummary", "/deviceAppManagement/mobileApps/graph.win32LobApp",
                "/deviceAppManagement/iosLobAppProvisioningConfigurations/{iosLobAppProvisioningConfiguration-id}/deviceStatuses/$count",
            ]
            : [
                "/deviceAppManagement", "/deviceAppManagement/mobileApps/{mobileApp-id}/graph.win32LobApp",
                "/deviceAppManagement/mobileAppConfigurations/{managedDeviceMobileAppConfiguration-id}/userStatusSummary",
            ]
        for path in expected { #expect(listed.contains(path), "\(version) lacks \(path)") }
        #expect(version == "beta" || !listed.contains { $0.contains("userStatuses") && $0.hasPrefix("/deviceAppManagement/mobileApps") })
    }

    /// Each value a GET lists for `$select` and `$expand` binds on the resource it reads: what the
    /// description offers (Kiota's SDKs make these their typed parameters), the server takes. `$select`
    /// lists navigation properties too, as Graph's descriptions do.
    @Test(arguments: versions)
    func everySelectAndExpandValueItListsBinds(_ version: String) throws {
        let service = GraphModel.service
        let model = service.versions[version]!
        let paths = PathBinder(service: service, model: model)
        let queries = QueryBinder(service: service, model: model, limits: QueryLimits(), dollarOptional: version == "beta")
        var checked = 0
        var navigationsSelected = 0
        for (path, item) in Self.object(Self.document(version)["paths"]).members {
            guard case .array(let parameters) = Self.object(Self.object(item)["get"])["parameters"] else { continue }
            let bound = try Self.bind(path, paths)
            let collection = if case .collection = bound.target { true } else { false }
            for parameter in parameters.map(Self.object) {
                guard case .string(let name) = parameter["name"], name == "$select" || name == "$expand",
                    case .array(let values) = Self.object(Self.object(parameter["schema"])["items"])["enum"]
                else { continue }
                for case .string(let value) in values {
                    let options = try QueryOptions(parsing: Substring("\(name)=\(value)"))
                    #expect(throws: Never.self, "\(version) \(path) \(name)=\(value)") {
                        let query = try queries.bind(options, type: bound.cast ?? bound.type, collection: collection)
                        if query.select?.first?.isNavigation == true { navigationsSelected += 1 }
                    }
                    checked += 1
                }
            }
        }
        #expect(checked > 500)
        #expect(navigationsSelected > 10)
    }

    @Test(arguments: versions)
    func referencesResolveAndOperationIDsAreUnique(_ version: String) {
        let document = Self.document(version)
        let components = Self.object(document["components"])
        var references: [String] = []
        var operationIDs: [String] = []
        func visit(_ value: JSONValue) {
            switch value {
            case .object(let o):
                for (key, v) in o.members {
                    if key == "$ref", case .string(let r) = v { references.append(r) }
                    if key == "operationId", case .string(let id) = v { operationIDs.append(id) }
                    visit(v)
                }
            case .array(let items): items.forEach(visit)
            default: break
            }
        }
        visit(.object(document))
        #expect(references.count > 100)
        for reference in Set(references) {
            let parts = reference.split(separator: "/").map(String.init)
            #expect(parts.count == 4 && parts[0] == "#" && parts[1] == "components", "\(reference)")
            #expect(Self.object(components[parts[2]])[parts[3]] != nil, "\(version): \(reference) resolves to nothing")
        }
        #expect(Set(operationIDs).count == operationIDs.count, "\(version): operation ids repeat")
    }

    @Test(arguments: versions)
    func everyTypeHasItsSchema(_ version: String) {
        let model = GraphModel.service.versions[version]!
        let schemas = Self.object(Self.object(Self.document(version)["components"])["schemas"])
        for name in Array(model.entityTypes.keys) + Array(model.complexTypes.keys) + Array(model.enumTypes.keys) {
            #expect(schemas["microsoft.graph.\(name)"] != nil, "\(version): no schema for \(name)")
        }
        // A derived type is its base and its own properties; the declared type of a polymorphic
        // collection maps each `@odata.type` to its schema.
        guard case .array(let parts) = Self.object(schemas["microsoft.graph.win32LobApp"])["allOf"] else {
            Issue.record("win32LobApp has no allOf"); return
        }
        #expect(parts.first == ["$ref": "#/components/schemas/microsoft.graph.mobileLobApp"])
        let own = Self.object(Self.object(parts.last)["properties"])
        #expect(own["installCommandLine"] == ["type": "string", "nullable": true])
        #expect(own["@odata.type"] == ["type": "string", "default": "#microsoft.graph.win32LobApp"])
        let mobileApp = Self.object(Self.object(schemas["microsoft.graph.mobileApp"])["allOf"].flatMap { v -> JSONValue? in
            if case .array(let a) = v { return a.last } else { return nil }
        })
        let mapping = Self.object(Self.object(mobileApp["discriminator"])["mapping"])
        #expect(mapping["#microsoft.graph.win32LobApp"] == "#/components/schemas/microsoft.graph.win32LobApp")
        #expect(mapping.members.count == model.entityTypes["mobileApp"]!.derivedTypes.count)
        // Enums by member name; flags marked as Graph marks them; what the server sets, read-only.
        #expect(Self.object(schemas["microsoft.graph.windowsArchitecture"])["x-ms-enum-flags"] == ["isFlags": true])
        let status = Self.object(Self.object(schemas["microsoft.graph.managedDeviceMobileAppConfigurationUserStatus"])["allOf"].flatMap { v -> JSONValue? in
            if case .array(let a) = v { return a.last } else { return nil }
        })
        #expect(Self.object(status["properties"])["status"] == ["$ref": "#/components/schemas/microsoft.graph.complianceStatus"])
        let entity = Self.object(Self.object(schemas["microsoft.graph.entity"])["properties"])
        #expect(entity["id"] == ["type": "string", "readOnly": true])
    }
}
