/// A versioned service: one model per version, plus the service's own annotations of them (a class,
/// shared by reference, as `EdmModel` is).
public final class ServiceModel: Sendable {
    /// Version name → model, e.g. `v1.0`, `beta`.
    public let versions: [String: EdmModel]
    /// Versions in the order they are declared.
    public let versionNames: [String]
    /// Property name → how the server keeps it, for every type that has such a property.
    public let serverManaged: [String: ServerManagedProperty]
    public let summaries: [Summary]
    /// What each operation requires, by navigation path.
    public let permissions: [PermissionRule]
    /// The rules by a hash of their paths' names, and the `*` rule (see `permissionRule(for:)`).
    let permissionIndex: (byPath: [Int: [PermissionRule]], otherwise: PermissionRule?)
    /// Entity type → properties clients commonly order its collections by (each gets an index).
    public let sortKeys: [String: [String]]
    /// Enums whose members are not the same in every version (see `varyingEnums(_:)`).
    public let enumsThatVary: Set<String>

    public init(
        versions: [EdmModel], serverManaged: [String: ServerManagedProperty], summaries: [Summary],
        permissions: [PermissionRule] = [], sortKeys: [String: [String]] = [:]
    ) throws(ModelError) {
        self.versionNames = versions.map(\.version)
        self.versions = Dictionary(versions.map { ($0.version, $0) }, uniquingKeysWith: { a, _ in a })
        self.serverManaged = serverManaged
        self.summaries = summaries
        self.permissions = permissions
        self.permissionIndex = Self.index(permissions)
        self.sortKeys = sortKeys
        self.enumsThatVary = Self.varyingEnums(versions)
        for summary in summaries { try check(summary) }
        if !permissions.isEmpty, !permissions.contains(where: { $0.path == "*" }) {
            throw ModelError("the permission rules need a '*' rule for the paths they do not list")
        }
    }

    /// The summary computed for `navigation` on `type` or one of its bases.
    public func summary(for navigation: String, on type: StructuredType) -> Summary? {
        summaries.first { $0.navigation == navigation && type.lineage.contains($0.parentType) }
    }

    /// Whether the service answers `navigation` of `type` in `model` as a path segment: a contained
    /// collection of a type the model has, or a single entity the service computes (a summary).
    public func serves(_ navigation: NavigationProperty, of type: StructuredType, in model: EdmModel) -> Bool {
        guard navigation.containsTarget, model.entityTypes[navigation.target] != nil else { return false }
        return navigation.isCollection || summary(for: navigation.name, on: type) != nil
    }

    private func check(_ summary: Summary) throws(ModelError) {
        var seen = false
        for model in versions.values {
            guard let parent = model.entityTypes[summary.parentType],
                let nav = parent.navigationProperty(named: summary.navigation)
            else { continue }
            seen = true
            guard !nav.isCollection, let target = model.entityTypes[nav.target] else {
                throw ModelError("summary \(summary.parentType).\(summary.navigation) must be single-valued")
            }
            for source in summary.sources {
                guard let sourceNav = parent.navigationProperty(named: source.navigation), sourceNav.isCollection,
                    let sourceType = model.entityTypes[sourceNav.target]
                else { throw ModelError("summary source \(summary.parentType).\(source.navigation) is not a collection") }
                for rule in source.rules {
                    if let p = target.property(named: rule.count), p.type != .primitive(.int32) {
                        throw ModelError("summary count '\(rule.count)' must be Edm.Int32")
                    }
                    switch rule.condition {
                    case .always: break
                    case .oneOf(let property, let values):
                        guard let p = sourceType.property(named: property) else {
                            throw ModelError("summary rule uses unknown property '\(property)'")
                        }
                        if case .enumeration(let e) = p.type, let en = model.enumTypes[e] {
                            for v in values where en.member(named: v) == nil {
                                throw ModelError("summary rule: '\(v)' is not a member of \(e)")
                            }
                        }
                    case .greaterThan(let property, _):
                        guard let p = sourceType.property(named: property),
                            p.type == .primitive(.int32) || p.type == .primitive(.int64)
                        else { throw ModelError("summary rule: '\(property)' is not an integer") }
                    }
                }
            }
        }
        guard seen else { throw ModelError("summary \(summary.parentType).\(summary.navigation) is in no version") }
    }
}
