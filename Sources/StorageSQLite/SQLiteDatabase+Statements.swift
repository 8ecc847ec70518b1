import GRDB
import GRDBSQLite
import Storage

/// Statements run on our own connections: parameters bound from a kept buffer, rows read in place.
extension SQLiteDatabase {
    /// Runs a statement with its parameters bound and returns its rows as values.
    static func fetch(
        _ sqlite: SQLiteStatement, _ connection: SQLiteConnection?, _ buffer: BindingBuffer, _ statement: SQLStatement
    ) throws -> [[SQLValue]] {
        var out: [[SQLValue]] = []
        try step(sqlite, connection, buffer, statement) { out.append($0.values) }
        return out
    }

    /// Runs a statement, prepared once per connection, with its parameters bound, handing each row to
    /// `body` as cells that point into SQLite's own buffers: no per-value boxing on the way in or out.
    static func step(
        _ sqlite: SQLiteStatement, _ connection: SQLiteConnection?, _ buffer: BindingBuffer, _ statement: SQLStatement,
        _ body: (SQLRow) throws -> Void
    ) throws {
        defer {
            // Ends the statement's read: an open statement would hold its snapshot (and block checkpoints).
            sqlite3_reset(sqlite)
            sqlite3_clear_bindings(sqlite)
        }
        sqlite3_reset(sqlite)
        // Text and blobs are bound from `buffer` (see BindingBuffer): sized for all of them first, so
        // that nothing bound moves.
        var size = 0
        for value in statement.bindings {
            switch value {
            case .text(let text): size += text.utf8.count
            case .blob(let bytes): size += bytes.count
            case .null, .integer, .real, .boolean: break
            }
        }
        var next = buffer.reserve(size)
        for (offset, value) in statement.bindings.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(sqlite, index)
            case .integer(let n): code = sqlite3_bind_int64(sqlite, index, n)
            case .real(let d): code = sqlite3_bind_double(sqlite, index, d)
            case .boolean(let b): code = sqlite3_bind_int64(sqlite, index, b ? 1 : 0)
            case .text(let text):
                var text = text
                let start = next
                let count = text.withUTF8 { utf8 in
                    if let source = utf8.baseAddress { start.copyMemory(from: source, byteCount: utf8.count) }
                    return utf8.count
                }
                next += count
                code = sqlite3_bind_text(sqlite, index, start.assumingMemoryBound(to: CChar.self), Int32(count), nil)
            case .blob(let bytes):
                let start = next
                bytes.withUnsafeBytes { if let source = $0.baseAddress { start.copyMemory(from: source, byteCount: $0.count) } }
                next += bytes.count
                code = sqlite3_bind_blob(sqlite, index, start, Int32(bytes.count), nil)
            }
            guard code == SQLITE_OK else { throw error(connection, code, statement) }
        }
        let count = Int(sqlite3_column_count(sqlite))
        try withUnsafeTemporaryAllocation(of: SQLCell.self, capacity: count) { cells in
            while true {
                let code = sqlite3_step(sqlite)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else { throw error(connection, code, statement) }
                for i in 0..<count {
                    // One `sqlite3_column_*` call per value: each enters and leaves the statement's API
                    // (a mutex call and an error check); the value's own accessors do neither. SQLite calls
                    // the value "unprotected" (no mutex held while reading it): safe here, as a connection
                    // is used by one thread at a time and the value is read before the next step.
                    let value = sqlite3_column_value(sqlite, Int32(i))
                    let cell: SQLCell
                    switch sqlite3_value_type(value) {
                    case SQLITE_INTEGER: cell = .integer(sqlite3_value_int64(value))
                    case SQLITE_FLOAT: cell = .real(sqlite3_value_double(value))
                    case SQLITE_TEXT:
                        let start = sqlite3_value_text(value)
                        cell = .text(UnsafeBufferPointer(start: start, count: start == nil ? 0 : Int(sqlite3_value_bytes(value))))
                    case SQLITE_BLOB:
                        let start = sqlite3_value_blob(value)
                        cell = .blob(UnsafeRawBufferPointer(start: start, count: start == nil ? 0 : Int(sqlite3_value_bytes(value))))
                    default: cell = .null
                    }
                    (cells.baseAddress! + i).initialize(to: cell)
                }
                try body(SQLRow(cells: UnsafeBufferPointer(cells)))
            }
        }
    }

    /// SQLite's error for a failed step or bind, as GRDB reports errors (so `run` maps both alike).
    static func error(_ connection: SQLiteConnection?, _ code: Int32, _ statement: SQLStatement) -> DatabaseError {
        let message = connection.map { String(cString: sqlite3_errmsg($0)) }
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
    }
}
