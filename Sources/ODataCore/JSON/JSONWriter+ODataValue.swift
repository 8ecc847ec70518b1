import ODataModel

extension JSONWriter {
    /// Writes a value as OData JSON: enums by member name (flags as comma-separated names),
    /// DateTimeOffset as Graph formats it, binary as base64, complex values with their `@odata.type`.
    public mutating func value(_ value: ODataValue, type: TypeReference, model: EdmModel) {
        switch value {
        case .null: null()
        case .boolean(let b): bool(b)
        case .integer(let n): int(n)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .dateTimeOffset(let d): dateTimeOffset(d)
        case .binary(let bytes): string(Base64.encode(bytes))
        case .enumMember(let name): string(name)
        case .flags(let mask):
            guard case .enumeration(let name) = type.element, let e = model.enumTypes[name] else { int(mask); return }
            string(Self.flagNames(mask, e))
        case .complex(let typeName, let properties):
            beginObject()
            key("@odata.type")
            string(model.odataType(of: typeName))
            let complex = model.complexTypes[typeName]
            for p in properties {
                guard let property = complex?.property(named: p.name) else { continue }
                key(p.name)
                self.value(p.value, type: property.type, model: model)
            }
            endObject()
        case .collection(let items):
            beginArray()
            for item in items { self.value(item, type: type.element, model: model) }
            endArray()
        case .rawJSON(let bytes): raw(bytes)
        }
    }

    /// `x86,x64` for a mask, as .NET (and so Graph) names a flags value: the member worth exactly the mask
    /// if there is one (`greaterThanOrEqual`, 5, not `equal,greaterThan,greaterThanOrEqual`), else the
    /// members that make it up, the largest taken first, named in ascending order; the member worth 0 (or
    /// `0`) when no bit is set, or none this version's enum has (v1.0's `windowsArchitecture` has no
    /// `arm64`, which a value written through beta may hold).
    public static func flagNames(_ mask: Int64, _ e: EnumType) -> String {
        let shown = mask & e.knownMask
        let none = e.members.first { $0.value == 0 }?.name ?? "0"
        guard shown != 0 else { return none }
        if let exact = e.members.first(where: { $0.value == shown }) { return exact.name }
        var rest = shown
        var names: [(Int64, String)] = []
        for m in e.members.sorted(by: { ($0.value ?? 0) > ($1.value ?? 0) }) {
            guard let v = m.value, v != 0, rest & v == v else { continue }
            names.append((v, m.name))
            rest &= ~v
        }
        return names.isEmpty ? none : names.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ",")
    }
}

extension ODataValue {
    /// The value as JSON bytes, as storage keeps complex and collection values.
    public func jsonBytes(type: TypeReference, model: EdmModel) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.value(self, type: type, model: model)
        return w.bytes
    }
}
