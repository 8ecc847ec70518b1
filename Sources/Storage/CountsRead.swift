/// How a summary reads its parent and the counts kept for it, worked out once per summary and stored
/// type: the parent's table, the stored types it may have, the parent columns the summary copies, the
/// counted tables, and the store's statement for all of it (written once, bound per parent).
public final class CountsRead: Sendable {
    public let table: StorageTable
    /// The stored types the parent may have, sorted; nil for any.
    public let types: [String]?
    /// The table columns read, in the order `CountedEntity.values` holds them.
    public let columns: [Int]
    /// The tables whose counts are read.
    public let sources: [String]
    /// The counts each of `sources` keeps, in the order of its row's count columns.
    public let buckets: [[String]]
    /// The parent's stored types and the counted tables, to name what a row holds.
    public let typeNames: KnownNames
    public let sourceNames: KnownNames
    /// The store's statement text for this read (the store that made it binds it).
    public let text: String
    /// For each column of the table, where `CountedEntity.values` holds it, or -1.
    private let positions: [Int]

    /// `columns` are table column indexes; `text` reads them in that order, then a source's name, the
    /// count columns (the first of them its `buckets`) and when they last changed.
    public init(table: StorageTable, types: [String]?, columns: [Int], sources: [String], buckets: [[String]], text: String) {
        self.table = table
        self.types = types
        self.columns = columns
        self.sources = sources
        self.buckets = buckets
        self.text = text
        typeNames = KnownNames(table.family)
        sourceNames = KnownNames(sources)
        var positions = [Int](repeating: -1, count: table.columns.count)
        for (position, column) in columns.enumerated() { positions[column] = position }
        self.positions = positions
    }

    /// The value of table column `column` in an entity this read returned (null for a column not read).
    public func value(_ column: Int, of entity: CountedEntity) -> SQLValue {
        let position = positions[column]
        return position < 0 ? .null : entity.values[position]
    }
}

/// An entity read with its kept counts: its id and type, the columns its read names, and the counts.
public struct CountedEntity: Sendable {
    public let id: String
    public let type: String
    /// The values of `CountsRead.columns`, in that order.
    public let values: [SQLValue]
    public let counts: [SummaryCount]

    public init(id: String, type: String, values: [SQLValue], counts: [SummaryCount]) {
        self.id = id
        self.type = type
        self.values = values
        self.counts = counts
    }
}
