import ODataCore
import ODataModel

/// Values as the version a query is in shows them: members inside stored complex values, and flags.
/// Complex values are kept as the version that wrote them shaped them (see `JSONWriter.storedComplex`,
/// which shows them); a `$filter` must find what the answer shows, not what is kept.
extension ExpressionTranslator {
    /// A member a path reaches: its property, and the complex type that holds it there.
    struct Reached: Equatable {
        let holder: String?
        let property: Property
    }

    /// The members a path reaches from `start`, through every type a stored value may hold on the way (a
    /// member of a derived type is reached through its base, as the binder reaches it), one per type holding it.
    func members(from start: TypeReference, path: [String]) -> [Reached] {
        var owners = [start]
        var found: [Reached] = []
        for name in path {
            if BoundExpression.isCast(name) {  // only that type and those derived from it from here on
                owners = model.structuredType(qualified: Substring(name)).map { [.complex($0.name)] } ?? []
                continue
            }
            found = []
            for case .complex(let typeName) in owners {
                guard let type = model.complexTypes[typeName] else { continue }
                for candidate in [type.name] + type.derivedTypes {
                    guard let p = model.complexTypes[candidate]?.property(named: name) else { continue }
                    let reached = Reached(holder: candidate, property: p)
                    if !found.contains(reached) { found.append(reached) }
                }
            }
            owners = found.map(\.property.type)
        }
        return found
    }

    /// The members a path into the complex property `property` reaches, on every type of the table that has
    /// it (a column is shared: `minimumSupportedOperatingSystem` is of another type on each kind of app), or
    /// of those a cast on the entity names.
    func members(ofProperty property: String, path: [String]) -> [Reached] {
        var found: [Reached] = []
        for typeName in (castTypes ?? Array(table.family)).sorted() {  // in one order: the statement's text is a cache key
            guard let start = model.entityTypes[typeName]?.property(named: property)?.type else { continue }
            for r in members(from: start, path: path) where !found.contains(r) { found.append(r) }
        }
        return found
    }

    /// A member inside a stored complex value, as the answer shows it (`JSONWriter.storedComplex`): `raw`
    /// is the SQL of the value as kept, `document` and `path` where it is (nil for an element of a
    /// collection itself), `reached` what it may be. Flags are kept as names and compared as masks of this
    /// version's members; a member of an enum this version declares otherwise that it does not know shows
    /// as `unknownFutureValue`, else null or the default, by the type of the object holding it where the
    /// member is of another enum on each (`operationType` on each kind of rule); a non-nullable member the
    /// object lacks (written through a version without it) as its default, where all it may be agree on it.
    func shownMember(_ raw: String, in document: (json: String, path: [String])?, type: TypeReference, reached: [Reached])
        -> SQLFragment
    {
        var member = SQLFragment(raw)
        let kind = ColumnKind(type) { model.enumTypes[$0]?.isFlags ?? false }
        if case .enumeration(let name) = type.element, let e = model.enumTypes[name] {
            if e.isFlags {
                member = SQLFragment(flagsMask(raw, e))
            } else {
                let readings = reached.map { ($0.holder, shownEnum(raw, $0.property)) }
                let distinct = Set(readings.map(\.1))
                if distinct.count == 1 {
                    member = SQLFragment(readings[0].1)
                } else if distinct.count > 1, let document {
                    // `@odata.type` names the holding object's type, as every complex value the service writes has it.
                    let holder = dialect.jsonValue(document.json, path: document.path.dropLast() + ["@odata.type"], kind: .text)
                    let arms = readings.compactMap { holder, reading -> String? in
                        guard let holder, reading != raw else { return nil }
                        return " WHEN \(dialect.literal(model.odataType(of: holder))) THEN \(reading)"
                    }
                    member = SQLFragment("(CASE \(holder)" + arms.joined() + " ELSE \(raw) END)")
                }
            }
        }
        if kind == .timestamp {
            member = SQLFragment(dialect.ticks(fromText: raw))  // compared, ordered and taken apart as columns are
        }
        guard let document else { return member }
        // A member its object lacks or keeps null (written through a version without it, or where it is
        // nullable) is what the answer shows: its default where this version's member is not nullable.
        let object = dialect.jsonIsObject(document.json, path: document.path.dropLast())
        let fallbacks = reached.map { missingMemberDefault($0.property, kind: kind) }
        if let first = fallbacks.first, let fallback = first, fallbacks.allSatisfy({ $0 == fallback }) {
            return "CASE WHEN \(object) THEN COALESCE(" + member + ", " + .bind(fallback) + ") END"
        }
        // The types that may hold it disagree (`v10_0` of a Windows minimum OS is not nullable, of an
        // Android one it is): each by its own, as `@odata.type` names the holding object's type.
        let defaults = zip(reached, fallbacks).compactMap { r, fallback in r.holder.flatMap { h in fallback.map { (h, $0) } } }
        guard !defaults.isEmpty else { return member }
        let holder = dialect.jsonValue(document.json, path: document.path.dropLast() + ["@odata.type"], kind: .text)
        var shown = SQLFragment("CASE WHEN \(object) THEN (CASE \(holder)")
        for (type, fallback) in defaults {
            shown = shown + " WHEN \(dialect.literal(model.odataType(of: type))) THEN COALESCE(" + member + ", " + .bind(fallback) + ")"
        }
        return shown + " ELSE " + member + " END) END"
    }

    /// The SQL of a stored value of `property`'s enum as this version shows it: itself where the enum is the
    /// same in every version; else a member this version does not know as `unknownFutureValue`, null or the default.
    func shownEnum(_ raw: String, _ property: Property) -> String {
        guard let e = enumType(of: property), varyingEnums.contains(e.name) else { return raw }
        let known = e.members.map { dialect.literal($0.name) }.joined(separator: ", ")
        let unknown = unknownMember(property).map(dialect.literal) ?? "NULL"
        return "(CASE WHEN \(raw) IS NULL THEN NULL WHEN \(raw) IN (\(known)) THEN \(raw) ELSE \(unknown) END)"
    }

    /// What a stored member of `leaf`'s enum that this version does not know shows as: `unknownFutureValue`
    /// where the enum has it, else null where the member may be null, else the enum's default.
    func unknownMember(_ leaf: Property) -> String? {
        guard let e = enumType(of: leaf) else { return nil }
        if e.member(named: "unknownFutureValue") != nil { return "unknownFutureValue" }
        return leaf.nullable && !leaf.type.isCollection ? nil : e.defaultMember.name
    }

    func enumType(of p: Property) -> EnumType? {
        guard case .enumeration(let name) = p.type.element else { return nil }
        return model.enumTypes[name]
    }

    /// The default a non-nullable member shows where its object lacks it or keeps null, as the member reads
    /// (dates in ticks); nil where it is nullable.
    func missingMemberDefault(_ leaf: Property, kind: ColumnKind) -> SQLValue? {
        guard [.boolean, .integer, .real, .text, .enumName, .flags, .timestamp].contains(kind), !leaf.nullable else { return nil }
        return kind.encode(.defaultValue(of: leaf.type, in: model), type: leaf.type, model: model)
    }

    /// The mask of flags kept as names (`x86,x64`, as JSON keeps them), of the members `e` has: the bits of
    /// members this version does not know are not counted, as the answer does not show them.
    func flagsMask(_ names: String, _ e: EnumType) -> String {
        let list = "(',' || replace(\(names), ' ', '') || ',')"
        let terms = e.members.compactMap { m -> String? in
            guard let v = m.value, v != 0 else { return nil }
            return "(CASE WHEN \(dialect.contains(list, dialect.literal("," + m.name + ","))) THEN \(v) ELSE 0 END)"
        }
        return "(CASE WHEN \(names) IS NULL THEN NULL ELSE " + (terms.isEmpty ? "0" : terms.joined(separator: " + ")) + " END)"
    }

    /// A flags column as the answer shows it: without the bits of members this version does not know
    /// (v1.0's `windowsArchitecture` has no `arm64`, which a value written through beta may hold).
    func shownFlags(_ column: String, type: TypeReference) -> SQLFragment {
        guard case .enumeration(let name) = type.element, varyingEnums.contains(name), let e = model.enumTypes[name] else {
            return SQLFragment(column)
        }
        return "(" + SQLFragment(column) + " & " + .bind(.integer(e.knownMask)) + ")"
    }

    /// A member path's type casts as conditions, each on the value where it stands: of that type or of one
    /// derived from it, by its `@odata.type`; `value` where all hold, else null (as OData has a cast).
    func cast(_ value: SQLFragment, in document: String, path: [String]) -> SQLFragment {
        var members: [String] = []
        var conditions: [String] = []
        for segment in path {
            guard BoundExpression.isCast(segment) else {
                members.append(segment)
                continue
            }
            guard let type = model.structuredType(qualified: Substring(segment)) else { continue }
            let names = ([type.name] + type.derivedTypes).map { dialect.literal(model.odataType(of: $0)) }
            let actual = dialect.jsonValue(document, path: members + ["@odata.type"], kind: .text)
            conditions.append("\(actual) IN (\(names.joined(separator: ", ")))")
        }
        guard !conditions.isEmpty else { return value }
        return "(CASE WHEN \(conditions.joined(separator: " AND ")) THEN " + value + " END)"
    }
}
