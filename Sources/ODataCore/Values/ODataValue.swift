/// A value checked against the model: what a payload property becomes after validation, and what
/// storage keeps. Complex values and collections are trees of these (through arrays, so no case is
/// boxed: an `indirect` enum allocated every value, strings and numbers included).
public enum ODataValue: Sendable, Equatable {
    case null
    case boolean(Bool)
    /// Edm.Int32 and Edm.Int64.
    case integer(Int64)
    case double(Double)
    /// Edm.String, and the primitives kept in their canonical text (Guid, Date, TimeOfDay, Duration).
    case string(String)
    case dateTimeOffset(DateTimeOffset)
    case binary([UInt8])
    /// A member of a non-flags enum, by name.
    case enumMember(String)
    /// A flags enum value as the sum of its members' values.
    case flags(Int64)
    /// A complex value: its concrete type and its properties in the type's order.
    case complex(type: String, properties: [NamedValue])
    case collection([ODataValue])
    /// A complex or collection value already serialized as JSON, as storage keeps it; written verbatim.
    case rawJSON([UInt8])
}

/// A property name with its value.
public struct NamedValue: Sendable, Equatable {
    public let name: String
    public let value: ODataValue

    public init(_ name: String, _ value: ODataValue) {
        self.name = name
        self.value = value
    }
}
