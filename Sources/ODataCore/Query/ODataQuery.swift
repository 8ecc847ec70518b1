import ODataModel

/// The query options of a request, bound to the model: what storage filters, orders and pages by,
/// and what the serializer selects and expands.
public struct ODataQuery: Sendable {
    public var filter: BoundExpression?
    /// The client's `$orderby` keys; storage always adds the key last, so that order is total.
    public var orderBy: [OrderKey] = []
    /// Selected properties (structural, and navigation properties named in `$select`); nil selects all.
    public var select: [SelectItem]?
    /// Set when `$select` named `*`, which selects all (`select` is nil) and says so in the context URL:
    /// the navigation properties named before it, which the context URL keeps beside it (`userStatuses,*`,
    /// as Microsoft.OData writes it; what comes after `*`, and the structural properties before it, `*`
    /// subsumes).
    public var wildcard: [SelectItem]?
    public var top: Int?
    public var skip: Int?
    public var count = false
    public var expand: [ExpandItem] = []
    /// The raw `$skiptoken`, checked by the service.
    public var skipToken: String?

    public init() {}

    /// What a context URL writes in parentheses after the resource for `$select` and `$expand` (OData
    /// 4.0 part 1, §10.9, as Microsoft.OData writes it): the selected properties, then each expanded
    /// navigation with the projection of its own options (`deviceName,userStatuses(userName,deviceStatuses())`),
    /// `*` for `$select=*`; nil when the query has neither option.
    public var contextProjection: String? {
        guard select != nil || wildcard != nil || !expand.isEmpty else { return nil }
        var items = wildcard.map { $0.map(\.text) + ["*"] } ?? select?.map(\.text) ?? []
        items += expand.map { "\($0.text)(\($0.query.contextProjection ?? ""))" }
        return items.joined(separator: ",")
    }
}

/// A `$select` item: a structural property, as it is or cast to a type (`microsoft.graph.win32LobApp/fileName`),
/// which selects it only on entities of that type or of one derived from it; or a navigation property,
/// which OData lets a client select (Graph's OpenAPI descriptions, and so its SDKs, list them among
/// `$select`'s values): it adds nothing to a minimal answer but its name in the context URL, and in full
/// metadata the navigation's link.
public struct SelectItem: Sendable, Equatable {
    /// The property's name, as the model spells it.
    public let property: String
    /// The cast type's qualified name; nil when the item is not cast.
    public let cast: String?
    /// The types (unqualified names) the item selects its property on; nil for every type.
    public let types: Set<String>?
    /// Whether `property` names a navigation property.
    public let isNavigation: Bool
    /// The path into the property's complex values when the item keeps only part of them
    /// (`largeIcon/type`); empty when it keeps the property whole.
    public let members: [SelectPathStep]

    public init(
        property: String, cast: String? = nil, types: Set<String>? = nil, isNavigation: Bool = false, members: [SelectPathStep] = []
    ) {
        self.property = property
        self.cast = cast
        self.types = types
        self.isNavigation = isNavigation
        self.members = members
    }

    /// The item as the context URL writes it.
    public var text: String {
        var s = cast.map { "\($0)/\(property)" } ?? property
        for step in members {
            switch step {
            case .member(let name): s += "/" + name
            case .cast(let name, _): s += "/" + name
            }
        }
        return s
    }

    /// Whether the item selects the structural property `name`, whole or in part, on an entity of the type `type`.
    public func selects(_ name: String, on type: String) -> Bool {
        !isNavigation && property == name && (types?.contains(type) ?? true)
    }

    /// Whether the item selects the navigation property `name` on an entity of the type `type`.
    public func selectsNavigation(_ name: String, on type: String) -> Bool {
        isNavigation && property == name && (types?.contains(type) ?? true)
    }
}

/// One `$orderby` key.
public struct OrderKey: Sendable, Equatable {
    public let expression: BoundExpression
    public let descending: Bool

    public init(expression: BoundExpression, descending: Bool) {
        self.expression = expression
        self.descending = descending
    }
}

/// One `$expand` item: a contained navigation and the options applied to what it leads to; cast to a
/// type (`microsoft.graph.win32LobApp/userStatuses`), it expands the navigation only on entities of that
/// type or of one derived from it, as Microsoft.OData binds a type segment in an expand path.
public struct ExpandItem: Sendable {
    public let navigation: NavigationProperty
    public let type: StructuredType
    public let query: ODataQuery
    /// The options as written, for `@odata.nextLink` of expanded collections.
    public let options: [(name: String, value: String)]
    /// The cast type's qualified name; nil when the item is not cast.
    public var cast: String? = nil
    /// The types (unqualified names) of the entities the item expands on; nil for every type.
    public var types: Set<String>? = nil

    /// Whether the item expands its navigation on an entity of the type `type`.
    public func expands(on type: String) -> Bool { types?.contains(type) ?? true }

    /// The item's path as the context URL writes it.
    public var text: String { cast.map { "\($0)/\(navigation.name)" } ?? navigation.name }
}
