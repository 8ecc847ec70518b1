import ODataModel

/// An OpenAPI 3.0 description of one version of the service, derived from the model as `$metadata` is:
/// every path the service routes (the singleton, each contained collection, its members and `/$count`,
/// summaries, type casts), the methods each takes as `ResourcePath.Target.methods` says, their query
/// options, bodies, answers and permissions, and a schema for every type. It takes the form of
/// Microsoft's own descriptions of Graph (schemas named `microsoft.graph.…`, `@odata.type`
/// discriminators, `…CollectionResponse`, `ODataErrors.ODataError`), so that tools made for those
/// (Kiota, Swagger UI, Postman, openapi-generator) read it as they read Graph's.
public struct OpenAPIDocument: Sendable {
    let service: ServiceModel
    let model: EdmModel
    let limits: QueryLimits

    public init(service: ServiceModel, model: EdmModel, limits: QueryLimits) {
        self.service = service
        self.model = model
        self.limits = limits
    }

    /// The document, for clients that reach the service at `serverURL` (`https://host`, no version).
    public func json(serverURL: String) -> JSONValue {
        var schemas = OpenAPISchemas(model: model, readOnly: Set(["id"] + service.serverManaged.keys))
        var paths: [(String, JSONValue)] = []
        for (name, typeName) in model.singletons.sorted(by: { $0.key < $1.key }) {
            guard let type = model.entityTypes[typeName] else { continue }
            let at = Place(path: "/" + name, names: [], operationScope: [name], parameters: [], keyNames: [])
            paths.append((at.path, pathItem(at, .singleton, type: type, singleton: name, schemas: &schemas)))
            walk(type, at, singleton: name, into: &paths, schemas: &schemas)
        }
        return .object([
            "openapi": "3.0.4",
            "info": .object([
                "title": .string("StatusGraph: Microsoft Graph deviceAppManagement (\(model.version))"),
                "description": .string(
                    "App install and app configuration statuses as Microsoft Graph serves them, from a StatusGraph server. "
                        + "Every request needs a bearer token (a JWT whose scp or roles hold the permissions each operation names)."),
                "version": .string(model.version),
            ]),
            "servers": .array([.object(["url": .string(serverURL + "/" + model.version)])]),
            "paths": .object(JSONObject(paths.map { (key: $0.0, value: $0.1) })),
            "components": schemas.components(limits: limits),
            "security": .array([.object(["bearer": .array([])])]),
        ])
    }

    /// The document as JSON text.
    public func text(serverURL: String) -> String {
        var w = JSONWriter(capacity: 1 << 18)
        w.json(json(serverURL: serverURL))
        return w.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Where a path is: its text, the navigation names from the singleton, the path's key parameters.
    struct Place {
        var path: String
        var names: [String]
        /// The names an operation id starts with (`deviceAppManagement.mobileApps`).
        var operationScope: [String]
        var parameters: [JSONValue]
        var keyNames: Set<String>
    }

    /// Adds the paths of every contained navigation of `type` (at `at`), and those under them.
    private func walk(
        _ type: StructuredType, _ at: Place, singleton: String, into paths: inout [(String, JSONValue)], schemas: inout OpenAPISchemas
    ) {
        for nav in type.navigationProperties where nav.containsTarget {
            guard let target = model.entityTypes[nav.target] else { continue }
            var here = at
            here.path += "/" + nav.name
            here.names.append(nav.name)
            guard nav.isCollection else {
                guard let summary = service.summary(for: nav.name, on: type) else { continue }
                paths.append((here.path, pathItem(here, .summary(summary), type: target, singleton: singleton, schemas: &schemas)))
                continue
            }
            paths.append((here.path, pathItem(here, .collection, type: target, singleton: singleton, schemas: &schemas)))
            paths.append((here.path + "/$count", pathItem(here, .count, type: target, singleton: singleton, schemas: &schemas)))
            for derived in target.derivedTypes.sorted() {
                guard let cast = model.entityTypes[derived] else { continue }
                paths.append(
                    (here.path + "/graph.\(derived)",
                     pathItem(here, .collection, type: cast, singleton: singleton, schemas: &schemas, cast: true)))
            }
            var member = here
            var key = "\(nav.target)-id"
            while member.keyNames.contains(key) { key += "1" }
            member.keyNames.insert(key)
            member.path += "/{\(key)}"
            member.operationScope.append(nav.name)
            member.parameters.append(
                .object([
                    "name": .string(key), "in": "path", "required": true,
                    "description": .string("The unique identifier of \(nav.target)"),
                    "schema": .object(["type": "string"]),
                    "x-ms-docs-key-type": .string(nav.target),
                ]))
            paths.append((member.path, pathItem(member, .entity, type: target, singleton: singleton, schemas: &schemas)))
            for derived in target.derivedTypes.sorted() {
                guard let cast = model.entityTypes[derived] else { continue }
                paths.append(
                    (member.path + "/graph.\(derived)",
                     pathItem(member, .entity, type: cast, singleton: singleton, schemas: &schemas, cast: true)))
            }
            walk(target, member, singleton: singleton, into: &paths, schemas: &schemas)
        }
    }

    /// The operations of one path: those its kind of resource takes (a type cast's only GET).
    private func pathItem(
        _ at: Place, _ target: ResourcePath.Target, type: StructuredType, singleton: String, schemas: inout OpenAPISchemas,
        cast: Bool = false
    ) -> JSONValue {
        var item = JSONObject()
        for method in target.methods where !cast || method == "GET" {
            item.members.append((method.lowercased(), operation(method, at, target, type: type, singleton: singleton, schemas: &schemas, cast: cast)))
        }
        if !at.parameters.isEmpty { item.members.append(("parameters", .array(at.parameters))) }
        return .object(item)
    }

    private func operation(
        _ method: String, _ at: Place, _ target: ResourcePath.Target, type: StructuredType, singleton: String,
        schemas: inout OpenAPISchemas, cast: Bool
    ) -> JSONValue {
        let entity = schemas.reference(type.name)
        let noun = at.names.last.map(Self.capitalized) ?? Self.capitalized(singleton)
        let scope = at.operationScope.joined(separator: ".")
        var op = JSONObject()
        var parameters: [JSONValue] = []
        var responses: [(String, JSONValue)] = []
        let verb: String
        switch (target, method) {
        case (.collection, "GET"):
            verb = "List"
            op.members.append(("summary", .string("List the \(at.names.last ?? "")" + (cast ? " of type \(type.name)" : ""))))
            parameters = ["top", "skip", "filter", "count"].map { .object(["$ref": .string("#/components/parameters/\($0)")]) }
            parameters += [orderBy(), select(type)] + (expand(type).map { [$0] } ?? [])
            responses.append(("200", .object(["$ref": .string("#/components/responses/\(schemas.collectionResponse(type.name))")])))
            op.members.append(("x-ms-pageable", .object(["nextLinkName": "@odata.nextLink", "operationName": "listMore"])))
        case (.collection, "POST"):
            verb = "Create"
            op.members.append(("summary", .string("Create a member of \(at.names.last ?? "")")))
            op.members.append(("requestBody", body(entity, "The new member")))
            let location = JSONValue.object(["Location": .object(["description": "The new member's URL", "schema": .object(["type": "string"])])])
            responses.append(("201", .object(["description": "Created", "headers": location, "content": content(entity)])))
            responses.append(("204", .object(["description": "Created (Prefer: return=minimal)", "headers": location])))
        case (.count, _):
            verb = "GetCount"
            op.members.append(("summary", .string("The number of \(at.names.last ?? "") (filtered by $filter)")))
            parameters = [.object(["$ref": "#/components/parameters/filter"])]
            responses.append(("200", .object(["$ref": "#/components/responses/ODataCountResponse"])))
        case (.entity, "GET"), (.singleton, "GET"), (.summary, _):
            verb = "Get"
            op.members.append(("summary", .string("Get " + (at.names.last.map { "a member of \($0)" } ?? singleton) + (cast ? " as \(type.name)" : ""))))
            parameters = [select(type)]
            if case .summary = target {} else if let e = expand(type) { parameters.append(e) }
            responses.append(("200", .object(["description": "Retrieved", "content": content(entity)])))
        case (_, "PATCH"):
            verb = "Update"
            op.members.append(("summary", .string("Update " + (at.names.last.map { "a member of \($0)" } ?? singleton))))
            op.members.append(("requestBody", body(entity, "The properties to change")))
            responses.append(("200", .object(["description": "Updated", "content": content(entity)])))
            responses.append(("204", .object(["description": "Updated (Prefer: return=minimal)"])))
        default:  // DELETE
            verb = "Delete"
            op.members.append(("summary", .string("Delete a member of \(at.names.last ?? ""), and all it contains")))
            responses.append(("204", .object(["description": "Deleted"])))
        }
        responses += [("4XX", .object(["$ref": "#/components/responses/error"])), ("5XX", .object(["$ref": "#/components/responses/error"]))]
        let operationID: String
        switch target {
        case .count: operationID = (at.operationScope + at.names.suffix(1)).joined(separator: ".") + ".GetCount"
        default: operationID = scope + "." + verb + noun + (cast ? ".As" + Self.capitalized(type.name) : "")
        }
        op.members.insert(("operationId", .string(operationID)), at: 0)
        op.members.insert(("tags", .array([.string(([singleton] + at.names).joined(separator: "."))])), at: 0)
        let permissions = service.permissionRule(for: at.names)?.permissions(for: Self.operation(method)) ?? []
        if !permissions.isEmpty {
            op.members.append(("description", .string("Permissions (any one): \(permissions.joined(separator: ", ")).")))
        }
        if !parameters.isEmpty { op.members.append(("parameters", .array(parameters))) }
        op.members.append(("responses", .object(JSONObject(responses.map { (key: $0.0, value: $0.1) }))))
        return .object(op)
    }

    private static func operation(_ method: String) -> PermissionRule.Operation {
        switch method {
        case "POST": .create
        case "PATCH": .update
        case "DELETE": .delete
        default: .read
        }
    }

    private func select(_ type: StructuredType) -> JSONValue {
        // The type's own properties, then those of the types derived from it (a polymorphic
        // collection takes them unqualified), each once; then their navigation properties, as Graph's
        // descriptions list them.
        let types = [type] + type.derivedTypes.sorted().compactMap { model.entityTypes[$0] }
        var names: [String] = []
        for p in types.flatMap(\.properties) where !names.contains(p.name) { names.append(p.name) }
        for n in types.flatMap(\.navigationProperties) where !names.contains(n.name) { names.append(n.name) }
        return arrayParameter("$select", "Select properties to be returned", names + ["*"])
    }

    private func expand(_ type: StructuredType) -> JSONValue? {
        let names = type.navigationProperties.filter { service.serves($0, of: type, in: model) }.map(\.name)
        return names.isEmpty ? nil : arrayParameter("$expand", "Expand related entities", ["*"] + names)
    }

    private func orderBy() -> JSONValue {
        .object([
            "name": "$orderby", "in": "query",
            "description": "Order items by property values: a property (or a path into a complex one, or a function of one), then asc or desc",
            "style": "form", "explode": false,
            "schema": .object(["uniqueItems": true, "type": "array", "items": .object(["type": "string"])]),
        ])
    }

    private func arrayParameter(_ name: String, _ description: String, _ values: [String]) -> JSONValue {
        .object([
            "name": .string(name), "in": "query", "description": .string(description), "style": "form", "explode": false,
            "schema": .object([
                "uniqueItems": true, "type": "array",
                "items": .object(["enum": .array(values.map(JSONValue.string)), "type": "string"]),
            ]),
        ])
    }

    private func body(_ schema: JSONValue, _ description: String) -> JSONValue {
        .object(["description": .string(description), "content": content(schema), "required": true])
    }

    private func content(_ schema: JSONValue) -> JSONValue {
        .object(["application/json": .object(["schema": schema])])
    }

    static func capitalized(_ name: String) -> String {
        name.prefix(1).uppercased() + name.dropFirst()
    }
}
