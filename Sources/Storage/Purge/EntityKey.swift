/// The whole key of one stored entity: its tenant, its table, the keys of the entities that contain it
/// (outermost first) and its id. What a deletion mark names (see `BackgroundPurgeStore`).
public struct EntityKey: Sendable, Hashable {
    public let tenant: String
    /// The table's name (`StorageTable.name`).
    public let table: String
    public let parents: [String]
    public let id: String

    public init(tenant: String, table: String, parents: [String], id: String) {
        self.tenant = tenant
        self.table = table
        self.parents = parents
        self.id = id
    }

    /// The keys from the outermost container to the entity itself.
    public var path: [String] { parents + [id] }

    /// The keys as one text, as the summary counts name a container (`Scope.parentKey`): the key of a
    /// kept mark. Exact only for keys without `/`, which is why such an entity is not purged in the
    /// background.
    public var joinedPath: String { path.joined(separator: "/") }

    /// The keys a `joinedPath` (or a `Scope.parentKey`) holds.
    static func keys(joinedPath: String) -> [String] {
        joinedPath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// The key a mark kept as `joinedPath` names, in `table` (whose depth says how many keys it has).
    init?(tenant: String, table: StorageTable, joinedPath: String) {
        let keys = Self.keys(joinedPath: joinedPath)
        guard keys.count == table.parentKeyColumns.count + 1 else { return nil }
        self.init(tenant: tenant, table: table.name, parents: Array(keys.dropLast()), id: keys.last!)
    }
}
