/// What an operation on a resource requires: any one of the listed permissions (Graph's scopes for
/// delegated tokens, app roles for application tokens).
public struct PermissionRule: Sendable, Equatable {
    /// The navigation path from the singleton (`""` for the singleton, `"*"` for every path not listed),
    /// e.g. `mobileAppConfigurations/userStatuses` or `mobileAppConfigurations/userStatusSummary`.
    public let path: String
    public let read: [String]
    public let create: [String]
    public let update: [String]
    public let delete: [String]

    public init(path: String, read: [String], create: [String], update: [String], delete: [String]) {
        self.path = path
        self.read = read
        self.create = create
        self.update = update
        self.delete = delete
    }

    public func permissions(for operation: Operation) -> [String] {
        switch operation {
        case .read: return read
        case .create: return create
        case .update: return update
        case .delete: return delete
        }
    }

    /// The kinds of operation permissions distinguish.
    public enum Operation: String, Sendable, Equatable, CaseIterable {
        case read, create, update, delete
    }
}

extension ServiceModel {
    /// The rule for a navigation path: its own, else the `*` rule.
    public func permissionRule(for path: String) -> PermissionRule? {
        permissions.first { $0.path == path } ?? permissions.first { $0.path == "*" }
    }
}
