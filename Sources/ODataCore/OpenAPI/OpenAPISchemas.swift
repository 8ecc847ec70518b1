import ODataModel

/// The components of an OpenAPI description: a schema for every enum, complex and entity type of the
/// model, as the server reads and writes them (a derived type `allOf` its base; a type that navigations
/// or properties are declared with and that has derived types is told apart by its `@odata.type`), and
/// the collection answers, error body, count and shared query parameters its operations refer to.
struct OpenAPISchemas {
    let model: EdmModel
    /// Properties the server sets itself (marked `readOnly`).
    let readOnly: Set<String>
    /// The types whose collections some path lists, for their `…CollectionResponse`.
    private var listed: Set<String> = []

    init(model: EdmModel, readOnly: Set<String>) {
        self.model = model
        self.readOnly = readOnly
    }

    /// A `$ref` to the schema of the type `name`.
    func reference(_ name: String) -> JSONValue {
        ["$ref": .string("#/components/schemas/\(model.namespace).\(name)")]
    }

    /// The name of the answer listing members of type `name` (recorded, to be written with the components).
    mutating func collectionResponse(_ name: String) -> String {
        listed.insert(name)
        return "\(model.namespace).\(name)CollectionResponse"
    }

    func components(limits: QueryLimits) -> JSONValue {
        var schemas: [(key: String, value: JSONValue)] = []
        let structured = (Array(model.entityTypes.values) + Array(model.complexTypes.values)).sorted { $0.name < $1.name }
        let declared = declaredTypes()
        for type in structured {
            schemas.append(("\(model.namespace).\(type.name)", schema(of: type, discriminated: declared.contains(type.name))))
        }
        for e in model.enumTypes.values.sorted(by: { $0.name < $1.name }) {
            var s: JSONObject = ["title": .string(e.name), "enum": .array(e.members.map { .string($0.name) }), "type": "string"]
            // Flags travel as comma-separated member names (`"x86,x64"`), as in Graph's descriptions.
            if e.isFlags { s.members.append(("x-ms-enum-flags", ["isFlags": true])) }
            schemas.append(("\(model.namespace).\(e.name)", .object(s)))
        }
        var responses: [(key: String, value: JSONValue)] = [
            ("error", ["description": "error", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(Self.error)"]]]]),
            ("ODataCountResponse", ["description": "The count of the resource", "content": ["text/plain": ["schema": ["$ref": "#/components/schemas/ODataCountResponse"]]]]),
        ]
        for name in listed.sorted() {
            let response = "\(model.namespace).\(name)CollectionResponse"
            schemas.append(
                (response,
                 [
                    "title": .string("Collection of \(name)"), "type": "object",
                    "allOf": [
                        ["$ref": "#/components/schemas/BaseCollectionPaginationCountResponse"],
                        ["type": "object", "properties": ["value": ["type": "array", "items": reference(name)]]],
                    ],
                 ]))
            responses.append((response, ["description": "Retrieved collection", "content": ["application/json": ["schema": ["$ref": .string("#/components/schemas/\(response)")]]]]))
        }
        schemas += Self.fixedSchemas
        return [
            "schemas": .object(JSONObject(schemas)),
            "responses": .object(JSONObject(responses)),
            "parameters": [
                "top": Self.parameter("$top", "Show only the first n items", ["minimum": 0, "maximum": .number(String(limits.maxTop)), "type": "integer"]),
                "skip": Self.parameter("$skip", "Skip the first n items", ["minimum": 0, "maximum": .number(String(limits.maxSkip)), "type": "integer"]),
                "filter": Self.parameter("$filter", "Filter items by property values", ["type": "string"]),
                "count": Self.parameter("$count", "Include count of items", ["type": "boolean"]),
            ],
            "securitySchemes": [
                "bearer": [
                    "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": "A token for the audience https://graph.microsoft.com with the tenant in tid and the permissions in scp (delegated) or roles (application); `statusgraph token` mints one.",
                ]
            ],
        ]
    }

    /// The types some navigation, singleton or property is declared with: where a value of a type
    /// derived from them may stand, and its `@odata.type` says which.
    private func declaredTypes() -> Set<String> {
        var names = Set(model.singletons.values)
        for type in Array(model.entityTypes.values) + Array(model.complexTypes.values) {
            for nav in type.declaredNavigationProperties { names.insert(nav.target) }
            for p in type.declaredProperties {
                if case .complex(let name) = p.type.element { names.insert(name) }
            }
        }
        return names
    }

    private func schema(of type: StructuredType, discriminated: Bool) -> JSONValue {
        var properties: [(key: String, value: JSONValue)] = type.declaredProperties.map { ($0.name, schema(of: $0)) }
        var odataType: JSONObject = ["type": "string"]
        if !type.isAbstract { odataType.members.append(("default", .string(model.odataType(of: type.name)))) }
        properties.append(("@odata.type", .object(odataType)))
        var s: JSONObject = ["title": .string(type.name), "type": "object", "properties": .object(JSONObject(properties))]
        if discriminated, !type.derivedTypes.isEmpty {
            s.members.append(("required", ["@odata.type"]))
            let mapping = type.derivedTypes.sorted().map { (key: model.odataType(of: $0), value: JSONValue.string("#/components/schemas/\(model.namespace).\($0)")) }
            s.members.append(("discriminator", ["propertyName": "@odata.type", "mapping": .object(JSONObject(mapping))]))
        }
        guard let base = type.baseName else { return .object(s) }
        return ["allOf": [reference(base), .object(s)]]
    }

    private func schema(of property: Property) -> JSONValue {
        var s = schema(of: property.type, nullable: property.nullable)
        if readOnly.contains(property.name), case .object(var o) = s, o["$ref"] == nil {
            o.members.append(("readOnly", true))
            s = .object(o)
        }
        return s
    }

    private func schema(of type: TypeReference, nullable: Bool) -> JSONValue {
        switch type {
        case .primitive(.double):
            // A number, or the strings INF, -INF and NaN.
            var number: JSONObject = ["type": "number", "format": "double"]
            if nullable { number.members.append(("nullable", true)) }
            return ["oneOf": [.object(number), ["$ref": "#/components/schemas/ReferenceNumeric"]]]
        case .primitive(let kind):
            var s = Self.primitive(kind)
            if nullable { s.members.append(("nullable", true)) }
            return .object(s)
        case .enumeration(let name), .complex(let name), .entity(let name):
            // OpenAPI 3.0 takes nothing beside a `$ref`: a nullable one is one of it or null.
            return nullable ? ["anyOf": [reference(name), ["type": "object", "nullable": true]]] : reference(name)
        case .collection(let element):
            var s: JSONObject = ["type": "array", "items": schema(of: element, nullable: false)]
            if nullable { s.members.append(("nullable", true)) }
            return .object(s)
        }
    }

    private static func primitive(_ kind: PrimitiveKind) -> JSONObject {
        switch kind {
        case .string: ["type": "string"]
        case .boolean: ["type": "boolean"]
        case .int32: ["maximum": .number("2147483647"), "minimum": .number("-2147483648"), "type": "integer", "format": "int32"]
        case .int64: ["type": "integer", "format": "int64"]
        case .double: ["type": "number", "format": "double"]
        case .dateTimeOffset: ["type": "string", "format": "date-time", "pattern": .string(dateTimePattern)]
        case .binary: ["type": "string", "format": "byte"]
        case .guid: ["type": "string", "format": "uuid", "pattern": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"]
        case .date: ["type": "string", "format": "date", "pattern": "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"]
        case .timeOfDay: ["type": "string", "format": "time", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?$"]
        case .duration: ["type": "string", "format": "duration", "pattern": "^-?P([0-9]+D)?(T([0-9]+H)?([0-9]+M)?([0-9]+([.][0-9]+)?S)?)?$"]
        }
    }

    static let dateTimePattern =
        "^[0-9]{4,}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,12})?(Z|[+-][0-9][0-9]:[0-9][0-9])$"

    private static func parameter(_ name: String, _ description: String, _ schema: JSONValue) -> JSONValue {
        ["name": .string(name), "in": "query", "description": .string(description), "style": "form", "explode": false, "schema": schema]
    }

    static let error = "microsoft.graph.ODataErrors.ODataError"

    /// The schemas every description has: Graph's error body, a page's annotations, a count, INF and NaN.
    private static let fixedSchemas: [(key: String, value: JSONValue)] = [
        ("BaseCollectionPaginationCountResponse",
         [
            "title": "Base collection pagination and count responses", "type": "object",
            "properties": [
                "@odata.count": ["type": "integer", "format": "int64", "nullable": true],
                "@odata.nextLink": ["type": "string", "nullable": true],
            ],
         ]),
        ("ODataCountResponse", ["type": "integer", "format": "int64"]),
        ("ReferenceNumeric", ["enum": ["-INF", "INF", "NaN"], "type": "string", "nullable": true]),
        (error,
         [
            "required": ["error"], "type": "object",
            "properties": ["error": ["$ref": "#/components/schemas/microsoft.graph.ODataErrors.MainError"]],
         ]),
        ("microsoft.graph.ODataErrors.MainError",
         [
            "required": ["code", "message"], "type": "object",
            "properties": [
                "code": ["type": "string"], "message": ["type": "string", "x-ms-primary-error-message": true],
                "target": ["type": "string", "nullable": true],
                "details": ["type": "array", "items": ["$ref": "#/components/schemas/microsoft.graph.ODataErrors.ErrorDetails"]],
                "innerError": ["$ref": "#/components/schemas/microsoft.graph.ODataErrors.InnerError"],
            ],
         ]),
        ("microsoft.graph.ODataErrors.ErrorDetails",
         [
            "required": ["code", "message"], "type": "object",
            "properties": ["code": ["type": "string"], "message": ["type": "string"], "target": ["type": "string", "nullable": true]],
         ]),
        ("microsoft.graph.ODataErrors.InnerError",
         [
            "type": "object",
            "properties": [
                "request-id": ["type": "string", "nullable": true],
                "client-request-id": ["type": "string", "nullable": true],
                // In UTC without an offset (`2026-12-05T23:23:36`), as Graph writes it: not RFC 3339's date-time.
                "date": ["type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}$", "nullable": true],
            ],
         ]),
    ]
}
