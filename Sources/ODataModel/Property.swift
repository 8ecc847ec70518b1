/// A structural property of an entity or complex type.
public struct Property: Sendable, Equatable {
    public let name: String
    public let type: TypeReference
    public let nullable: Bool

    public init(name: String, type: TypeReference, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// A navigation property; StatusGraph serves contained ones.
public struct NavigationProperty: Sendable, Equatable {
    public let name: String
    /// The entity type it leads to.
    public let target: String
    public let isCollection: Bool
    public let containsTarget: Bool

    public init(name: String, target: String, isCollection: Bool, containsTarget: Bool) {
        self.name = name
        self.target = target
        self.isCollection = isCollection
        self.containsTarget = containsTarget
    }
}
