import ODataCore
import ODataModel
import Storage

extension ODataService {
    /// GET on a summary: counts kept in the same transaction as every status write (no scan), plus the
    /// properties the summary copies from its parent, as the model's summary definition says.
    func summary(_ call: Call) async throws -> ServiceResponse {
        guard case .summary(let summary) = call.path.target else { throw notFound(call) }
        _ = try bindQuery(call, collection: false)
        guard let parentTable = store.layout.table(path: call.path.collectionPath), let parentID = call.path.keys.last else {
            throw notFound(call)
        }
        let prefix = Array(call.path.keys.dropLast())
        guard
            let (parent, counts) = try await store.getWithCounts(
                parentTable, in: Scope(tenant: call.request.tenant, parents: prefix), id: parentID,
                types: call.version.types(parentTable, cast: nil), columns: Array(summary.fromParent.values) + ["lastModifiedDateTime"],
                sources: summarySources(summary, parentTable))
        else { throw ODataError.notFound("The resource '\(call.path.canonical)' does not exist: its parent was not found.") }
        let body = summaryJSON(call, summary: summary, type: call.path.type, parentTable: parentTable, parent: parent, counts: counts, context: call.context)
        return ServiceResponse(status: 200, body: .json(body))
    }

    /// The tables whose counts a summary of an entity of `parentTable` adds up.
    func summarySources(_ summary: Summary, _ parentTable: StorageTable) -> [String] {
        summary.sources.compactMap { store.layout.table(path: parentTable.path + [$0.navigation])?.name }
    }

    /// The summary entity of one parent, as JSON, from the counts kept for it.
    func summaryJSON(
        _ call: Call, summary: Summary, type: StructuredType, parentTable: StorageTable, parent: StoredEntity, counts: [SummaryCount],
        context: String?
    ) -> [UInt8] {
        let countNames = Set(summary.sources.flatMap { $0.rules.map(\.count) })
        var w = JSONWriter(capacity: 512)
        w.beginObject()
        if let context { w.key("@odata.context"); w.string(context) }
        w.key("@odata.type"); w.string(call.model.odataType(of: type.name))
        w.key("id"); w.string("\(call.request.tenant)_\(parent.id)")
        for p in type.properties where p.name != "id" {
            w.key(p.name)
            if countNames.contains(p.name) {
                w.int(counts.filter { $0.bucket == p.name }.reduce(0) { $0 + $1.count })
            } else if let source = summary.fromParent[p.name], let i = parentTable.columnIndex(source) {
                let column = parentTable.columns[i]
                ColumnCodec.write(parent.values[i], kind: column.kind, flags: column.flagsEnum(in: call.model), to: &w)
            } else if p.name == summary.lastUpdateProperty {
                let latest = counts.map(\.updatedTicks).max()
                let fallback = parentTable.columnIndex("lastModifiedDateTime").flatMap { i -> Int64? in
                    if case .integer(let t) = parent.values[i] { return t }
                    return nil
                }
                w.string((latest ?? fallback).map { DateTimeOffset(ticks: $0) }.map(\.description) ?? DateTimeOffset.minValue.description)
            } else {
                // No status value maps to this property (documented in the README): it holds its type's default.
                w.value(p.nullable ? .null : .defaultValue(of: p.type, in: call.model), type: p.type, model: call.model)
            }
        }
        w.endObject()
        return w.bytes
    }
}
