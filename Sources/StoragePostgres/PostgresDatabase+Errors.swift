import PostgresNIO
import Storage

/// PostgreSQL's and PostgresNIO's errors sorted: what may run again, and what each becomes as a `StorageError`.
extension PostgresDatabase {
    /// How many times a write is tried when PostgreSQL aborts it for a conflict with a concurrent one.
    static let writeAttempts = 3

    /// A deadlock or a serialization failure: the statement was rolled back and can run again.
    static func isTransient(_ error: any Error) -> Bool {
        ["40P01", "40001"].contains(sqlState(error))
    }

    /// An error of PostgresNIO's or of its connection. Statements prepared on a connection go through its
    /// older API, which reports PostgreSQL's errors as `PostgresError` and a broken connection as the
    /// channel's own error rather than `PSQLError`.
    static func isDatabaseError(_ error: any Error) -> Bool {
        error is PSQLError || error is PostgresError || error is IOError || error is ChannelError
    }

    /// The SQLSTATE PostgreSQL sent with the error, if it sent one.
    static func sqlState(_ error: any Error) -> String? {
        switch error {
        case let error as PSQLError: return error.serverInfo?[.sqlState]
        case PostgresError.server(let message) as PostgresError: return message.fields[.sqlState]
        default: return nil
        }
    }

    /// The message PostgreSQL sent with the error, if it sent one.
    static func serverMessage(_ error: any Error) -> String? {
        switch error {
        case let error as PSQLError: return error.serverInfo?[.message]
        case PostgresError.server(let message) as PostgresError: return message.fields[.message]
        default: return nil
        }
    }

    /// The connection was lost, or PostgreSQL is shutting it down (an administrator, a restart): the
    /// statement may run again on another connection if it is a read.
    static func isConnectionLoss(_ error: any Error) -> Bool {
        if let state = sqlState(error) { return state.hasPrefix("08") || state.hasPrefix("57P") }
        switch error {
        case let error as PSQLError:
            return [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown].contains(error.code)
        case PostgresError.connectionClosed as PostgresError: return true
        case is IOError, is ChannelError: return true
        default: return false
        }
    }

    func translate(_ error: any Error, context: String, isRead: Bool = false) -> StorageError {
        // A write cancelled (waiting on a lock past the statement_timeout) was not made: 503, retry it.
        if isRead, Self.sqlState(error) == "57014" { return cancelled(error) }
        if Self.isTransient(error) {
            return StorageError(
                .contended, "PostgreSQL at \(context) aborted a write \(Self.writeAttempts) times for concurrent ones", underlying: error)
        }
        switch Self.sqlState(error) {
        case "23505"?: return StorageError(.conflict, "an entity with this key exists already", underlying: error)
        case "23503"?: return StorageError(.parentNotFound, "the containing entity does not exist", underlying: error)
        case let state? where state.hasPrefix("22"):  // a data exception: out of range, a value it cannot convert
            // Said to the client in words of our own: PostgreSQL's message may quote a stored value.
            let what = ["22003": "a number out of range", "22012": "a division by zero"][state] ?? "a value it cannot convert"
            return StorageError(.unevaluable, "\(what) (SQLSTATE \(state))", underlying: error)
        case let state? where state.hasPrefix("08") || state.hasPrefix("57") || state == "53300":
            return StorageError(.unavailable, "PostgreSQL at \(context) is unavailable (\(state))", underlying: error)
        case nil:
            let reason = (error as? PSQLError).map { "\($0.code)" } ?? "\(error)"
            return StorageError(.unavailable, "cannot reach PostgreSQL at \(context): \(reason)", underlying: error)
        case let state?:
            return StorageError(.internalError, "PostgreSQL failed (\(state))", underlying: error)
        }
    }

    /// A read PostgreSQL cancelled (SQLSTATE 57014): after its `statement_timeout`, or by an administrator.
    func cancelled(_ error: any Error) -> StorageError {
        let milliseconds = statementTimeoutMilliseconds.load(ordering: .relaxed)
        let reason =
            milliseconds > 0
            ? "it ran longer than \(Duration.milliseconds(milliseconds).inWords), PostgreSQL's statement_timeout here"
            : "PostgreSQL cancelled it"
        return StorageError(.timedOut, reason, underlying: error)
    }
}
