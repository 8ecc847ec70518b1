import ODataModel

/// A stored collection (or singleton): one table holding every entity of one containment path,
/// of every type of the path's type family, in every version.
///
/// Columns: `_tenant`, one `_pN` per containing entity (outermost first), `id`, `_type`
/// (the concrete type's name), then one column per structural property of the family. (A class: every
/// request of every core reads the same tables, and a copy would retain each of its arrays.)
public final class StorageTable: Sendable {
    public struct Column: Sendable, Equatable {
        public let name: String
        public let kind: ColumnKind
        public let type: TypeReference
    }

    /// A summary this table's rows are counted into.
    public struct Feed: Sendable {
        public let summary: Summary
        public let source: Summary.Source
    }

    public let name: String
    /// Navigation names from the singleton; empty for the singleton's own table.
    public let path: [String]
    /// The entity type the path declares.
    public let baseType: String
    /// Every concrete or abstract type that can be stored here, over all versions.
    public let family: Set<String>
    /// The property columns, in a stable order.
    public let columns: [Column]
    /// The table of the containing entities; nil at the top.
    public let parent: String?
    /// Summaries that count this table's rows.
    public let feeds: [Feed]
    /// The counts kept for a container's rows, in the order of the counts table's `n0`, `n1`, …
    /// columns: each feed's distinct counts, feed after feed (a feed's rule order).
    public let buckets: [String]
    /// The feed each of `buckets` belongs to.
    public let bucketFeeds: [Int]
    /// Columns clients commonly order by (from the model's sort keys), each indexed within the container.
    public let sortColumns: [String]
    private let index: [String: Int]
    /// The names of the key columns between tenant and id: one per containing entity (`_p1`, …).
    public let parentKeyColumns: [String]
    /// The text columns every table has before its properties' own: tenant, containers, id and type.
    public var keyColumns: [String] { ["_tenant"] + parentKeyColumns + ["id", "_type"] }

    init(
        name: String, path: [String], baseType: String, family: Set<String>, columns: [Column], parent: String?, feeds: [Feed],
        sortColumns: [String]
    ) {
        self.name = name
        self.path = path
        self.baseType = baseType
        self.family = family
        self.columns = columns
        self.parent = parent
        self.feeds = feeds
        var buckets: [String] = []
        var bucketFeeds: [Int] = []
        for (i, feed) in feeds.enumerated() {
            for rule in feed.source.rules where !zip(buckets, bucketFeeds).contains(where: { $0 == (rule.count, i) }) {
                buckets.append(rule.count)
                bucketFeeds.append(i)
            }
        }
        self.buckets = buckets
        self.bucketFeeds = bucketFeeds
        self.sortColumns = sortColumns
        self.index = Dictionary(columns.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.parentKeyColumns = (0..<max(path.count - 1, 0)).map { "_p\($0 + 1)" }
    }

    public var isSingleton: Bool { path.isEmpty }

    /// How many containing entities' keys a row carries.
    public var depth: Int { max(path.count - 1, 0) }

    public func columnIndex(_ property: String) -> Int? { index[property] }

    /// Where in `buckets` feed `feed` keeps its count `count`.
    func bucketColumn(feed: Int, count: String) -> Int {
        buckets.indices.first { buckets[$0] == count && bucketFeeds[$0] == feed }!
    }
}

/// The key of a stored entity's container: its tenant and the keys of the entities that contain it.
public struct Scope: Sendable, Hashable {
    public let tenant: String
    public let parents: [String]

    public init(tenant: String, parents: [String]) {
        self.tenant = tenant
        self.parents = parents
    }

    /// The key summary counts are kept under.
    public var parentKey: String { parents.joined(separator: "/") }
}

/// One stored entity: its key, concrete type, and property values in the table's column order.
public struct StoredEntity: Sendable, Equatable {
    public var id: String
    public var type: String
    public var values: [SQLValue]
    /// The values of a list's order keys for this row, then its id: where the next page starts.
    public var sortKeys: [SQLValue] = []

    public init(id: String, type: String, values: [SQLValue]) {
        self.id = id
        self.type = type
        self.values = values
    }
}
