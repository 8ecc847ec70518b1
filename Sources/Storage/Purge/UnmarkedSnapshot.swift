/// A snapshot without the entities it holds marked deleted, nor anything they contain: what an export
/// of a store copies while purges are under way.
struct UnmarkedSnapshot: StoreSnapshot {
    let snapshot: any StoreSnapshot
    let marks: DeletionMarks
    let layout: StorageLayout

    /// Pages of the unmarked rows, each full unless it is the last (as `StoreExport` reads them): the
    /// snapshot's pages read on past the marked rows until one is full.
    func dump(_ table: StorageTable, after cursor: DumpedRow?, limit: Int) async throws -> [DumpedRow] {
        try await Self.fullPage(after: cursor, limit: limit, read: { try await snapshot.dump(table, after: $0, limit: limit) }) { row in
            !marks.hides(table, tenant: row.scope.tenant, keys: row.scope.parents + (table.isSingleton ? [] : [row.entity.id]))
        }
    }

    /// The same for the counts' times: a marked container's are left out.
    func dumpCountsUpdated(after cursor: CountsUpdated?, limit: Int) async throws -> [CountsUpdated] {
        try await Self.fullPage(after: cursor, limit: limit, read: { try await snapshot.dumpCountsUpdated(after: $0, limit: limit) }) {
            counted in
            guard let source = layout.table(named: counted.source) else { return true }
            return !marks.hides(source, tenant: counted.tenant, parentKey: counted.parent)
        }
    }

    /// Up to `limit` items that `keep` takes, from pages that `read` reads after a position (each of
    /// `limit` items but the last), read on until they fill one or run out.
    private static func fullPage<Item>(
        after cursor: Item?, limit: Int, read: (Item?) async throws -> [Item], keep: (Item) -> Bool
    ) async throws -> [Item] {
        var kept: [Item] = []
        var position = cursor
        while kept.count < limit {
            let page = try await read(position)
            kept += page.filter(keep)
            guard page.count == limit, let last = page.last else { break }
            position = last
        }
        return Array(kept.prefix(limit))
    }

    func purgeMarks() async throws -> [EntityKey] { [] }
}
