/// A piece of SQL with the values bound to its placeholders, in order. Placeholders are written as
/// `?` and numbered for the dialect only when the statement is finished, so fragments compose
/// (and repeat) freely.
public struct SQLFragment: Sendable, Equatable, CustomStringConvertible {
    public var sql: String
    public var bindings: [SQLValue]

    public init(_ sql: String, _ bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    /// A single placeholder bound to `value`.
    public static func bind(_ value: SQLValue) -> SQLFragment { SQLFragment("?", [value]) }

    public static func + (a: SQLFragment, b: SQLFragment) -> SQLFragment {
        SQLFragment(a.sql + b.sql, a.bindings + b.bindings)
    }

    public static func + (a: SQLFragment, b: String) -> SQLFragment { SQLFragment(a.sql + b, a.bindings) }
    public static func + (a: String, b: SQLFragment) -> SQLFragment { SQLFragment(a + b.sql, b.bindings) }

    /// `a, b, c` (or another separator).
    public static func join(_ parts: [SQLFragment], _ separator: String) -> SQLFragment {
        var out = SQLFragment("")
        for (i, p) in parts.enumerated() {
            if i > 0 { out.sql += separator }
            out = out + p
        }
        return out
    }

    public var description: String { "\(sql) -- \(bindings)" }
}

extension SQLBuilder {
    /// Appends a fragment, numbering its placeholders.
    public mutating func append(_ fragment: SQLFragment) {
        var values = fragment.bindings.makeIterator()
        var inQuote = false
        for c in fragment.sql {
            if c == "'" { inQuote.toggle() }
            if c == "?", !inQuote, let v = values.next() {
                bind(v)
            } else {
                append(c)
            }
        }
    }
}
