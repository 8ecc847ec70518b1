import ODataCore
import ODataModel
import Storage

/// How one summary of the entities of one table is read and written in one version, worked out once
/// from the model: which kept counts to read, which parent columns it copies, and for each property of
/// the summary type its pre-encoded key and where its value comes from. (A class, written for every
/// summary request on every core: its write loop reads trivial values only, so it retains nothing.)
final class SummaryPlan: Sendable {
    enum Source: Sendable {
        /// The sum of the kept counts of this bucket (an index into `buckets`).
        case count(Int)
        /// A column of the parent, copied; `flags` indexes `flagEnums` for a flags column.
        case parent(column: Int, kind: ColumnKind, flags: Int?)
        /// The latest change of any count, else the parent's last modification (this column), else the minimum.
        case lastUpdate(fallback: Int?)
        /// No status value maps to this property (documented in the README): its type's default, as
        /// JSON (a range of `fixedJSON`).
        case fixed(Range<Int>)
    }

    /// How the parent and its counts are read (the tables whose counts the summary adds up, the parent's
    /// columns it copies).
    let read: CountsRead
    var sources: [String] { read.sources }
    /// `"@odata.type":"#microsoft.graph.…","id":`, the start of every summary of this type.
    let typeAndIDKeys: [UInt8]
    /// The count buckets the summary shows, by index.
    private let buckets: [String: Int]
    private let flagEnums: [EnumType]
    /// Every property's `"name":` in one buffer, and where each ends.
    private let keyBytes: [UInt8]
    private let keyEnds: [Int]
    private let values: [Source]
    private let fixedJSON: [UInt8]
    /// The properties' names, in the order they are written.
    private let names: [String]

    init(summary: Summary, type: StructuredType, parentTable: StorageTable, parentTypes: Set<String>?, store: any EntityStore, model: EdmModel) {
        read = store.countsRead(
            parentTable, types: parentTypes, columns: Array(summary.fromParent.values) + ["lastModifiedDateTime"],
            sources: summary.sources.compactMap { store.layout.table(path: parentTable.path + [$0.navigation])?.name })
        typeAndIDKeys = EntityProjection.typeAndIDKeys(model.odataType(of: type.name))
        let countNames = Set(summary.sources.flatMap { $0.rules.map(\.count) })
        var buckets: [String: Int] = [:]
        var flagEnums: [EnumType] = []
        var keyBytes: [UInt8] = []
        var keyEnds: [Int] = []
        var values: [Source] = []
        var fixedJSON: [UInt8] = []
        names = type.properties.map(\.name).filter { $0 != "id" }
        for p in type.properties where p.name != "id" {
            keyBytes += JSONWriter.encodedKey(p.name)
            keyEnds.append(keyBytes.count)
            if countNames.contains(p.name) {
                let index = buckets.count
                buckets[p.name] = index
                values.append(.count(index))
            } else if let source = summary.fromParent[p.name], let i = parentTable.columnIndex(source) {
                let column = parentTable.columns[i]
                var flags: Int?
                if let e = column.flagsEnum(in: model) {
                    flags = flagEnums.count
                    flagEnums.append(e)
                }
                values.append(.parent(column: i, kind: column.kind, flags: flags))
            } else if p.name == summary.lastUpdateProperty {
                values.append(.lastUpdate(fallback: parentTable.columnIndex("lastModifiedDateTime")))
            } else {
                var w = JSONWriter(capacity: 16)
                w.value(p.nullable ? .null : .defaultValue(of: p.type, in: model), type: p.type, model: model)
                values.append(.fixed(fixedJSON.count..<(fixedJSON.count + w.count)))
                fixedJSON += w.bytes
            }
        }
        self.buckets = buckets
        self.flagEnums = flagEnums
        self.keyBytes = keyBytes
        self.keyEnds = keyEnds
        self.values = values
        self.fixedJSON = fixedJSON
    }

    /// Which properties `$select` keeps (by their order here), or nil for all; the id is always written.
    func selection(_ items: [SelectItem]?) -> [Bool]? {
        guard let items else { return nil }
        // A summary's type has none derived from it: a cast, if any, is its own.
        return names.map { name in items.contains { $0.property == name } }
    }

    /// The summary entity of a parent read by `read`.
    func write(tenant: String, parent: CountedEntity, context: String?, selected: [Bool]? = nil, format: JSONFormat) -> JSONWriter {
        write(tenant: tenant, parentID: parent.id, counts: parent.counts, context: context, selected: selected, format: format) {
            read.value($0, of: parent)
        }
    }

    /// The summary entity of the parent `parentID` (in `tenant`), from the counts kept for it and its
    /// columns (`column` gives the value of a column of its table); only the `selected` properties when
    /// given; without `@odata.context` and `@odata.type` where `format` omits them.
    func write(
        tenant: String, parentID: String, counts: [SummaryCount], context: String?, selected: [Bool]? = nil, format: JSONFormat,
        column: (Int) -> SQLValue
    ) -> JSONWriter {
        var sums = [Int64](repeating: 0, count: buckets.count)
        var latest: Int64?
        for c in counts {
            if let i = buckets[c.bucket] { sums[i] += c.count }
            latest = max(latest ?? c.updatedTicks, c.updatedTicks)
        }
        var w = JSONWriter(capacity: 640)
        w.beginObject()
        if format.omitsMetadata {
            w.key(encoded: EntityProjection.idKey)
        } else {
            if let context { w.key(encoded: EntityProjection.contextKey); w.string(context) }
            w.key(encoded: typeAndIDKeys)
        }
        w.string(tenant + "_" + parentID)
        keyBytes.withUnsafeBufferPointer { keys in
            fixedJSON.withUnsafeBufferPointer { fixed in
                values.withUnsafeBufferPointer { values in
                    var start = 0
                    for (i, end) in keyEnds.enumerated() {
                        defer { start = end }
                        if let selected, !selected[i] { continue }
                        w.key(encoded: UnsafeBufferPointer(rebasing: keys[start..<end]))
                        switch values[i] {
                        case .count(let bucket): w.int(sums[bucket])
                        case .parent(let index, let kind, let flags):
                            ColumnCodec.write(column(index), kind: kind, flags: flags.map { flagEnums[$0] }, to: &w)
                        case .lastUpdate(let fallback):
                            let modified = fallback.flatMap { i -> Int64? in
                                if case .integer(let t) = column(i) { return t }
                                return nil
                            }
                            w.dateTimeOffset((latest ?? modified).map { DateTimeOffset(ticks: $0) } ?? DateTimeOffset.minValue)
                        case .fixed(let range): w.raw(utf8: UnsafeBufferPointer(rebasing: fixed[range]))
                        }
                    }
                }
            }
        }
        w.endObject()
        return w
    }
}
