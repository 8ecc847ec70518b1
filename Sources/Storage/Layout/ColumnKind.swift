import ODataModel

/// How a property is kept in a column.
public enum ColumnKind: Sendable, Equatable {
    /// Edm.String, Guid, Date, TimeOfDay, Duration: canonical text.
    case text
    /// Edm.Int32, Edm.Int64.
    case integer
    case real
    case boolean
    /// Edm.DateTimeOffset as ticks (100 ns since 1970, UTC): exact, ordered, comparable.
    case timestamp
    case blob
    /// A non-flags enum, by member name (names are stable across versions; values are not all known).
    case enumName
    /// A flags enum as the sum of its members' values.
    case flags
    /// A complex value or a collection, as the JSON the service writes for it.
    case json

    /// The column kind of a property type.
    public init(_ type: TypeReference, isFlagsEnum: (String) -> Bool) {
        switch type {
        case .primitive(let p):
            switch p {
            case .string, .guid, .date, .timeOfDay, .duration: self = .text
            case .int32, .int64: self = .integer
            case .double: self = .real
            case .boolean: self = .boolean
            case .dateTimeOffset: self = .timestamp
            case .binary: self = .blob
            }
        case .enumeration(let name): self = isFlagsEnum(name) ? .flags : .enumName
        case .complex, .collection, .entity: self = .json
        }
    }
}
