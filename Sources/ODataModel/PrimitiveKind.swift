/// The EDM primitive types the model uses.
public enum PrimitiveKind: String, Sendable, CaseIterable {
    case string = "Edm.String"
    case boolean = "Edm.Boolean"
    case int32 = "Edm.Int32"
    case int64 = "Edm.Int64"
    case double = "Edm.Double"
    case dateTimeOffset = "Edm.DateTimeOffset"
    case binary = "Edm.Binary"
    case guid = "Edm.Guid"
    case date = "Edm.Date"
    case timeOfDay = "Edm.TimeOfDay"
    case duration = "Edm.Duration"
}
