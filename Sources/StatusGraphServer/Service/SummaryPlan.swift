import ODataCore
import ODataModel
import Storage

/// How one summary of the entities of one table is read and written in one version, worked out once
/// from the model: which kept counts to read, which parent columns it copies, and for each property of
/// the summary type its pre-encoded key and where its value comes from.
struct SummaryPlan: Sendable {
    enum Source: Sendable {
        /// The sum of the kept counts of this bucket.
        case count(String)
        /// A column of the parent, copied.
        case parent(column: Int, kind: ColumnKind, flags: EnumType?)
        /// The latest change of any count, else the parent's last modification (this column), else the minimum.
        case lastUpdate(fallback: Int?)
        /// No status value maps to this property (documented in the README): its type's default, as JSON.
        case fixed([UInt8])
    }

    /// The tables whose counts the summary adds up.
    let sources: [String]
    /// The parent's columns the summary needs.
    let columns: [String]
    let odataType: String
    let keys: [[UInt8]]
    let values: [Source]

    init(summary: Summary, type: StructuredType, parentTable: StorageTable, layout: StorageLayout, model: EdmModel) {
        sources = summary.sources.compactMap { layout.table(path: parentTable.path + [$0.navigation])?.name }
        columns = Array(summary.fromParent.values) + ["lastModifiedDateTime"]
        odataType = model.odataType(of: type.name)
        let countNames = Set(summary.sources.flatMap { $0.rules.map(\.count) })
        var keys: [[UInt8]] = []
        var values: [Source] = []
        for p in type.properties where p.name != "id" {
            keys.append(JSONWriter.encodedKey(p.name))
            if countNames.contains(p.name) {
                values.append(.count(p.name))
            } else if let source = summary.fromParent[p.name], let i = parentTable.columnIndex(source) {
                let column = parentTable.columns[i]
                values.append(.parent(column: i, kind: column.kind, flags: column.flagsEnum(in: model)))
            } else if p.name == summary.lastUpdateProperty {
                values.append(.lastUpdate(fallback: parentTable.columnIndex("lastModifiedDateTime")))
            } else {
                var w = JSONWriter(capacity: 16)
                w.value(p.nullable ? .null : .defaultValue(of: p.type, in: model), type: p.type, model: model)
                values.append(.fixed(w.bytes))
            }
        }
        self.keys = keys
        self.values = values
    }

    /// The summary entity of `parent` (in `tenant`), from the counts kept for it.
    func write(tenant: String, parent: StoredEntity, counts: [SummaryCount], context: String?) -> [UInt8] {
        var byBucket: [String: Int64] = [:]
        for c in counts { byBucket[c.bucket, default: 0] += c.count }
        var w = JSONWriter(capacity: 640)
        w.beginObject()
        if let context { w.key(encoded: EntityProjection.contextKey); w.string(context) }
        w.key(encoded: EntityProjection.typeKey); w.string(odataType)
        w.key(encoded: EntityProjection.idKey); w.string(tenant + "_" + parent.id)
        for (key, value) in zip(keys, values) {
            w.key(encoded: key)
            switch value {
            case .count(let bucket): w.int(byBucket[bucket] ?? 0)
            case .parent(let column, let kind, let flags): ColumnCodec.write(parent.values[column], kind: kind, flags: flags, to: &w)
            case .lastUpdate(let fallback):
                let latest = counts.map(\.updatedTicks).max()
                let modified = fallback.flatMap { i -> Int64? in
                    if case .integer(let t) = parent.values[i] { return t }
                    return nil
                }
                w.dateTimeOffset((latest ?? modified).map { DateTimeOffset(ticks: $0) } ?? DateTimeOffset.minValue)
            case .fixed(let json): w.raw(json)
            }
        }
        w.endObject()
        return w.bytes
    }
}
