/// One version of a service's entity data model: its types and entity container, resolved and checked.
/// (A class: every request reaches it through several layers, and each copy of a struct would retain
/// each of its tables, on counters that both cores share.)
public final class EdmModel: Sendable {
    public let namespace: String
    /// The service version this model describes, e.g. `v1.0` or `beta`.
    public let version: String
    public let entityTypes: [String: StructuredType]
    public let complexTypes: [String: StructuredType]
    public let enumTypes: [String: EnumType]
    /// Singleton name → entity type name.
    public let singletons: [String: String]
    /// Every structured type by the name `@odata.type` gives it, `#microsoft.graph.webApp`.
    private let byODataType: [String: StructuredType]
    /// Type names by their lower-case form (names that fold together left out), for names a client writes in any case.
    private let foldedTypeNames: [String: String]

    public init(
        namespace: String, version: String, structuredTypes: [StructuredType], enumTypes: [EnumType],
        singletons: [String: String]
    ) throws(ModelError) {
        self.namespace = namespace
        self.version = version
        let enums = Dictionary(enumTypes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.enumTypes = enums
        self.singletons = singletons
        var byName: [String: StructuredType] = [:]
        for type in structuredTypes {
            guard byName[type.name] == nil else { throw ModelError("\(version): type '\(type.name)' is declared twice") }
            byName[type.name] = type
        }
        try Self.resolve(&byName, version: version, enums: enums)
        self.entityTypes = byName.filter { $0.value.kind == .entity }
        self.complexTypes = byName.filter { $0.value.kind == .complex }
        self.byODataType = Dictionary(uniqueKeysWithValues: byName.values.map { ("#\(namespace).\($0.name)", $0) })
        let names = Array(byName.keys)
        self.foldedTypeNames = foldedIndex(names).mapValues { names[$0] }
        for (name, type) in singletons where entityTypes[type] == nil {
            throw ModelError("\(version): singleton '\(name)' has unknown type '\(type)'")
        }
    }

    public func structuredType(named name: String) -> StructuredType? {
        entityTypes[name] ?? complexTypes[name]
    }

    /// The singleton a client names, in any case (Graph's resource names are case-insensitive): its name and type name.
    public func singleton(matching name: String) -> (name: String, type: String)? {
        if let type = singletons[name] { return (name, type) }
        let folded = name.lowercased()
        return singletons.first { $0.key.lowercased() == folded }.map { ($0.key, $0.value) }
    }

    /// Resolves a qualified or unqualified type name (`microsoft.graph.webApp`, `#microsoft.graph.webApp`, `webApp`).
    public func structuredType(qualified name: Substring) -> StructuredType? {
        // The form every `@odata.type` of a body takes, in one lookup (a whole string's Substring
        // becomes its String without a copy).
        if let type = byODataType[String(name)] { return type }
        var name = name
        if name.utf8.first == UInt8(ascii: "#") { name = name.dropFirst() }
        if name.lowercased().utf8.starts(with: namespace.lowercased().utf8), name.utf8.dropFirst(namespace.utf8.count).first == UInt8(ascii: ".") {
            name = name.dropFirst(namespace.count + 1)
        } else if name.lowercased().utf8.starts(with: "graph.".utf8) {
            name = name.dropFirst(6)  // Graph accepts the short alias too
        }
        // In any case, as Graph resolves type names in URLs.
        return structuredType(named: String(name)) ?? foldedTypeNames[name.lowercased()].flatMap(structuredType(named:))
    }

    /// `#microsoft.graph.name`, as `@odata.type` spells it.
    public func odataType(of name: String) -> String { "#\(namespace).\(name)" }

    private static func resolve(
        _ types: inout [String: StructuredType], version: String, enums: [String: EnumType]
    ) throws(ModelError) {
        func lineage(_ name: String) throws(ModelError) -> [String] {
            var chain: [String] = []
            var current: String? = name
            while let c = current {
                guard !chain.contains(c) else { throw ModelError("\(version): '\(name)' inherits from itself") }
                guard let t = types[c] else { throw ModelError("\(version): unknown base type '\(c)'") }
                chain.append(c)
                current = t.baseName
            }
            return chain
        }
        let names = types.keys.sorted()
        for name in names {
            let chain = try lineage(name)
            var properties: [Property] = []
            var navigations: [NavigationProperty] = []
            for ancestor in chain.reversed() {
                let t = types[ancestor]!
                guard t.kind == types[name]!.kind else {
                    throw ModelError("\(version): '\(name)' and its base '\(ancestor)' are of different kinds")
                }
                for p in t.declaredProperties {
                    guard !properties.contains(where: { $0.name == p.name }) else {
                        throw ModelError("\(version): '\(name)' declares '\(p.name)' twice")
                    }
                    try check(p.type, in: types, enums: enums, version: version, owner: name)
                    properties.append(p)
                }
                for n in t.declaredNavigationProperties {
                    guard types[n.target]?.kind == .entity else {
                        throw ModelError("\(version): navigation '\(ancestor).\(n.name)' targets unknown type '\(n.target)'")
                    }
                    navigations.append(n)
                }
            }
            types[name]!.resolve(properties: properties, navigations: navigations, lineage: chain)
        }
        for name in names {
            for ancestor in types[name]!.lineage.dropFirst() {
                types[ancestor]!.derivedTypes.append(name)
            }
        }
    }

    private static func check(
        _ type: TypeReference, in types: [String: StructuredType], enums: [String: EnumType], version: String,
        owner: String
    ) throws(ModelError) {
        switch type {
        case .primitive: return
        case .enumeration(let name):
            guard enums[name] != nil else { throw ModelError("\(version): '\(owner)' uses unknown enum '\(name)'") }
        case .complex(let name):
            guard types[name]?.kind == .complex else {
                throw ModelError("\(version): '\(owner)' uses unknown complex type '\(name)'")
            }
        case .entity(let name):
            throw ModelError("\(version): '\(owner)' has a structural property of entity type '\(name)'")
        case .collection(let inner):
            guard !inner.isCollection else { throw ModelError("\(version): '\(owner)' nests collections") }
            try check(inner, in: types, enums: enums, version: version, owner: owner)
        }
    }
}

/// A model that does not hold together; found at start-up, never while serving.
public struct ModelError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
