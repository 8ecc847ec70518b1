import CSQLiteSettings
import GRDB
import Storage

/// SQLite's errors as the store reports them.
extension SQLiteDatabase {
    /// Translates SQLite's errors into `StorageError`.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_CONSTRAINT:
                if error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
                    throw StorageError(.parentNotFound, "the containing entity does not exist", underlying: error)
                }
                throw StorageError(.conflict, "an entity with this key exists already", underlying: error)
            case .SQLITE_INTERRUPT:
                // Only a reader's time limit interrupts a statement (see `SQLiteReaders`).
                let limit = readers.timeLimit.map { " \($0.inWords)" } ?? ""
                throw StorageError(.timedOut, "it ran longer than\(limit), the longest a read may run here", underlying: error)
            case .SQLITE_ERROR where error.message == STATUSGRAPH_NUMBER_OUT_OF_RANGE:
                // `$filter` or `$orderby` arithmetic beyond 64 bits (`statusgraph_checked_number`), as PostgreSQL's 22003.
                throw StorageError(.unevaluable, "a number out of range", underlying: error)
            case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN:
                throw StorageError(.unavailable, "the SQLite database is unavailable", underlying: error)
            default:
                throw StorageError(.internalError, "SQLite failed", underlying: error)
            }
        }
    }
}

extension Database {
    /// The connection's SQLite handle, or an error once GRDB has closed it.
    var openConnection: OpaquePointer {
        get throws {
            guard let connection = sqliteConnection else { throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the database is closed") }
            return connection
        }
    }
}
