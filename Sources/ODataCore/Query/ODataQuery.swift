import ODataModel

/// The query options of a request, bound to the model: what storage filters, orders and pages by,
/// and what the serializer selects and expands.
public struct ODataQuery: Sendable {
    public var filter: BoundExpression?
    /// The client's `$orderby` keys; storage always adds the key last, so that order is total.
    public var orderBy: [OrderKey] = []
    /// Selected structural properties; nil selects all.
    public var select: [String]?
    public var top: Int?
    public var skip: Int?
    public var count = false
    public var expand: [ExpandItem] = []
    /// The raw `$skiptoken`, checked by the service.
    public var skipToken: String?

    public init() {}
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

/// One `$expand` item: a contained navigation and the options applied to what it leads to.
public struct ExpandItem: Sendable {
    public let navigation: NavigationProperty
    public let type: StructuredType
    public let query: ODataQuery
    /// The options as written, for `@odata.nextLink` of expanded collections.
    public let options: [(name: String, value: String)]
}
