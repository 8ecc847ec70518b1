import PostgresNIO
import Storage
import Synchronization

/// Which reads run as prepared statements, and on which connections they are prepared.
///
/// PostgreSQL parses and plans every unnamed statement anew: for a read by id that is two thirds of its
/// CPU (pgbench on this machine: 21k reads/s unnamed, 60k prepared). PostgresNIO's prepared statements
/// want SQL known at compile time, and ours are made from the model at run time, so a read is prepared
/// through PostgresNIO's per-connection `prepare(query:)`: once per connection, as a named statement
/// whose plan PostgreSQL keeps. That names no parameter types, so the text prepared is the statement's
/// with each placeholder cast to the type its binding is sent as (`$1::text`): PostgreSQL reads every
/// parameter as the unnamed statement declares it, and the results are the same.
///
/// A read is prepared once it has run `promotion` times (the shapes of one-off `$filter`s never are; 0
/// prepares none, for a pooler in front of PostgreSQL that shares server sessions between clients),
/// for its parameter types (the same text with a null where a value was is another statement), on
/// each connection that runs it, at most `perConnection` per connection; a connection's statements go
/// with it. A read of more than `longestPrepared` bytes of SQL (a `$filter` near the node limit is up
/// to 30 KB) is neither prepared nor followed: each would hold its text here and its plan in every
/// PostgreSQL session that prepared it. Statements followed are bounded by count (`tracked`) and by
/// the bytes of their text (`trackedBytes`). Only reads (`SELECT`, `WITH`) are prepared: a write's
/// answer needs the command's row count, which PostgresNIO's execution of a prepared statement does
/// not return. A read PostgreSQL refuses to
/// prepare runs unnamed from then on.
final class PreparedStatements: Sendable {
    /// How a read runs on a connection.
    enum Plan {
        case unnamed
        /// Prepare this text on the connection (then `store` it), and execute that.
        case prepare(String)
        case execute(PreparedQuery)
    }

    let promotion: Int
    static let perConnection = 256
    static let longestPrepared = 16 << 10
    /// Statements followed at most, and the bytes of their text; past either the ones not yet
    /// prepared are forgotten.
    let tracked: Int
    let trackedBytes: Int

    private struct Key: Hashable {
        let sql: String
        let types: [ParameterType]
    }

    private struct Entry {
        var uses = 0
        var refused = false
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// The bytes of the text of `entries`' keys.
        var entryBytes = 0
        /// Per connection id, the statements prepared on it.
        var prepared: [Int: [Key: PreparedQuery]] = [:]
    }

    private let state = Mutex(State())

    init(promotion: Int, tracked: Int = 4096, trackedBytes: Int = 8 << 20) {
        self.promotion = promotion
        self.tracked = tracked
        self.trackedBytes = trackedBytes
    }

    /// How `statement` runs on connection `connection`; `isNewConnection` asks the caller to call
    /// `forget(connection:)` when that connection closes.
    func plan(_ statement: SQLStatement, connection: Int) -> (plan: Plan, isNewConnection: Bool) {
        let size = statement.sql.utf8.count
        guard promotion > 0, size <= Self.longestPrepared, Self.preparable(statement.sql) else { return (.unnamed, false) }
        let key = Key(sql: statement.sql, types: ParameterType.of(statement.bindings))
        return state.withLock { s in
            if let query = s.prepared[connection]?[key] { return (.execute(query), false) }
            var entry = s.entries[key] ?? Entry()
            if entry.refused { return (.unnamed, false) }
            entry.uses += 1
            if s.entries[key] == nil {
                if s.entries.count >= tracked || s.entryBytes + size > trackedBytes {
                    s.entries = s.entries.filter { $0.value.uses >= promotion || $0.value.refused }
                    s.entryBytes = s.entries.keys.reduce(0) { $0 + $1.sql.utf8.count }
                    // Full of statements in use: this one is not followed (it runs unnamed).
                    if s.entries.count >= tracked || s.entryBytes + size > trackedBytes { return (.unnamed, false) }
                }
                s.entryBytes += size
            }
            s.entries[key] = entry
            guard entry.uses >= promotion, s.prepared[connection]?.count ?? 0 < Self.perConnection else { return (.unnamed, false) }
            let isNew = s.prepared[connection] == nil
            if isNew { s.prepared[connection] = [:] }
            return (.prepare(Self.typed(statement.sql, key.types)), isNew)
        }
    }

    /// `query` is `statement` prepared on `connection`.
    func store(_ query: PreparedQuery, for statement: SQLStatement, connection: Int) {
        let key = Key(sql: statement.sql, types: ParameterType.of(statement.bindings))
        state.withLock { s in
            // Not if the connection closed meanwhile (`forget` came first).
            if s.prepared[connection] != nil { s.prepared[connection]![key] = query }
        }
    }

    /// PostgreSQL refused to prepare it, or a connection lost it (a pooler in front of PostgreSQL that
    /// shares server sessions): it runs unnamed from now on.
    func refuse(_ statement: SQLStatement) {
        let key = Key(sql: statement.sql, types: ParameterType.of(statement.bindings))
        state.withLock { s in
            if s.entries[key] == nil { s.entryBytes += key.sql.utf8.count }
            s.entries[key, default: Entry()].refused = true
            for connection in s.prepared.keys { s.prepared[connection]![key] = nil }
        }
    }

    /// The connection closed, and its prepared statements with it.
    func forget(connection: Int) {
        _ = state.withLock { $0.prepared.removeValue(forKey: connection) }
    }

    /// How many statements are followed, and the bytes of their text, for tests.
    var trackedCount: Int { state.withLock { $0.entries.count } }
    var trackedTextBytes: Int { state.withLock { $0.entryBytes } }

    /// How many statements are prepared, over all connections.
    var preparedCount: Int { state.withLock { $0.prepared.values.reduce(0) { $0 + $1.count } } }

    /// Whether PostgreSQL can prepare it: the reads this store makes.
    private static func preparable(_ sql: String) -> Bool {
        sql.utf8.starts(with: "SELECT ".utf8) || sql.utf8.starts(with: "WITH ".utf8)
    }

    /// `sql` with each placeholder `$n` outside quotes cast to its parameter's type (a null's is left
    /// for PostgreSQL to infer from where it is used).
    static func typed(_ sql: String, _ types: [ParameterType]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(sql.utf8.count + types.count * 10)
        var quote: UInt8?
        var number: Int?
        func close() {
            if let n = number, n >= 1, n <= types.count, types[n - 1] != .unknown {
                out += "::".utf8
                out += types[n - 1].rawValue.utf8
            }
            number = nil
        }
        for byte in sql.utf8 {
            if let n = number {
                if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                    number = n * 10 + Int(byte - UInt8(ascii: "0"))
                    out.append(byte)
                    continue
                }
                close()
            }
            if let q = quote {
                if byte == q { quote = nil }
            } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                quote = byte
            } else if byte == UInt8(ascii: "$") {
                number = 0
            }
            out.append(byte)
        }
        close()
        return String(decoding: out, as: UTF8.self)
    }
}

/// A parameter's type: the one its binding is sent as (see `PostgresDatabase.query`), or `unknown` for
/// a null (PostgreSQL infers it from where it is used).
enum ParameterType: String, Hashable, Sendable {
    case text, bigint, doublePrecision = "double precision", boolean, bytea, unknown

    static func of(_ bindings: [SQLValue]) -> [ParameterType] {
        bindings.map { value in
            switch value {
            case .null: return .unknown
            case .integer: return .bigint
            case .real: return .doublePrecision
            case .text: return .text
            case .blob: return .bytea
            case .boolean: return .boolean
            }
        }
    }
}
