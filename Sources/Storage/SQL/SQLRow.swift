/// One value of a row while the database is reading it: text and blobs are views into the database's
/// own buffers, valid only inside the call that hands the row out. Reading a page this way allocates
/// nothing per value; `value` makes a `SQLValue` that outlives the row.
public enum SQLCell {
    case null
    case integer(Int64)
    case real(Double)
    case boolean(Bool)
    case text(UnsafeBufferPointer<UInt8>)
    case blob(UnsafeRawBufferPointer)

    public var value: SQLValue {
        switch self {
        case .null: .null
        case .integer(let n): .integer(n)
        case .real(let d): .real(d)
        case .boolean(let b): .boolean(b)
        case .text(let utf8): .text(String(decoding: utf8, as: UTF8.self))
        case .blob(let bytes): .blob(Array(bytes))
        }
    }
}

/// A row being read: its cells in select-list order, valid only inside the call that hands it out.
public struct SQLRow {
    public let cells: UnsafeBufferPointer<SQLCell>

    public init(cells: UnsafeBufferPointer<SQLCell>) { self.cells = cells }

    public var count: Int { cells.count }
    public subscript(i: Int) -> SQLCell { cells[i] }
    /// The row as values that outlive it.
    public var values: [SQLValue] { cells.map(\.value) }

    /// Hands `values` to `body` as a row (for databases whose driver hands out rows as values).
    public static func withRow<R>(_ values: [SQLValue], _ body: (SQLRow) throws -> R) rethrows -> R {
        var bytes: [UInt8] = []
        var spans: [Range<Int>] = []
        spans.reserveCapacity(values.count)
        for value in values {
            let start = bytes.count
            switch value {
            case .text(let s): bytes.append(contentsOf: s.utf8)
            case .blob(let b): bytes.append(contentsOf: b)
            case .null, .integer, .real, .boolean: break
            }
            spans.append(start..<bytes.count)
        }
        return try bytes.withUnsafeBufferPointer { base in
            let cells = values.indices.map { i -> SQLCell in
                switch values[i] {
                case .null: .null
                case .integer(let n): .integer(n)
                case .real(let d): .real(d)
                case .boolean(let b): .boolean(b)
                case .text: .text(UnsafeBufferPointer(rebasing: base[spans[i]]))
                case .blob: .blob(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(base)[spans[i]]))
                }
            }
            return try cells.withUnsafeBufferPointer { try body(SQLRow(cells: $0)) }
        }
    }
}
