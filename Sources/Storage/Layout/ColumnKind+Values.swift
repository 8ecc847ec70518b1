import ODataCore
import ODataModel

extension ColumnKind {
    /// What a column of this kind keeps for a checked value.
    public func encode(_ value: ODataValue, type: TypeReference, model: EdmModel) -> SQLValue {
        switch value {
        case .null: return .null
        case .boolean(let b): return .boolean(b)
        case .integer(let n): return self == .real ? .real(Double(n)) : .integer(n)
        case .double(let d): return .real(d)
        case .string(let s): return .text(s)
        case .dateTimeOffset(let d): return self == .timestamp ? .integer(d.ticks) : .text(d.description)
        case .binary(let bytes): return .blob(bytes)
        case .enumMember(let name): return .text(name)
        case .flags(let mask): return .integer(mask)
        case .complex, .collection:
            return .text(String(decoding: value.jsonBytes(type: type, model: model), as: UTF8.self))
        case .rawJSON(let bytes): return .text(String(decoding: bytes, as: UTF8.self))
        }
    }

    /// A kept value back as a checked value.
    public func decode(_ value: SQLValue) -> ODataValue {
        switch (self, value) {
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
