import ODataModel

/// Bounds on query options; each violation is a 400 naming the option.
public struct QueryLimits: Sendable {
    public var expression = ExpressionParser.Limits()
    /// Largest `$top`.
    public var maxTop = 100_000
    /// Largest `$skip` (deep offsets are slow; `@odata.nextLink` pages by key instead).
    public var maxSkip = 100_000
    /// How deep `$expand` may nest.
    public var maxExpandDepth = 2
    /// How many navigations one `$expand` may name.
    public var maxExpandItems = 4
    /// Longest query string, in bytes (after the `?`).
    public var maxQueryLength = 8 * 1024
    public init() {}
}

/// Binds parsed query options to the type of the addressed collection or entity.
public final class QueryBinder: Sendable {
    public let service: ServiceModel
    public let model: EdmModel
    public let limits: QueryLimits
    /// Whether options may be named without their `$` (see `QueryOptions(parsing:dollarOptional:)`), inside `$expand` too.
    public let dollarOptional: Bool

    public init(service: ServiceModel, model: EdmModel, limits: QueryLimits, dollarOptional: Bool = false) {
        self.service = service
        self.model = model
        self.limits = limits
        self.dollarOptional = dollarOptional
    }

    /// `collection` is false for a single entity, which takes only `$select` and `$expand`.
    public func bind(_ options: QueryOptions, type: StructuredType, collection: Bool, depth: Int = 0) throws(ODataError) -> ODataQuery {
        var query = ODataQuery()
        if !collection {
            for name in ["$filter", "$orderby", "$top", "$skip", "$count", "$skiptoken"] where options[name] != nil {
                throw .badRequest("The query option '\(name)' applies to collections, not to a single entity.", target: name)
            }
        }
        if let format = options["$format"], format.lowercased() != "json", !format.lowercased().hasPrefix("application/json") {
            throw ODataError(.notAcceptable, code: "NotAcceptable", message: "$format '\(format)' is not supported; use json.", target: "$format")
        }
        if let text = options["$filter"] {
            let syntax = try ExpressionParser.parseFilter(text, limits: limits.expression)
            query.filter = try ExpressionBinder(model: model, type: type, option: "$filter").bindFilter(syntax)
        }
        if let text = options["$orderby"] {
            let binder = ExpressionBinder(model: model, type: type, option: "$orderby")
            let items = try ExpressionParser.parseOrderBy(text, limits: limits.expression)
            guard items.count <= 8 else { throw .badRequest("$orderby names more than 8 keys.", target: "$orderby") }
            for item in items {
                let key = try binder.bindOrderKey(item.expression)
                // A property named twice: the second key could only contradict or repeat the first
                // (ASP.NET Core OData refuses it too).
                if case .property(let name, let path, _) = key, query.orderBy.contains(where: { $0.expression == key }) {
                    throw .badRequest("$orderby names '\(([name] + path).joined(separator: "/"))' twice.", target: "$orderby")
                }
                query.orderBy.append(OrderKey(expression: key, descending: item.descending))
            }
        }
        query.top = try integer(options, "$top", max: limits.maxTop)
        query.skip = try integer(options, "$skip", max: limits.maxSkip)
        if let text = options["$count"] {
            switch text.lowercased() {
            case "true": query.count = true
            case "false": query.count = false
            default: throw .badRequest("$count must be true or false, not '\(text)'.", target: "$count")
            }
        }
        if let text = options["$select"] {
            let (items, wildcardAt) = try select(text, type: type)
            // Microsoft.OData keeps the navigations named before `*` beside it (the items after it, and the
            // structural ones before it, `*` subsumes): `$select=userStatuses,*` is `(userStatuses,*)`.
            query.select = wildcardAt == nil ? items : nil
            query.wildcard = wildcardAt.map { items[..<$0].filter(\.isNavigation) }
        }
        if let text = options["$expand"] { query.expand = try expand(text, type: type, depth: depth) }
        query.skipToken = options["$skiptoken"]
        return query
    }

    private func integer(_ options: QueryOptions, _ name: String, max: Int) throws(ODataError) -> Int? {
        guard let text = options[name] else { return nil }
        guard let n = Int(text), n >= 0 else { throw .badRequest("\(name) must be a whole number of 0 or more, not '\(text)'.", target: name) }
        guard n <= max else { throw .badRequest("\(name) must not exceed \(max).", target: name) }
        return n
    }

    /// The selected properties, and how many of them came before `*` when it is among them (every item
    /// is checked all the same, as Microsoft.OData does; with `*` the others select nothing more).
    private func select(_ text: String, type: StructuredType) throws(ODataError) -> (items: [SelectItem], wildcardAt: Int?) {
        var items: [SelectItem] = []
        var wildcardAt: Int?
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = raw.trimmingSpaces()
            if item == "*" {
                if wildcardAt == nil { wildcardAt = items.count }
                continue
            }
            let (segment, rest) = try typeSegment(item, on: type, option: "$select")  // microsoft.graph.webApp/appUrl
            // The property, then a path into its complex values (`largeIcon/type`).
            let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
            guard !parts.contains(where: \.isEmpty) else {
                throw .badRequest(item.isEmpty ? "$select has an empty item." : "$select: '\(item)' has an empty segment.", target: "$select")
            }
            let name = String(parts[0])
            // Names in any case, as Graph takes them; kept as the model spells them. After a type segment,
            // the cast type's (selected only on entities of it or derived from it); else the type's own
            // properties, then those of the types derived from it, unqualified as Graph takes them.
            let owner = segment?.name ?? "\(model.namespace).\(type.name)"
            if let property = segment.map({ $0.type.property(matching: name) }) ?? declared(on: type, { $0.property(matching: name) }) {
                let members = try selectPath(parts.dropFirst(), into: property)
                append(SelectItem(property: property.name, cast: segment?.name, types: segment?.types, members: members), to: &items)
            } else if let navigation = segment.map({ $0.type.navigationProperty(matching: name) })
                ?? declared(on: type, { $0.navigationProperty(matching: name) })
            {
                guard parts.count == 1 else {
                    throw .badRequest(
                        "$select: '\(navigation.name)' is a navigation property; select its properties with $expand=\(navigation.name)($select=…).",
                        target: "$select")
                }
                append(SelectItem(property: navigation.name, cast: segment?.name, types: segment?.types, isNavigation: true), to: &items)
            } else {
                throw .badRequest("$select: could not find a property named '\(name)' on type '\(owner)'.", target: "$select")
            }
        }
        return (items, wildcardAt)
    }

    /// The steps of a `$select` path into the complex values of `property` (none: the property whole).
    /// It may go through collections of complex values, and cast to derived complex types.
    private func selectPath(_ path: ArraySlice<Substring>, into property: Property) throws(ODataError) -> [SelectPathStep] {
        guard !path.isEmpty else { return [] }
        let walked: ComplexPath
        do {
            walked = try ComplexPath.walk(property.type, path.map(String.init), from: property.name, throughCollections: true, in: model)
        } catch {
            throw .badRequest("$select: \(error.message)", target: "$select")
        }
        return walked.steps.map { step in
            switch step {
            case .member(let name):
                return .member(name)
            case .cast(let cast):
                return .cast("\(model.namespace).\(cast.name)", admits: Set(([cast.name] + cast.derivedTypes).map(model.odataType(of:))))
            }
        }
    }

    /// A type segment that opens a `$select` or `$expand` item (`microsoft.graph.win32LobApp/…`).
    private struct TypeSegment {
        let type: StructuredType
        /// Its qualified name, as the context URL writes it.
        let name: String
        /// The types (unqualified names) it admits: itself and those derived from it.
        let types: Set<String>
    }

    /// `item` split into its type segment, when it starts with the qualified name of a type, and the
    /// rest after the `/`. The type must be `type` or derived from it (Microsoft.OData binds an item
    /// with a type segment only on entities of that type).
    private func typeSegment(_ item: Substring, on type: StructuredType, option: String) throws(ODataError) -> (TypeSegment?, Substring) {
        guard let slash = item.firstIndex(of: "/"), let named = model.structuredType(qualified: item[..<slash]) else { return (nil, item) }
        guard named.kind == .entity, type.isAssignable(from: named) else {
            throw .badRequest("\(option): '\(item[..<slash])' is not a type derived from \(model.namespace).\(type.name).", target: option)
        }
        let segment = TypeSegment(type: named, name: "\(model.namespace).\(named.name)", types: Set([named.name] + named.derivedTypes))
        return (segment, item[item.index(after: slash)...])
    }

    /// What `lookup` finds on `type`, else on the first type derived from it where it finds something.
    private func declared<T>(on type: StructuredType, _ lookup: (StructuredType) -> T?) -> T? {
        if let found = lookup(type) { return found }
        for name in type.derivedTypes {
            if let derived = model.entityTypes[name], let found = lookup(derived) { return found }
        }
        return nil
    }

    /// Appends `item` unless it is there already (an item named twice selects it once, as Microsoft.OData keeps it).
    private func append(_ item: SelectItem, to items: inout [SelectItem]) {
        if !items.contains(item) { items.append(item) }
    }

    private func expand(_ text: String, type: StructuredType, depth: Int) throws(ODataError) -> [ExpandItem] {
        guard depth < limits.maxExpandDepth else {
            throw .badRequest("$expand nests deeper than \(limits.maxExpandDepth) levels.", target: "$expand")
        }
        var items: [ExpandItem] = []
        // Where `*` stood: it expands, there, each navigation the service answers that no other item names.
        var star: Int?
        for raw in QueryOptions.splitTopLevel(Substring(text), separator: ",") {
            let item = raw.trimmingSpaces()
            var name = item
            var nested = QueryOptions()
            if let open = item.firstIndex(of: "(") {
                guard item.hasSuffix(")") else { throw .badRequest("$expand: '\(item)' is not closed with ')'.", target: "$expand") }
                name = item[..<open]
                nested = try QueryOptions(nested: item[item.index(after: open)..<item.index(before: item.endIndex)], dollarOptional: dollarOptional)
            }
            if name == "*" {
                // OData gives `*` only `$levels`, which this service does not take.
                guard item == "*" else {
                    throw .badRequest("$expand: '*' takes no options here; name the navigation properties to give them options.", target: "$expand")
                }
                guard star == nil else { throw .badRequest("$expand names '*' twice.", target: "$expand") }
                star = items.count
                continue
            }
            // A type segment before the navigation (`microsoft.graph.win32LobApp/userStatuses`): the
            // navigation of that type, expanded only on entities of it.
            let segment: TypeSegment?
            (segment, name) = try typeSegment(name, on: type, option: "$expand")
            let owner = segment?.type ?? type
            guard let nav = owner.navigationProperty(matching: String(name)), nav.containsTarget, let target = model.entityTypes[nav.target] else {
                throw .badRequest(
                    "$expand: could not find a navigation property named '\(name)' on type '\(model.namespace).\(owner.name)'.", target: "$expand")
            }
            guard service.serves(nav, of: owner, in: model) else {
                throw .badRequest("$expand: '\(name)' cannot be expanded.", target: "$expand")
            }
            guard !items.contains(where: { $0.navigation.name == nav.name }) else {
                throw .badRequest("$expand names '\(name)' twice.", target: "$expand")
            }
            let query = try bind(nested, type: target, collection: nav.isCollection, depth: depth + 1)
            var expanded = ExpandItem(navigation: nav, type: target, query: query, options: nested.passthrough)
            if let segment {
                expanded.cast = segment.name
                expanded.types = segment.types
            }
            items.append(expanded)
        }
        if let star {
            var all: [ExpandItem] = []
            for nav in type.navigationProperties where service.serves(nav, of: type, in: model) {
                guard !items.contains(where: { $0.navigation.name == nav.name }), let target = model.entityTypes[nav.target] else { continue }
                let query = try bind(QueryOptions(), type: target, collection: nav.isCollection, depth: depth + 1)
                all.append(ExpandItem(navigation: nav, type: target, query: query, options: []))
            }
            items.insert(contentsOf: all, at: star)
        }
        guard items.count <= limits.maxExpandItems else {
            throw .badRequest("$expand names more than \(limits.maxExpandItems) navigation properties.", target: "$expand")
        }
        return items
    }
}
