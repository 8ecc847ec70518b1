import ODataCore
import ODataModel
import Storage

/// Writes what columns keep as JSON, by the column's kind.
enum ColumnCodec {
    static func encode(_ value: ODataValue, column: StorageTable.Column, model: EdmModel) -> SQLValue {
        column.kind.encode(value, type: column.type, model: model)
    }

    /// Writes a stored value as JSON; `flags` is the enum of a flags column (for its member names).
    static func write(_ value: SQLValue, kind: ColumnKind, flags: EnumType?, to w: inout JSONWriter) {
        switch value {
        case .null: write(SQLCell.null, kind: kind, flags: flags, to: &w)
        case .integer(let n): write(SQLCell.integer(n), kind: kind, flags: flags, to: &w)
        case .real(let d): write(SQLCell.real(d), kind: kind, flags: flags, to: &w)
        case .boolean(let b): write(SQLCell.boolean(b), kind: kind, flags: flags, to: &w)
        case .text(var s): s.withUTF8 { write(SQLCell.text($0), kind: kind, flags: flags, to: &w) }
        case .blob(let bytes): bytes.withUnsafeBytes { write(SQLCell.blob($0), kind: kind, flags: flags, to: &w) }
        }
    }

    /// Writes a value read in place (`SQLCell`) as JSON, by the column's kind.
    static func write(_ cell: SQLCell, kind: ColumnKind, flags: EnumType?, to w: inout JSONWriter) {
        switch (kind, cell) {
        case (_, .null): w.null()
        case (.boolean, .integer(let n)): w.bool(n != 0)
        case (.boolean, .boolean(let b)): w.bool(b)
        case (.timestamp, .integer(let ticks)): w.dateTimeOffset(DateTimeOffset(ticks: ticks))
        case (.flags, .integer(let mask)):
            if let flags { w.string(JSONWriter.flagNames(mask, flags)) } else { w.int(mask) }
        case (.json, .text(let json)): w.raw(utf8: json)
        case (.real, .real(let d)): w.double(d)
        case (.real, .integer(let n)): w.double(Double(n))
        case (_, .integer(let n)): w.int(n)
        case (_, .text(let utf8)): w.string(utf8: utf8)
        case (_, .real(let d)): w.double(d)
        case (_, .boolean(let b)): w.bool(b)
        case (_, .blob(let bytes)): w.string(Base64.encode(Array(bytes)))
        }
    }
}

extension StorageTable.Column {
    /// The enum of a flags column, in `model`.
    func flagsEnum(in model: EdmModel) -> EnumType? {
        guard kind == .flags, case .enumeration(let name) = type.element else { return nil }
        return model.enumTypes[name]
    }
}
