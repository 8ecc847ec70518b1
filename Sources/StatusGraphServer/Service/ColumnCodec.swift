import ODataCore
import ODataModel
import Storage

/// Converts between checked values and what a column keeps, by the column's kind.
enum ColumnCodec {
    static func encode(_ value: ODataValue, column: StorageTable.Column, model: EdmModel) -> SQLValue {
        switch value {
        case .null: return .null
        case .boolean(let b): return .boolean(b)
        case .integer(let n): return .integer(n)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .dateTimeOffset(let d): return .integer(d.ticks)
        case .binary(let bytes): return .blob(bytes)
        case .enumMember(let name): return .text(name)
        case .flags(let mask): return .integer(mask)
        case .complex, .collection:
            return .text(String(decoding: value.jsonBytes(type: column.type, model: model), as: UTF8.self))
        case .rawJSON(let bytes): return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Writes a stored value as JSON.
    static func write(_ value: SQLValue, kind: ColumnKind, type: TypeReference, model: EdmModel, to w: inout JSONWriter) {
        switch (kind, value) {
        case (_, .null): w.null()
        case (.boolean, .integer(let n)): w.bool(n != 0)
        case (.boolean, .boolean(let b)): w.bool(b)
        case (.timestamp, .integer(let ticks)): w.string(DateTimeOffset(ticks: ticks).description)
        case (.flags, .integer(let mask)): w.value(.flags(mask), type: type, model: model)
        case (.json, .text(let json)): w.raw(json.utf8)
        case (.blob, .blob(let bytes)): w.string(Base64.encode(bytes))
        case (.real, .real(let d)): w.double(d)
        case (.real, .integer(let n)): w.double(Double(n))
        case (_, .integer(let n)): w.int(n)
        case (_, .text(let s)): w.string(s)
        case (_, .real(let d)): w.double(d)
        case (_, .boolean(let b)): w.bool(b)
        case (_, .blob(let bytes)): w.string(Base64.encode(bytes))
        }
    }

    /// A stored value back as a checked value (for the columns summaries and copies read).
    static func decode(_ value: SQLValue, kind: ColumnKind) -> ODataValue {
        switch (kind, value) {
        case (_, .null): return .null
        case (.timestamp, .integer(let t)): return .dateTimeOffset(DateTimeOffset(ticks: t))
        case (.boolean, .integer(let n)): return .boolean(n != 0)
        case (.flags, .integer(let n)): return .flags(n)
        case (.enumName, .text(let s)): return .enumMember(s)
        case (.json, .text(let s)): return .rawJSON(Array(s.utf8))
        case (_, .integer(let n)): return .integer(n)
        case (_, .real(let d)): return .double(d)
        case (_, .text(let s)): return .string(s)
        case (_, .blob(let b)): return .binary(b)
        case (_, .boolean(let b)): return .boolean(b)
        }
    }
}
