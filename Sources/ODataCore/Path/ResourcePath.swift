import ODataModel

/// A resource path bound to the model: the containment steps from the singleton to the target,
/// the kind of target, and its type.
public struct ResourcePath: Sendable {
    /// A navigation from an entity to a contained collection (with the key of one member, if addressed)
    /// or to a single-valued contained entity.
    public struct Step: Sendable {
        public let navigation: NavigationProperty
        public let key: String?
        /// The derived type a cast segment narrows this step's entity (or, unkeyed, its collection) to:
        /// `mobileApps/{id}/microsoft.graph.webApp/userStatuses`, `mobileApps/microsoft.graph.webApp/{id}`.
        public let cast: StructuredType?
    }

    public enum Target: Sendable {
        /// The service's singleton itself.
        case singleton
        /// A contained collection (the last step has no key).
        case collection
        /// One member of a contained collection (the last step has its key).
        case entity
        /// A single-valued navigation the service computes (a summary).
        case summary(Summary)
        /// `/$count` of a collection.
        case count
        /// `/$ref` of a collection, accepted as a plain collection POST (the seed pages' form).
        case reference
    }

    /// The singleton the path starts from, e.g. `deviceAppManagement`.
    public let singleton: String
    public let steps: [Step]
    public let target: Target
    /// The type the target declares: the navigation's type, or the cast's.
    public let type: StructuredType
    /// Set when the path casts the target to a derived type (`.../microsoft.graph.webApp`).
    public let cast: StructuredType?

    /// The navigation names from the singleton to the addressed collection or entity:
    /// the identity of a stored collection, the same in every version.
    public let collectionPath: [String]
    /// The keys of every keyed step, outermost first.
    public let keys: [String]
    /// The model's namespace, which qualifies the casts in `@odata.context`.
    let namespace: String

    init(singleton: String, steps: [Step], target: Target, type: StructuredType, cast: StructuredType?, namespace: String) {
        self.namespace = namespace
        self.singleton = singleton
        self.steps = steps
        self.target = target
        self.type = type
        self.cast = cast
        switch target {
        case .summary: collectionPath = steps.dropLast().map(\.navigation.name)
        default: collectionPath = steps.map(\.navigation.name)
        }
        keys = steps.compactMap(\.key)
    }

    /// The keys of the entities that contain the addressed collection.
    public var parentKeys: [String] {
        switch target {
        case .entity: return Array(keys.dropLast())
        default: return keys
        }
    }
}

extension ResourcePath.Target {
    /// The HTTP methods each kind of resource takes: what the service routes, what a 405's `Allow`
    /// names and what the OpenAPI description offers (`ConventionTests` checks the routing against it).
    public var methods: [String] {
        switch self {
        case .singleton: ["GET", "PATCH"]
        case .collection: ["GET", "POST"]
        case .entity: ["GET", "PATCH", "DELETE"]
        case .summary, .count: ["GET"]
        case .reference: ["POST"]
        }
    }
}
