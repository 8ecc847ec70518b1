/// A single-valued contained navigation whose entity the service computes from statuses it stores:
/// counts of the rows of one or more sibling collections, each row counted under the first rule it meets.
public struct Summary: Sendable, Equatable {
    /// The entity type that has the navigation (e.g. `managedDeviceMobileAppConfiguration`).
    public let parentType: String
    /// The navigation that yields the summary (e.g. `userStatusSummary`).
    public let navigation: String
    /// Summary property → parent property it copies (e.g. `configurationVersion` ← `version`).
    public let fromParent: [String: String]
    /// The summary property that tells when a counted row last changed, if any.
    public let lastUpdateProperty: String?
    public let sources: [Source]

    public struct Source: Sendable, Equatable {
        /// The parent's collection navigation whose rows are counted.
        public let navigation: String
        public let rules: [CountRule]
    }

    public init(
        parentType: String, navigation: String, fromParent: [String: String], lastUpdateProperty: String?,
        sources: [Source]
    ) {
        self.parentType = parentType
        self.navigation = navigation
        self.fromParent = fromParent
        self.lastUpdateProperty = lastUpdateProperty
        self.sources = sources
    }
}

/// Counts a row under `count` when its condition holds.
public struct CountRule: Sendable, Equatable {
    public let count: String
    public let condition: Condition

    public enum Condition: Sendable, Equatable {
        /// The (enum or string) property is one of the names.
        case oneOf(property: String, values: [String])
        /// The integer property is greater than the bound.
        case greaterThan(property: String, bound: Int64)
        /// Every row that reaches this rule.
        case always
    }

    public init(count: String, condition: Condition) {
        self.count = count
        self.condition = condition
    }
}

/// Which properties the server keeps itself; a client's value for them is ignored.
public enum ServerManagedProperty: String, Sendable, Equatable {
    /// Set once when the entity is created.
    case creation
    /// Set whenever the entity is created or changed.
    case modification
}
