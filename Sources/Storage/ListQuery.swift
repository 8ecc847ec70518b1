import ODataCore
import ODataModel

/// What to read from a collection: which rows (types, filter), in which order, from where, how many.
public struct ListQuery: Sendable {
    /// The model of the request's version (to type constants).
    public let model: EdmModel
    /// The concrete types to include; nil for all.
    public var types: Set<String>?
    public var filter: BoundExpression?
    /// The order; the key `id` always follows, so the order is total.
    public var order: [OrderKey] = []
    /// Read only rows after this position: the values of the order keys, then the id (from `sortKeys`).
    public var after: [SQLValue]?
    public var offset = 0
    /// Ids of the container's rows to leave out (entities deleted whose purge is under way).
    public var excludedIds: [String] = []
    public var limit: Int

    public init(model: EdmModel, types: Set<String>?, limit: Int) {
        self.model = model
        self.types = types
        self.limit = limit
    }
}
