import Foundation

extension ServiceModel {
    /// Loads a service model from the JSON data file format of `tools/build-graph-model.py`.
    public convenience init(jsonData: Data) throws {
        let document = try JSONDecoder().decode(Document.self, from: jsonData)
        var models: [EdmModel] = []
        for (version, v) in document.versions.sorted(by: { $0.key > $1.key }) {  // "v1.0" before "beta"
            models.append(try v.model(namespace: document.namespace, version: version))
        }
        let summaries = document.service.summaries.map { s in
            Summary(
                parentType: s.type, navigation: s.navigation, fromParent: s.fromParent ?? [:],
                lastUpdateProperty: s.lastUpdate,
                sources: s.sources.map { src in
                    .init(
                        navigation: src.navigation,
                        rules: src.rules.map { r in
                            let condition: CountRule.Condition
                            if let property = r.property, let values = r.in {
                                condition = .oneOf(property: property, values: values)
                            } else if let property = r.property, let bound = r.greaterThan {
                                condition = .greaterThan(property: property, bound: bound)
                            } else {
                                condition = .always
                            }
                            return CountRule(count: r.count, condition: condition)
                        })
                })
        }
        let permissions = (document.service.permissions ?? []).map {
            PermissionRule(path: $0.path, read: $0.read ?? [], create: $0.create ?? [], update: $0.update ?? [], delete: $0.delete ?? [])
        }
        try self.init(
            versions: models, serverManaged: document.service.serverManaged, summaries: summaries, permissions: permissions,
            sortKeys: document.service.sortKeys ?? [:])
    }
}

private struct Document: Decodable {
    let namespace: String
    let versions: [String: Version]
    let service: Service

    struct Version: Decodable {
        let entityTypes: [String: TypeEntry]
        let complexTypes: [String: TypeEntry]
        let enumTypes: [String: EnumEntry]
        let singletons: [String: String]

        func model(namespace: String, version: String) throws -> EdmModel {
            let prefix = namespace + "."
            func unqualified(_ name: String) -> String {
                name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
            }
            func reference(_ text: String) throws(ModelError) -> TypeReference {
                if text.hasPrefix("Collection("), text.hasSuffix(")") {
                    return .collection(try reference(String(text.dropFirst(11).dropLast())))
                }
                if let kind = PrimitiveKind(rawValue: text) { return .primitive(kind) }
                let name = unqualified(text)
                if enumTypes[name] != nil { return .enumeration(name) }
                if complexTypes[name] != nil { return .complex(name) }
                if entityTypes[name] != nil { return .entity(name) }
                throw ModelError("\(version): unknown type '\(text)'")
            }
            var structured: [StructuredType] = []
            for (kind, table) in [(StructuredType.Kind.entity, entityTypes), (.complex, complexTypes)] {
                for (name, t) in table {
                    let properties = try t.properties.map { p in
                        Property(name: p.name, type: try reference(p.type), nullable: p.nullable)
                    }
                    let navigations = try (t.navigationProperties ?? []).map { n in
                        let target = try reference(n.type)
                        guard case .entity(let targetName) = target.element else {
                            throw ModelError("\(version): navigation '\(name).\(n.name)' must target an entity type")
                        }
                        return NavigationProperty(
                            name: n.name, target: targetName, isCollection: target.isCollection,
                            containsTarget: n.containsTarget)
                    }
                    structured.append(
                        StructuredType(
                            name: name, kind: kind, baseName: t.base.map(unqualified), isAbstract: t.abstract,
                            declaredProperties: properties, declaredNavigationProperties: navigations))
                }
            }
            let enums = enumTypes.map { name, e in
                EnumType(
                    name: name, isFlags: e.flags,
                    members: e.members.map { EnumType.Member(name: $0.name, value: $0.value) })
            }
            return try EdmModel(
                namespace: namespace, version: version, structuredTypes: structured, enumTypes: enums,
                singletons: singletons.mapValues(unqualified))
        }
    }

    struct TypeEntry: Decodable {
        let base: String?
        let abstract: Bool
        let properties: [PropertyEntry]
        let navigationProperties: [NavigationEntry]?
    }

    struct PropertyEntry: Decodable {
        let name: String
        let type: String
        let nullable: Bool
    }

    struct NavigationEntry: Decodable {
        let name: String
        let type: String
        let containsTarget: Bool
    }

    struct EnumEntry: Decodable {
        let flags: Bool
        let members: [MemberEntry]
    }

    /// A member is written `["name", value]`, the value null where unknown.
    struct MemberEntry: Decodable {
        let name: String
        let value: Int64?

        init(from decoder: Decoder) throws {
            var c = try decoder.unkeyedContainer()
            name = try c.decode(String.self)
            value = try c.decodeIfPresent(Int64.self)
        }
    }

    struct Service: Decodable {
        let serverManaged: [String: ServerManagedProperty]
        let summaries: [SummaryEntry]
        let permissions: [PermissionEntry]?
        let sortKeys: [String: [String]]?
    }

    struct PermissionEntry: Decodable {
        let path: String
        let read: [String]?
        let create: [String]?
        let update: [String]?
        let delete: [String]?
    }

    struct SummaryEntry: Decodable {
        let type: String
        let navigation: String
        let fromParent: [String: String]?
        let lastUpdate: String?
        let sources: [SourceEntry]
    }

    struct SourceEntry: Decodable {
        let navigation: String
        let rules: [RuleEntry]
    }

    struct RuleEntry: Decodable {
        let count: String
        let property: String?
        let `in`: [String]?
        let greaterThan: Int64?
    }
}

extension ServerManagedProperty: Decodable {}
