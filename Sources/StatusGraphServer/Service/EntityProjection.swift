import Foundation
import ODataCore
import ODataModel
import Storage

/// How one concrete type of one table is written as JSON in one version: keys pre-encoded, each
/// property's column resolved. Built once at start-up; writing a row is a walk over this list. (A class:
/// a page hands it from row to row, and a copy of its arrays at each would cost more than the row.)
final class EntityProjection: @unchecked Sendable {
    struct Field: Sendable {
        let name: String
        let key: [UInt8]
        let column: Int
        let kind: ColumnKind
        /// The enum of a flags property (its member names are written), else nil.
        let flags: EnumType?
        /// The type of a complex property whose stored values may have another version's shape
        /// (`ServiceModel.storesOtherwise`): written member by member, not as kept. Else nil.
        let reshaped: TypeReference?
        /// Whether it is an `Edm.Int64` (a string in `IEEE754Compatible=true`).
        let int64: Bool
    }

    /// A field as the writing loop reads it: trivial values only, so that walking them retains nothing.
    private struct Slot {
        let keyStart: Int
        let keyEnd: Int
        let column: Int
        let kind: ColumnKind
        let reshaped: Bool
        let int64: Bool
    }

    let typeName: String
    /// The version whose shapes `reshaped` fields are written in.
    private let model: EdmModel
    /// `typeName` as UTF-8, to match rows read in place.
    private let typeNameUTF8: [UInt8]
    let odataType: String
    let fields: [Field]
    /// The row of a new entity before its body applies (`defaultRow`), made once.
    let defaults: [SQLValue]
    /// For each property of the type, by its position in `properties`, the column that stores it, or -1:
    /// a body's values go to their columns without a lookup by name (see `EntityPayload.positions`).
    let columnOfProperty: [Int]
    /// The columns of this type the server sets itself (`ServiceModel.serverManaged`), and when.
    let managedColumns: [(column: Int, kind: ServerManagedProperty)]
    /// The fields again, laid out for the writing loop (which runs for every property of every row), in
    /// memory this projection owns and never changes after `init` (hence `@unchecked Sendable`): all keys
    /// in one byte buffer, and one slot per field.
    private let keyBytes: UnsafeMutableBufferPointer<UInt8>
    private let slots: UnsafeMutableBufferPointer<Slot>
    /// `"@odata.type":"#microsoft.graph.…","id":`, the start of every entity of this type.
    private let typeAndIDKeys: UnsafeMutableBufferPointer<UInt8>
    /// `"id":`, its start where the format omits control information (`odata.metadata=none`).
    static let idKey = JSONWriter.encodedKey("id")

    init(table: StorageTable, type: StructuredType, model: EdmModel, service: ServiceModel) {
        typeName = type.name
        typeNameUTF8 = Array(type.name.utf8)
        odataType = model.odataType(of: type.name)
        self.model = model
        let columnOfProperty = type.properties.map { table.columnIndex($0.name) ?? -1 }
        self.columnOfProperty = columnOfProperty
        fields = zip(type.properties, columnOfProperty).compactMap { p, column in
            guard p.name != "id", column >= 0 else { return nil }
            return Field(
                name: p.name, key: JSONWriter.encodedKey(p.name), column: column, kind: table.columns[column].kind,
                flags: table.columns[column].flagsEnum(in: model),
                reshaped: service.storesOtherwise(p.type, in: model.version) ? p.type : nil, int64: p.type == .primitive(.int64))
        }
        let keys = fields.flatMap(\.key)
        keyBytes = .allocate(capacity: keys.count)
        _ = keyBytes.initialize(from: keys)
        slots = .allocate(capacity: fields.count)
        var start = 0
        for (i, field) in fields.enumerated() {
            slots.initializeElement(
                at: i,
                to: Slot(
                    keyStart: start, keyEnd: start + field.key.count, column: field.column, kind: field.kind,
                    reshaped: field.reshaped != nil, int64: field.int64))
            start += field.key.count
        }
        let prefix = Self.typeAndIDKeys(odataType)
        typeAndIDKeys = .allocate(capacity: prefix.count)
        _ = typeAndIDKeys.initialize(from: prefix)
        defaults = table.defaultRow(type: type.name, service: service)
        managedColumns = service.serverManaged.sorted { $0.key < $1.key }.compactMap { name, kind in
            guard type.property(named: name) != nil, let column = table.columnIndex(name) else { return nil }
            return (column, kind)
        }
    }

    deinit {
        keyBytes.deallocate()
        slots.deallocate()
        typeAndIDKeys.deallocate()
    }

    /// Whether `type` (UTF-8 read in place) names this projection's type.
    func isType(_ type: UnsafeBufferPointer<UInt8>) -> Bool {
        typeNameUTF8.withUnsafeBufferPointer { mine in
            mine.count == type.count && (mine.count == 0 || memcmp(mine.baseAddress!, type.baseAddress!, mine.count) == 0)
        }
    }

    /// What `$select` keeps of an entity of this type: which fields (by field index), and of those kept
    /// in part (`largeIcon/type`), which members.
    struct Selection {
        let fields: [Bool]
        /// By field index: the members kept of a field kept in part; nil where it is kept whole, or not at all.
        let members: [SelectedMembers?]
    }

    /// What `$select` keeps, or nil for all; worked out once per request and type.
    func selection(_ items: [SelectItem]?) -> Selection? {
        guard let items else { return nil }
        var kept: [Bool] = []
        var members: [SelectedMembers?] = []
        for field in fields {
            let naming = items.filter { $0.selects(field.name, on: typeName) }
            kept.append(!naming.isEmpty)
            // Named whole by one item, it is kept whole whatever others name of its members.
            members.append(naming.isEmpty || naming.contains { $0.members.isEmpty } ? nil : SelectedMembers(naming.map(\.members)))
        }
        return Selection(fields: kept, members: members)
    }

    /// Writes the entity as a JSON object in `format`, with `@odata.context` first when given, only the
    /// `selected` fields when given (the id always; see `selection`), and what `expanded` adds before the
    /// object closes.
    func write<Row: ProjectedRow>(
        _ row: Row, context: String?, selected: Selection? = nil, format: JSONFormat, to w: inout JSONWriter,
        expanded: ((inout JSONWriter) -> Void)? = nil
    ) {
        w.beginObject()
        if format.omitsMetadata {
            w.key(encoded: Self.idKey)
        } else {
            if let context {
                w.key(encoded: Self.contextKey)
                w.string(context)
            }
            w.key(encoded: UnsafeBufferPointer(typeAndIDKeys))
        }
        row.writeID(to: &w)
        let keys = UnsafeBufferPointer(keyBytes)
        for (i, slot) in slots.enumerated() where selected?.fields[i] ?? true {
            w.key(encoded: UnsafeBufferPointer(rebasing: keys[slot.keyStart..<slot.keyEnd]))
            let members = selected?.members[i]
            if members != nil || (slot.kind == .json && format.omitsMetadata) {
                // Kept in part (`largeIcon/type`), or a complex value as kept, which carries its
                // `@odata.type`, where the format omits it: written, then written again as asked.
                var whole = JSONWriter(capacity: 256)
                writeValue(of: row, slot, i, format: format, to: &whole)
                guard var value = try? JSONParser.parse(whole.bytes) else {
                    w.raw(whole)
                    continue
                }
                if let members { value = members.prune(value) }
                w.json(format.omitsMetadata ? value.withoutControlInformation : value)
                continue
            }
            writeValue(of: row, slot, i, format: format, to: &w)
        }
        expanded?(&w)
        w.endObject()
    }

    /// The value of the field at `i` (whose slot is `slot`) in `row`.
    private func writeValue<Row: ProjectedRow>(of row: Row, _ slot: Slot, _ i: Int, format: JSONFormat, to w: inout JSONWriter) {
        if slot.reshaped, let type = fields[i].reshaped, let stored = row.storedJSON(column: slot.column),
            let value = try? JSONParser.parse(stored)
        {
            w.storedComplex(value, type: type, model: model)
        } else if slot.int64 && format.int64AsStrings {
            row.writeIntegerAsString(column: slot.column, to: &w)
        } else {
            row.write(column: slot.column, kind: slot.kind, flags: slot.kind == .flags ? fields[i].flags : nil, to: &w)
        }
    }

    static let contextKey = JSONWriter.encodedKey("@odata.context")

    /// `"@odata.type":"#microsoft.graph.…","id":`, the start of every entity (and summary) of a type.
    static func typeAndIDKeys(_ odataType: String) -> [UInt8] {
        var w = JSONWriter(capacity: 96)
        w.key("@odata.type")
        w.string(odataType)
        w.key("id")
        return w.bytes
    }
}

/// A row a projection writes: an entity read into values, or one read in place (`EntityRow`).
protocol ProjectedRow {
    func writeID(to w: inout JSONWriter)
    func write(column: Int, kind: ColumnKind, flags: EnumType?, to w: inout JSONWriter)
    /// An integer column's value as a JSON string (`"9007199254740993"`), null as null.
    func writeIntegerAsString(column: Int, to w: inout JSONWriter)
    /// The JSON a column keeps (a complex or collection value), or nil where it holds none.
    func storedJSON(column: Int) -> [UInt8]?
}

extension StoredEntity: ProjectedRow {
    func writeID(to w: inout JSONWriter) { w.string(id) }
    func write(column: Int, kind: ColumnKind, flags: EnumType?, to w: inout JSONWriter) {
        ColumnCodec.write(values[column], kind: kind, flags: flags, to: &w)
    }
    func writeIntegerAsString(column: Int, to w: inout JSONWriter) {
        if case .integer(let n) = values[column] { w.string(String(n)) } else { ColumnCodec.write(values[column], kind: .integer, flags: nil, to: &w) }
    }
    func storedJSON(column: Int) -> [UInt8]? {
        if case .text(let json) = values[column] { return Array(json.utf8) }
        return nil
    }
}

extension EntityRow: ProjectedRow {
    func writeID(to w: inout JSONWriter) { w.string(utf8: id) }
    func write(column index: Int, kind: ColumnKind, flags: EnumType?, to w: inout JSONWriter) {
        ColumnCodec.write(column(index), kind: kind, flags: flags, to: &w)
    }
    func writeIntegerAsString(column index: Int, to w: inout JSONWriter) {
        if case .integer(let n) = column(index) { w.string(String(n)) } else { ColumnCodec.write(column(index), kind: .integer, flags: nil, to: &w) }
    }
    func storedJSON(column index: Int) -> [UInt8]? {
        if case .text(let json) = column(index) { return Array(json) }
        return nil
    }
}
