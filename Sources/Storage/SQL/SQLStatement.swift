/// SQL text with its bound parameters. Values only ever travel as bindings; the text holds
/// identifiers quoted by the dialect and constants taken from the model.
public struct SQLStatement: Sendable, Equatable, CustomStringConvertible {
    public var sql: String
    public var bindings: [SQLValue]

    public init(_ sql: String = "", _ bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    public var description: String { "\(sql) -- \(bindings)" }
}

/// Builds a statement, numbering placeholders as the dialect wants them.
public struct SQLBuilder {
    public let dialect: any SQLDialect
    public private(set) var statement = SQLStatement()

    public init(_ dialect: any SQLDialect) {
        self.dialect = dialect
        // Room for a typical statement: growing the text and bindings step by step took ten allocations.
        statement.sql.reserveCapacity(512)
        statement.bindings.reserveCapacity(8)
    }

    /// Makes room for `bindings` bindings and `text` characters of SQL in all (a statement known to be
    /// long, such as a multi-row insert), instead of growing step by step.
    public mutating func reserve(bindings: Int, text: Int) {
        statement.bindings.reserveCapacity(bindings)
        statement.sql.reserveCapacity(text)
    }

    /// Appends SQL text (never a value).
    public mutating func append(_ sql: String) { statement.sql += sql }


    /// Appends a quoted identifier.
    public mutating func identifier(_ name: String) { dialect.appendQuoted(name, to: &statement.sql) }

    /// Appends a placeholder bound to `value`.
    public mutating func bind(_ value: SQLValue) {
        statement.bindings.append(value)
        statement.sql += dialect.placeholder(statement.bindings.count)
    }

    /// Appends a placeholder bound to `value`, read as `kind` where the context does not say.
    public mutating func bind(_ value: SQLValue, as kind: ColumnKind) {
        statement.bindings.append(value)
        statement.sql += dialect.typedPlaceholder(statement.bindings.count, kind: kind)
    }

    /// Appends `a, b, c` with `body` writing each element.
    public mutating func list<T>(_ items: some Sequence<T>, separator: String = ", ", _ body: (inout SQLBuilder, T) -> Void) {
        var first = true
        for item in items {
            if !first { statement.sql += separator }
            first = false
            body(&self, item)
        }
    }
}
