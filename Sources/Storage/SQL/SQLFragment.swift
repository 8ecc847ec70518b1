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
        var out = a
        out.append(b)
        return out
    }

    public static func + (a: SQLFragment, b: String) -> SQLFragment { SQLFragment(a.sql + b, a.bindings) }
    public static func + (a: String, b: SQLFragment) -> SQLFragment { SQLFragment(a + b.sql, b.bindings) }

    /// Appends SQL text in place (no temporary fragment).
    public mutating func append(_ text: String) { sql += text }

    /// Appends a fragment's text and bindings in place.
    public mutating func append(_ fragment: SQLFragment) {
        sql += fragment.sql
        bindings += fragment.bindings
    }

    /// Appends a placeholder bound to `value`.
    public mutating func bind(_ value: SQLValue) {
        sql += "?"
        bindings.append(value)
    }

    /// `a, b, c` (or another separator).
    public static func join(_ parts: [SQLFragment], _ separator: String) -> SQLFragment {
        var out = SQLFragment("")
        for (i, p) in parts.enumerated() {
            if i > 0 { out.append(separator) }
            out.append(p)
        }
        return out
    }

    public var description: String { "\(sql) -- \(bindings)" }
}

extension SQLBuilder {
    /// Appends a fragment, numbering its placeholders (a `?` outside quoted text).
    public mutating func append(_ fragment: SQLFragment) {
        guard !fragment.bindings.isEmpty else {
            append(fragment.sql)
            return
        }
        var values = fragment.bindings.makeIterator()
        var inQuote = false
        let utf8 = fragment.sql.utf8
        var start = utf8.startIndex
        var i = start
        while i < utf8.endIndex {
            let c = utf8[i]
            if c == UInt8(ascii: "'") {
                inQuote.toggle()
            } else if c == UInt8(ascii: "?"), !inQuote, let v = values.next() {
                append(String(fragment.sql[start..<i]))
                bind(v)
                start = utf8.index(after: i)
            }
            i = utf8.index(after: i)
        }
        append(String(fragment.sql[start...]))
    }
}
