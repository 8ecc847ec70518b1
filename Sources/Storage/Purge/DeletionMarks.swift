/// The entities deleted but not yet purged, and what they hide: the entity itself and everything it
/// contains, at any depth. A read, write or count that reaches into them answers as if they were gone.
struct DeletionMarks: Sendable {
    /// The marks, oldest first, each with its table's path in the model (`["mobileApps"]`).
    private(set) var marks: [(key: EntityKey, tablePath: [String])] = []

    var isEmpty: Bool { marks.isEmpty }
    var count: Int { marks.count }
    var oldest: EntityKey? { marks.first?.key }

    mutating func add(_ key: EntityKey, tablePath: [String]) {
        guard !marks.contains(where: { $0.key == key }) else { return }
        marks.append((key, tablePath))
    }

    mutating func remove(_ key: EntityKey) { marks.removeAll { $0.key == key } }

    mutating func removeTenant(_ tenant: String) { marks.removeAll { $0.key.tenant == tenant } }

    /// Whether the entities of `table` keyed by `keys` (a container's keys, or an entity's with its id)
    /// are under a mark: its table is `table` or contains it, and its keys start `keys`.
    func hides(_ table: StorageTable, tenant: String, keys: [String]) -> Bool {
        marks.contains { mark in
            mark.key.tenant == tenant && table.path.starts(with: mark.tablePath) && mark.key.path.count <= keys.count
                && keys.starts(with: mark.key.path)
        }
    }

    /// Whether the rows of `table` in the container a summary count names (`Scope.parentKey`) are under a mark.
    func hides(_ table: StorageTable, tenant: String, parentKey: String) -> Bool {
        hides(table, tenant: tenant, keys: EntityKey.keys(joinedPath: parentKey))
    }

    /// The ids of `table`'s rows in the container `scope` that are marked themselves (the rows a list
    /// of that container leaves out).
    func markedIds(_ table: StorageTable, in scope: Scope) -> [String] {
        marks.compactMap { mark in
            mark.key.tenant == scope.tenant && mark.key.table == table.name && mark.key.parents == scope.parents ? mark.key.id : nil
        }
    }
}
