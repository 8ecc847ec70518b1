import ODataModel

extension ODataValue {
    /// The value a non-nullable property holds when no one has set it, as Graph shows it:
    /// false, 0, "", 0001-01-01T00:00:00Z, the enum member worth 0 (or the first), an empty collection.
    public static func defaultValue(of type: TypeReference, in model: EdmModel) -> ODataValue {
        switch type {
        case .primitive(let kind):
            switch kind {
            case .boolean: return .boolean(false)
            case .int32, .int64: return .integer(0)
            case .double: return .double(0)
            case .string: return .string("")
            case .dateTimeOffset: return .dateTimeOffset(.minValue)
            case .binary: return .binary([])
            case .guid: return .string("00000000-0000-0000-0000-000000000000")
            case .date: return .string("0001-01-01")
            case .timeOfDay: return .string("00:00:00")
            case .duration: return .string("PT0S")
            }
        case .enumeration(let name):
            guard let e = model.enumTypes[name] else { return .null }
            return e.isFlags ? .flags(0) : .enumMember(e.defaultMember.name)
        case .complex(let name):
            guard let t = model.complexTypes[name] else { return .null }
            return .complex(
                type: name,
                properties: t.properties.map { p in
                    NamedValue(p.name, p.nullable ? .null : defaultValue(of: p.type, in: model))
                })
        case .entity: return .null
        case .collection: return .collection([])
        }
    }
}
