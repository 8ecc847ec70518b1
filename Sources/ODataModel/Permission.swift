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
    /// The rule for a navigation path, given as its navigation names from the singleton: its own, else
    /// the `*` rule. The names are compared with each rule's path in place (every request is
    /// authorized: joining them first cost two allocations a request).
    public func permissionRule(for names: some Collection<String>) -> PermissionRule? {
        permissions.first { Self.path($0.path, is: names) } ?? permissions.first { $0.path == "*" }
    }

    /// Whether `path` is `names` joined by `/`.
    private static func path(_ path: String, is names: some Collection<String>) -> Bool {
        var rest = path.utf8[...]
        for (offset, name) in names.enumerated() {
            if offset > 0 {
                guard rest.first == UInt8(ascii: "/") else { return false }
                rest = rest.dropFirst()
            }
            guard rest.starts(with: name.utf8) else { return false }
            rest = rest.dropFirst(name.utf8.count)
        }
        return rest.isEmpty
    }
}
