import ODataModel

extension JSONWriter {
    /// A complex value (or a collection of them) as stored, written as the version `model` shows it:
    /// its type's members in the model's order, each nested value so too; a member the stored value
    /// lacks (it was written through a version without it) null, or its default where it is not
    /// nullable (so too a null kept where this version's member is not nullable); members this version does not have left out. A stored type this version does not
    /// know is shown as the declared one; an enum member it does not know as `unknownFutureValue`, as
    /// Graph shows the members an older client does not know, else as null or the default, and flags
    /// without the bits it does not know. See `ServiceModel.storesOtherwise`.
    public mutating func storedComplex(_ stored: JSONValue, type: TypeReference, model: EdmModel, nullable: Bool = true) {
        switch (type, stored) {
        case (.collection(let element), .array(let items)):
            beginArray()
            for item in items { storedComplex(item, type: element, model: model, nullable: false) }
            endArray()
        case (.enumeration(let name), .string(let member)):
            guard let e = model.enumTypes[name] else { json(stored); return }
            if e.isFlags {
                var mask: Int64 = 0
                for part in member.split(separator: ",") {
                    mask |= e.member(named: String(part.trimmingSpaces()))?.value ?? 0
                }
                string(Self.flagNames(mask, e))
            } else if e.member(named: member) != nil {
                string(member)
            } else if e.member(named: "unknownFutureValue") != nil {
                string("unknownFutureValue")
            } else if nullable {
                null()
            } else {
                string(e.defaultMember.name)
            }
        case (.complex(let declared), .object(let members)):
            guard let declaredType = model.complexTypes[declared] else { json(stored); return }
            var shown = declaredType
            if case .string(let name) = members["@odata.type"], let named = model.structuredType(qualified: Substring(name)),
                named.kind == .complex, declaredType.isAssignable(from: named)
            {
                shown = named
            }
            beginObject()
            key("@odata.type")
            string(model.odataType(of: shown.name))
            for p in shown.properties {
                key(p.name)
                // Null where this version says the member is not nullable (written through a version where it
                // is: v1.0's `windowsMinimumOperatingSystem/v8_0`) shows as the default, as a lacking one does.
                if let value = members[p.name], value != .null || p.nullable {
                    storedComplex(value, type: p.type, model: model, nullable: p.nullable)
                } else if p.nullable {
                    null()
                } else {
                    value(.defaultValue(of: p.type, in: model), type: p.type, model: model)
                }
            }
            endObject()
        default:
            json(stored)  // a primitive or enum value, or null: as kept
        }
    }
}
