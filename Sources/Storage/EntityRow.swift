/// A stored entity while its row is being read (see `SQLRow`): `id`, `_type`, the table's columns in
/// order, then the values of the query's order keys. Valid only inside the call that hands it out.
public struct EntityRow {
    public let row: SQLRow
    let columnCount: Int
    let keyCount: Int

    public init(row: SQLRow, columnCount: Int, keyCount: Int) throws {
        guard row.count >= 2 + columnCount + keyCount, case .text = row[0], case .text = row[1] else {
            throw StorageError(.internalError, "a stored row has no id, type or sort keys")
        }
        self.row = row
        self.columnCount = columnCount
        self.keyCount = keyCount
    }

    /// The id's UTF-8.
    public var id: UnsafeBufferPointer<UInt8> {
        guard case .text(let utf8) = row[0] else { return UnsafeBufferPointer(start: nil, count: 0) }
        return utf8
    }

    /// The concrete type's qualified name, as UTF-8.
    public var type: UnsafeBufferPointer<UInt8> {
        guard case .text(let utf8) = row[1] else { return UnsafeBufferPointer(start: nil, count: 0) }
        return utf8
    }

    /// The value of the table's column `index`.
    public func column(_ index: Int) -> SQLCell { row[2 + index] }

    /// Where the next page starts after this row: the order keys' values, then the id.
    public var sortKeys: [SQLValue] {
        (0..<keyCount).map { row[2 + columnCount + $0].value } + [row[0].value]
    }

    /// The row as an entity (with its sort keys) that outlives it.
    public var entity: StoredEntity {
        var e = StoredEntity(
            id: String(decoding: id, as: UTF8.self), type: String(decoding: type, as: UTF8.self),
            values: (0..<columnCount).map { column($0).value })
        e.sortKeys = sortKeys
        return e
    }
}
