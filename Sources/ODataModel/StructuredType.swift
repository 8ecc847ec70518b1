/// An entity or complex type, with what it declares itself and what it inherits, resolved once.
public struct StructuredType: Sendable {
    public enum Kind: Sendable, Equatable { case entity, complex }

    /// The fields, behind one reference: a type is handed around on every request (paths, calls,
    /// payloads), and copying ten arrays and strings each time would retain ten references.
    private final class Storage: Sendable {
        let name: String
        let kind: Kind
        let baseName: String?
        let isAbstract: Bool
        let declaredProperties: [Property]
        let declaredNavigationProperties: [NavigationProperty]
        let properties: [Property]
        let navigationProperties: [NavigationProperty]
        let lineage: [String]
        let derivedTypes: [String]
        let propertyIndex: [String: Int]
        let navigationIndex: [String: Int]
        /// The same, by names in lower case (a name two members share that way is left out).
        let foldedPropertyIndex: [String: Int]
        let foldedNavigationIndex: [String: Int]

        init(
            name: String, kind: Kind, baseName: String?, isAbstract: Bool, declaredProperties: [Property],
            declaredNavigationProperties: [NavigationProperty], properties: [Property], navigationProperties: [NavigationProperty],
            lineage: [String], derivedTypes: [String]
        ) {
            self.name = name
            self.kind = kind
            self.baseName = baseName
            self.isAbstract = isAbstract
            self.declaredProperties = declaredProperties
            self.declaredNavigationProperties = declaredNavigationProperties
            self.properties = properties
            self.navigationProperties = navigationProperties
            self.lineage = lineage
            self.derivedTypes = derivedTypes
            propertyIndex = Dictionary(properties.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { $1 })
            navigationIndex = Dictionary(navigationProperties.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { $1 })
            foldedPropertyIndex = foldedIndex(properties.map(\.name))
            foldedNavigationIndex = foldedIndex(navigationProperties.map(\.name))
        }

        func with(
            properties: [Property]? = nil, navigationProperties: [NavigationProperty]? = nil, lineage: [String]? = nil,
            derivedTypes: [String]? = nil
        ) -> Storage {
            Storage(
                name: name, kind: kind, baseName: baseName, isAbstract: isAbstract, declaredProperties: declaredProperties,
                declaredNavigationProperties: declaredNavigationProperties, properties: properties ?? self.properties,
                navigationProperties: navigationProperties ?? self.navigationProperties, lineage: lineage ?? self.lineage,
                derivedTypes: derivedTypes ?? self.derivedTypes)
        }
    }

    private var storage: Storage

    public var name: String { storage.name }
    public var kind: Kind { storage.kind }
    public var baseName: String? { storage.baseName }
    public var isAbstract: Bool { storage.isAbstract }
    /// Declared by this type only.
    public var declaredProperties: [Property] { storage.declaredProperties }
    public var declaredNavigationProperties: [NavigationProperty] { storage.declaredNavigationProperties }
    /// Every structural property, the base type's first, in declaration order.
    public var properties: [Property] { storage.properties }
    public var navigationProperties: [NavigationProperty] { storage.navigationProperties }
    /// This type and its ancestors, nearest first.
    public var lineage: [String] { storage.lineage }
    /// Every type derived from this one, directly or not (not this type itself).
    public internal(set) var derivedTypes: [String] {
        get { storage.derivedTypes }
        set { storage = storage.with(derivedTypes: newValue) }
    }

    public init(
        name: String, kind: Kind, baseName: String?, isAbstract: Bool,
        declaredProperties: [Property], declaredNavigationProperties: [NavigationProperty]
    ) {
        storage = Storage(
            name: name, kind: kind, baseName: baseName, isAbstract: isAbstract, declaredProperties: declaredProperties,
            declaredNavigationProperties: declaredNavigationProperties, properties: [], navigationProperties: [], lineage: [],
            derivedTypes: [])
    }

    public func property(named name: String) -> Property? {
        storage.propertyIndex[name].map { storage.properties[$0] }
    }

    /// Where the property `name` is in `properties`, or nil.
    public func propertyPosition(named name: String) -> Int? {
        storage.propertyIndex[name]
    }

    public func navigationProperty(named name: String) -> NavigationProperty? {
        storage.navigationIndex[name].map { storage.navigationProperties[$0] }
    }

    /// The property a client names, in any case: Graph takes property names in URLs and bodies case-
    /// insensitively (the exact name first, then one that differs only in case, if only one does).
    public func property(matching name: String) -> Property? {
        propertyPosition(matching: name).map { storage.properties[$0] }
    }

    /// Where the property a client names, in any case, is in `properties` (see `property(matching:)`).
    public func propertyPosition(matching name: String) -> Int? {
        storage.propertyIndex[name] ?? storage.foldedPropertyIndex[name.lowercased()]
    }

    /// The navigation property a client names, in any case (see `property(matching:)`).
    public func navigationProperty(matching name: String) -> NavigationProperty? {
        (storage.navigationIndex[name] ?? storage.foldedNavigationIndex[name.lowercased()]).map { storage.navigationProperties[$0] }
    }

    /// Whether `other` is this type or one derived from it.
    public func isAssignable(from other: StructuredType) -> Bool {
        other.lineage.contains(name)
    }

    mutating func resolve(properties: [Property], navigations: [NavigationProperty], lineage: [String]) {
        storage = storage.with(properties: properties, navigationProperties: navigations, lineage: lineage)
    }
}

/// Position by lower-cased name, for the names no other one folds to: how names a client writes in any
/// case are found (types, properties, navigations), after the exact name.
func foldedIndex(_ names: [String]) -> [String: Int] {
    var index: [String: Int?] = [:]
    for (i, name) in names.enumerated() {
        let key = name.lowercased()
        index[key] = index[key] == nil ? i : .some(nil)
    }
    return index.compactMapValues { $0 }
}
