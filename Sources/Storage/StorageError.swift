/// What can go wrong in a store, whatever the backend; backends translate their native errors into it.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// The containing entity does not exist (in this tenant).
        case parentNotFound
        /// A row with this key exists already.
        case conflict
        /// The database cannot be reached or is shutting down; worth retrying later.
        case unavailable
        /// The database aborted the write, each time it was tried, for conflicts with concurrent ones
        /// (PostgreSQL's deadlocks and serialization failures); nothing of it remains, and it is worth
        /// retrying. The database itself is fine.
        case contended
        /// The query cannot be evaluated over the stored values: an expression of the client's `$filter` or
        /// `$orderby` goes out of the database's range (a product beyond 64 bits). Its message
        /// is told to the client: a backend writes it in words of its own, without stored values.
        case unevaluable
        /// A read ran past the store's time limit for one and was stopped; nothing was changed. Its
        /// message (what the limit is) is told to the client.
        case timedOut
        /// Anything else: a bug or a broken database.
        case internalError
    }

    public let code: Code
    public let message: String
    public let underlying: (any Error)?

    public init(_ code: Code, _ message: String, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
    }

    public var description: String {
        "StorageError(\(code)): \(message)" + (underlying.map { " (\($0))" } ?? "")
    }
}
