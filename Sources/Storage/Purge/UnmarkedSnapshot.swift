/// A snapshot without the entities it holds marked deleted, nor anything they contain: what an export
/// of a store copies while purges are under way.
struct UnmarkedSnapshot: StoreSnapshot {
    let snapshot: any StoreSnapshot
    let marks: DeletionMarks
    let layout: StorageLayout

    /// Pages of the unmarked rows, each full unless it is the last (as `StoreExport` reads them): the
    /// snapshot's pages read on past the marked rows until one is full.
    func dump(_ table: StorageTable, after cursor: DumpedRow?, limit: Int) async throws -> [DumpedRow] {
        var kept: [DumpedRow] = []
        var position = cursor
        while kept.count < limit {
            let page = try await snapshot.dump(table, after: position, limit: limit)
            kept += page.filter { row in
                !marks.hides(table, tenant: row.scope.tenant, keys: row.scope.parents + (table.isSingleton ? [] : [row.entity.id]))
            }
            guard page.count == limit, let last = page.last else { break }
            position = last
        }
        return Array(kept.prefix(limit))
    }

    /// The same for the counts' times: a marked container's are left out.
    func dumpCountsUpdated(after cursor: CountsUpdated?, limit: Int) async throws -> [CountsUpdated] {
        var kept: [CountsUpdated] = []
        var position = cursor
        while kept.count < limit {
            let page = try await snapshot.dumpCountsUpdated(after: position, limit: limit)
            kept += page.filter { counted in
                guard let source = layout.table(named: counted.source) else { return true }
                return !marks.hides(source, tenant: counted.tenant, parentKey: counted.parent)
            }
            guard page.count == limit, let last = page.last else { break }
            position = last
        }
        return Array(kept.prefix(limit))
    }

    func purgeMarks() async throws -> [EntityKey] { [] }
}
