import ODataCore
import ODataModel
import Storage

/// How one concrete type of one table is written as JSON in one version: keys pre-encoded, each
/// property's column resolved. Built once at start-up; writing a row is a walk over this list.
struct EntityProjection: Sendable {
    struct Field: Sendable {
        let name: String
        let key: [UInt8]
        let column: Int
        let kind: ColumnKind
        /// The enum of a flags property (its member names are written), else nil.
        let flags: EnumType?
    }

    let typeName: String
    let odataType: String
    let fields: [Field]
    /// The row of a new entity before its body applies (`defaultRow`), made once.
    let defaults: [SQLValue]
    /// The fields again, laid out for the writing loop (which runs for every property of every row):
    /// all keys in one byte buffer, and plain arrays of trivial values, so that walking them retains
    /// nothing.
    private let keyBytes: [UInt8]
    private let keyEnds: [Int]
    private let columns: [Int]
    private let kinds: [ColumnKind]

    init(table: StorageTable, type: StructuredType, model: EdmModel) {
        typeName = type.name
        odataType = model.odataType(of: type.name)
        fields = type.properties.compactMap { p in
            guard p.name != "id", let column = table.columnIndex(p.name) else { return nil }
            return Field(
                name: p.name, key: JSONWriter.encodedKey(p.name), column: column, kind: table.columns[column].kind,
                flags: table.columns[column].flagsEnum(in: model))
        }
        keyBytes = fields.flatMap(\.key)
        var end = 0
        keyEnds = fields.map { end += $0.key.count; return end }
        columns = fields.map(\.column)
        kinds = fields.map(\.kind)
        defaults = Self.defaultRow(table, type: type, model: model)
    }

    /// A row of `type` that no one has set anything in: non-nullable properties hold their type's default,
    /// collections are empty (never null), everything else is null.
    static func defaultRow(_ table: StorageTable, type: StructuredType, model: EdmModel) -> [SQLValue] {
        var values = [SQLValue](repeating: .null, count: table.columns.count)
        for p in type.properties where p.name != "id" && (!p.nullable || p.type.isCollection) {
            guard let i = table.columnIndex(p.name) else { continue }
            values[i] = ColumnCodec.encode(.defaultValue(of: p.type, in: model), column: table.columns[i], model: model)
        }
        return values
    }

    /// Writes the entity as a JSON object, with `@odata.context` first when given, only the `selected`
    /// properties when given (the id always), and what `expanded` adds before the object closes.
    func write(
        _ entity: StoredEntity, context: String?, selected: Set<String>? = nil, to w: inout JSONWriter,
        expanded: (inout JSONWriter) -> Void = { _ in }
    ) {
        w.beginObject()
        if let context {
            w.key(encoded: Self.contextKey)
            w.string(context)
        }
        w.key(encoded: Self.typeKey)
        w.string(odataType)
        w.key(encoded: Self.idKey)
        w.string(entity.id)
        keyBytes.withUnsafeBufferPointer { keys in
            var start = 0
            for i in 0..<keyEnds.count {
                let end = keyEnds[i]
                defer { start = end }
                if let selected, !selected.contains(fields[i].name) { continue }
                w.key(encoded: UnsafeBufferPointer(rebasing: keys[start..<end]))
                let kind = kinds[i]
                ColumnCodec.write(entity.values[columns[i]], kind: kind, flags: kind == .flags ? fields[i].flags : nil, to: &w)
            }
        }
        expanded(&w)
        w.endObject()
    }

    static let contextKey = JSONWriter.encodedKey("@odata.context")
    static let typeKey = JSONWriter.encodedKey("@odata.type")
    static let idKey = JSONWriter.encodedKey("id")
}
