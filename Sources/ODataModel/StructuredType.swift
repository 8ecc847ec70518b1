/// An entity or complex type, with what it declares itself and what it inherits, resolved once.
public struct StructuredType: Sendable {
    public enum Kind: Sendable, Equatable { case entity, complex }

    public let name: String
    public let kind: Kind
    public let baseName: String?
    public let isAbstract: Bool
    /// Declared by this type only.
    public let declaredProperties: [Property]
    public let declaredNavigationProperties: [NavigationProperty]
    /// Every structural property, the base type's first, in declaration order.
    public internal(set) var properties: [Property] = []
    public internal(set) var navigationProperties: [NavigationProperty] = []
    /// This type and its ancestors, nearest first.
    public internal(set) var lineage: [String] = []
    /// Every type derived from this one, directly or not (not this type itself).
    public internal(set) var derivedTypes: [String] = []

    private var propertyIndex: [String: Int] = [:]
    private var navigationIndex: [String: Int] = [:]

    public init(
        name: String, kind: Kind, baseName: String?, isAbstract: Bool,
        declaredProperties: [Property], declaredNavigationProperties: [NavigationProperty]
    ) {
        self.name = name
        self.kind = kind
        self.baseName = baseName
        self.isAbstract = isAbstract
        self.declaredProperties = declaredProperties
        self.declaredNavigationProperties = declaredNavigationProperties
    }

    public func property(named name: String) -> Property? {
        propertyIndex[name].map { properties[$0] }
    }

    public func navigationProperty(named name: String) -> NavigationProperty? {
        navigationIndex[name].map { navigationProperties[$0] }
    }

    /// Whether `other` is this type or one derived from it.
    public func isAssignable(from other: StructuredType) -> Bool {
        other.lineage.contains(name)
    }

    mutating func resolve(properties: [Property], navigations: [NavigationProperty], lineage: [String]) {
        self.properties = properties
        self.navigationProperties = navigations
        self.lineage = lineage
        propertyIndex = Dictionary(properties.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { $1 })
        navigationIndex = Dictionary(navigations.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { $1 })
    }
}
