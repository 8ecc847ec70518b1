import ODataModel

/// The properties a request body sets on an entity, checked against the model.
public struct EntityPayload: Sendable, Equatable {
    /// The concrete type the body names (`@odata.type`), or the declared type.
    public let typeName: String
    /// Whether the body named its type with `@odata.type`.
    public let typeWasNamed: Bool
    /// The properties the body sets, in the body's order (no server-managed or key properties).
    public let values: [NamedValue]
    /// For each of `values`, its property's position in the type's `properties` (`typeName`'s type), so
    /// that what is stored per property is found without looking its name up again.
    public let positions: [Int]
}

/// Reads request bodies against the model: every value's JSON type, range, enum member, date format,
/// unknown properties and `@odata.type`, each error naming the property it concerns.
public final class PayloadReader: Sendable {
    public enum Mode: Sendable { case create, update }

    public let model: EdmModel
    /// Properties the server keeps; a body may carry them but its values are ignored.
    public let ignored: Set<String>
    /// Entity type → for each of its `properties`, whether a body's value is dropped (the key and the
    /// `ignored` properties): looked up once per body, not once per property.
    private let dropped: [String: [Bool]]

    public init(model: EdmModel, ignored: Set<String>) {
        self.model = model
        self.ignored = ignored
        dropped = model.entityTypes.mapValues { type in type.properties.map { Self.drops($0.name, ignored: ignored) } }
    }

    /// Whether a body's value for the property `name` is dropped: the key, and what the server keeps.
    private static func drops(_ name: String, ignored: Set<String>) -> Bool {
        name == "id" || ignored.contains(name)
    }

    /// Reads an entity body aimed at a collection or entity whose declared type is `declared`.
    public func readEntity(_ json: JSONValue, declared: StructuredType, mode: Mode) throws(ODataError) -> EntityPayload {
        guard case .object(let object) = json else {
            throw .badRequest("The request body must be a JSON object, not \(json.typeNameWithArticle).")
        }
        var type = declared
        var named = false
        if let annotation = object["@odata.type"] {
            switch mode {
            case .create:
                type = try resolveType(annotation, declared: declared, path: "@odata.type")
            case .update:
                // An update names the entity's own type or one of its bases; it cannot change the type.
                guard case .string(let name) = annotation, let t = model.structuredType(qualified: Substring(name)),
                    t.isAssignable(from: declared)
                else {
                    throw .badRequest(
                        "'@odata.type' must name the entity's type '\(model.odataType(of: declared.name))' or one of its bases; an update cannot change an entity's type.",
                        target: "@odata.type")
                }
            }
            named = true
        }
        if mode == .create, type.isAbstract {
            let examples = declared.derivedTypes.compactMap { model.entityTypes[$0] }.filter { !$0.isAbstract }
                .prefix(3).map { model.odataType(of: $0.name) }
            let hint = examples.isEmpty ? "" : " such as \(examples.joined(separator: ", "))"
            throw .badRequest(
                named
                    ? "'\(model.odataType(of: type.name))' is an abstract type and cannot be created; give a concrete '@odata.type'\(hint)."
                    : "The type '\(model.namespace).\(type.name)' is abstract: the body must name a concrete type in '@odata.type'\(hint).",
                target: "@odata.type")
        }
        var values: [NamedValue] = []
        var positions: [Int] = []
        values.reserveCapacity(object.members.count)
        positions.reserveCapacity(object.members.count)
        let dropped = self.dropped[type.name]
        var spelledOtherwise = false
        for (key, value) in object.members {
            if key.utf8.contains(UInt8(ascii: "@")) { continue }  // instance and property annotations
            // Property names in any case, as Graph takes them; stored as the model spells them.
            guard let position = type.propertyPosition(matching: key) else {
                if type.navigationProperty(matching: key) != nil {
                    throw .badRequest(
                        "The navigation property '\(key)' cannot be set in a request body; create its entities through their own path.",
                        target: key)
                }
                throw .badRequest(
                    "The property '\(key)' does not exist on type '\(model.namespace).\(type.name)'. Make sure to only use property names that are defined by the type.",
                    target: key)
            }
            let property = type.properties[position]
            if property.name != key { spelledOtherwise = true }
            let read = try readValue(value, as: property.type, nullable: property.nullable, path: property.name)
            if dropped?[position] ?? Self.drops(property.name, ignored: ignored) { continue }
            values.append(NamedValue(property.name, read))
            positions.append(position)
        }
        // The JSON parser refuses a key given twice; one property in two spellings is found here, in one pass.
        if spelledOtherwise { try Self.refuseAPropertyTwice(object, type) }
        return EntityPayload(typeName: type.name, typeWasNamed: named, values: values, positions: positions)
    }

    private static func refuseAPropertyTwice(_ object: JSONObject, _ type: StructuredType) throws(ODataError) {
        var seen = [Bool](repeating: false, count: type.properties.count)
        for (key, _) in object.members where !key.utf8.contains(UInt8(ascii: "@")) {
            guard let position = type.propertyPosition(matching: key) else { continue }
            guard !seen[position] else {
                let name = type.properties[position].name
                throw .badRequest("The property '\(name)' is given twice, in two spellings.", target: name)
            }
            seen[position] = true
        }
    }

    private func resolveType(_ annotation: JSONValue, declared: StructuredType, path: String) throws(ODataError) -> StructuredType {
        guard case .string(let name) = annotation else {
            throw .badRequest("'\(path)' must be a string such as '\(model.odataType(of: declared.name))'.", target: path)
        }
        guard let type = model.structuredType(qualified: Substring(name)), type.kind == declared.kind else {
            throw .badRequest("'\(name)' in '\(path)' is not a type of this service.", target: path)
        }
        guard declared.isAssignable(from: type) else {
            throw .badRequest(
                "'\(name)' in '\(path)' is neither '\(model.namespace).\(declared.name)' nor a type derived from it.",
                target: path)
        }
        return type
    }

    private func readValue(_ json: JSONValue, as type: TypeReference, nullable: Bool, path: String) throws(ODataError) -> ODataValue {
        if json == .null {
            guard nullable else { throw .invalidProperty(path, "null is not allowed; the property is not nullable.") }
            return .null
        }
        func mismatch(_ expected: String) -> ODataError {
            .invalidProperty(path, "expected \(expected), got a JSON \(json.typeName)\(Self.describe(json)).")
        }
        switch type {
        case .primitive(let kind):
            return try readPrimitive(json, kind: kind, path: path, mismatch: mismatch)
        case .enumeration(let name):
            guard case .string(let text) = json, let e = model.enumTypes[name] else { throw mismatch("a member name of \(model.namespace).\(name)") }
            return try readEnum(text, e, path: path)
        case .complex(let name):
            guard case .object(let object) = json, let declared = model.complexTypes[name] else {
                throw mismatch("an object of type \(model.namespace).\(name)")
            }
            return try readComplex(object, declared: declared, path: path)
        case .entity(let name):
            throw .invalidProperty(path, "entity values of type \(name) cannot be set here.")
        case .collection(let element):
            guard case .array(let items) = json else { throw mismatch("an array") }
            var out: [ODataValue] = []
            out.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                out.append(try readValue(item, as: element, nullable: false, path: "\(path)[\(i)]"))
            }
            return .collection(out)
        }
    }

    private func readComplex(_ object: JSONObject, declared: StructuredType, path: String) throws(ODataError) -> ODataValue {
        var type = declared
        if let annotation = object["@odata.type"] {
            type = try resolveType(annotation, declared: declared, path: "\(path)/@odata.type")
        }
        guard !type.isAbstract else {
            throw .invalidProperty(path, "\(model.namespace).\(type.name) is abstract; name a concrete type in '@odata.type'.")
        }
        var given: [String: ODataValue] = [:]
        for (key, value) in object.members {
            if key.utf8.contains(UInt8(ascii: "@")) { continue }
            guard let property = type.property(matching: key) else {
                throw .badRequest(
                    "The property '\(key)' does not exist on type '\(model.namespace).\(type.name)' (at '\(path)/\(key)').",
                    target: "\(path)/\(key)")
            }
            guard given[property.name] == nil else {
                throw .badRequest("The property '\(path)/\(property.name)' is given twice.", target: "\(path)/\(property.name)")
            }
            given[property.name] = try readValue(value, as: property.type, nullable: property.nullable, path: "\(path)/\(property.name)")
        }
        let properties = type.properties.map { p in
            NamedValue(p.name, given[p.name] ?? (p.nullable ? .null : ODataValue.defaultValue(of: p.type, in: model)))
        }
        return .complex(type: type.name, properties: properties)
    }

    private func readEnum(_ text: String, _ e: EnumType, path: String) throws(ODataError) -> ODataValue {
        func unknown(_ name: Substring) -> ODataError {
            let members = e.members.map(\.name).joined(separator: ", ")
            return .invalidProperty(
                path, "'\(name)' is not a member of \(model.namespace).\(e.name); expected one of: \(members).")
        }
        guard e.isFlags else {
            guard e.member(named: text) != nil else { throw unknown(Substring(text)) }
            return .enumMember(text)
        }
        var mask: Int64 = 0
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingSpaces()
            guard let member = e.member(named: String(name)), let value = member.value else { throw unknown(name) }
            mask |= value
        }
        return .flags(mask)
    }

    private func readPrimitive(
        _ json: JSONValue, kind: PrimitiveKind, path: String, mismatch: (String) -> ODataError
    ) throws(ODataError) -> ODataValue {
        switch kind {
        case .boolean:
            guard case .bool(let b) = json else { throw mismatch("a boolean") }
            return .boolean(b)
        case .int32, .int64:
            let name = kind == .int32 ? "Edm.Int32" : "Edm.Int64"
            var literal: String
            switch json {
            case .number(let n): literal = n
            case .string(let s) where kind == .int64: literal = s  // IEEE754Compatible clients send Int64 as strings
            default: throw mismatch("an integer (\(name))")
            }
            if let dot = literal.firstIndex(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                // 4.0 and 4e0 are whole numbers in JSON; anything with a fraction is not an integer.
                guard let d = Double(literal), d == d.rounded(), abs(d) < 9.2e18 else {
                    throw .invalidProperty(path, "\(literal) is not an integer (\(name)).")
                }
                _ = dot
                literal = String(Int64(d))
            }
            guard let v = Int64(literal) else { throw .invalidProperty(path, "\(literal) is out of range for \(name).") }
            if kind == .int32, v < Int64(Int32.min) || v > Int64(Int32.max) {
                throw .invalidProperty(path, "\(literal) is out of range for Edm.Int32 (\(Int32.min) to \(Int32.max)).")
            }
            return .integer(v)
        case .double:
            switch json {
            case .number(let n):
                guard let d = Double(n), d.isFinite else { throw .invalidProperty(path, "\(n) is out of range for Edm.Double.") }
                return .double(d)
            case .string("INF"): return .double(.infinity)
            case .string("-INF"): return .double(-.infinity)
            case .string("NaN"): return .double(.nan)
            default: throw mismatch("a number (Edm.Double)")
            }
        case .string:
            guard case .string(let s) = json else { throw mismatch("a string") }
            // Stored text never holds U+0000: PostgreSQL's cannot, and both backends answer alike.
            guard !s.utf8.contains(0) else { throw .invalidProperty(path, "the string contains U+0000 (\\u0000), which cannot be stored.") }
            return .string(s)
        case .dateTimeOffset:
            guard case .string(let s) = json else { throw mismatch("a date and time string (Edm.DateTimeOffset)") }
            guard let d = DateTimeOffset(parsing: s) else {
                throw .invalidProperty(
                    path,
                    "'\(s)' is not a valid Edm.DateTimeOffset; expected YYYY-MM-DDThh:mm:ss with 0 to 7 fractional digits and Z or an offset, such as 2017-01-01T00:03:19.2710393+03:00.")
            }
            return .dateTimeOffset(d)
        case .binary:
            guard case .string(let s) = json else { throw mismatch("a base64 string (Edm.Binary)") }
            guard let bytes = Base64.decode(s) else { throw .invalidProperty(path, "the value is not valid base64 (Edm.Binary).") }
            return .binary(bytes)
        case .guid:
            guard case .string(let s) = json else { throw mismatch("a GUID string (Edm.Guid)") }
            guard PrimitiveLiterals.isGuid(s) else { throw .invalidProperty(path, "'\(s)' is not a valid Edm.Guid.") }
            return .string(s.lowercased())
        case .date:
            guard case .string(let s) = json, PrimitiveLiterals.isDate(s) else { throw mismatch("a date YYYY-MM-DD (Edm.Date)") }
            return .string(s)
        case .timeOfDay:
            guard case .string(let s) = json, PrimitiveLiterals.isTimeOfDay(s) else { throw mismatch("a time hh:mm:ss (Edm.TimeOfDay)") }
            return .string(s)
        case .duration:
            guard case .string(let s) = json, PrimitiveLiterals.isDuration(s) else { throw mismatch("an ISO 8601 duration such as PT1H (Edm.Duration)") }
            return .string(s)
        }
    }

    private static func describe(_ json: JSONValue) -> String {
        switch json {
        case .string(let s): return " '\(s.count > 40 ? String(s.prefix(40)) + "…" : s)'"
        case .number(let n): return " \(n)"
        case .bool(let b): return " \(b)"
        default: return ""
        }
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
