/// What differs between SQL databases: quoting, placeholders, column types, and the few
/// statements whose syntax is not shared (triggers, upserts, the current time).
public protocol SQLDialect: Sendable {
    var name: String { get }
    func quote(_ identifier: String) -> String
    /// Appends `identifier`, quoted, to `sql` (no temporary strings: statements are built per request).
    func appendQuoted(_ identifier: String, to sql: inout String)
    /// The placeholder of the `n`th binding (1-based).
    func placeholder(_ n: Int) -> String
    func columnType(_ kind: ColumnKind) -> String
    /// The type of a text column: the same order and comparisons on every database (byte order, as
    /// SQLite's BINARY), whatever locale a database was made with.
    var textType: String { get }
    /// An expression giving the current time in ticks (100 ns since 1970).
    var nowTicks: String { get }
    /// The value at `path` inside the JSON text `json`, as a SQL value of `kind`.
    func jsonValue(_ json: String, path: [String], kind: ColumnKind) -> String
    /// Whether the value at `path` (the document itself when empty) inside the JSON text `json` is an object.
    func jsonIsObject(_ json: String, path: [String]) -> String
    /// A table expression yielding one row per element of the JSON array `json`, named `alias`.
    func jsonElements(_ json: String, alias: String) -> String
    /// How many elements the JSON array `json` has (null for null).
    func jsonArrayLength(_ json: String) -> String
    /// The value of the current element of `alias`, as a SQL value of `kind`.
    func jsonElementValue(alias: String, kind: ColumnKind) -> String
    /// The current element of `alias` as a JSON document (for paths into it).
    func jsonElementDocument(alias: String) -> String
    /// A placeholder whose value must be read as `kind` where the context does not say (e.g. `INSERT … SELECT`).
    func typedPlaceholder(_ n: Int, kind: ColumnKind) -> String
    /// An index column ordered ascending with nulls first (as OData orders).
    func ascendingNullsFirst(_ quotedColumn: String) -> String
    /// Whether `a` contains `b` (text, case-sensitive).
    func contains(_ a: String, _ b: String) -> String
    /// The remainder of dividing `a` by `b` where either is a double (`mod` on doubles: the sign of `a`, as
    /// .NET's `%`); null where `b` is 0.
    func realRemainder(_ a: String, _ b: String) -> String
    /// The result of arithmetic (`integer` where the operands are integers), failing the statement where it
    /// went out of range, as PostgreSQL fails it by itself (SQLite would make it a real, or infinite).
    func checkedNumber(_ arithmetic: String, integer: Bool) -> String
    /// `text` without any of `characters` at either end.
    func trim(_ text: String, _ characters: String) -> String
    /// `tolower` and `toupper`: all of Unicode, compared afterwards as text columns are (`textType`).
    func lower(_ text: String) -> String
    func upper(_ text: String) -> String
    /// Statements that make the functions this dialect's SQL calls, run at every start before the tables
    /// are made (none where they are registered on each connection instead, as on SQLite). Every backend
    /// has the functions that count text in UTF-16 code units, as .NET counts it (`ExpressionTranslator`
    /// calls them by name): `statusgraph_length(text)`; `statusgraph_indexof(text, part)`, the 0-based
    /// position of `part`, or -1; `statusgraph_substring(text, start[, length])`, from the 0-based
    /// `start` to the end or `length` units on, a negative `start` or `length` counted as 0, and U+FFFD
    /// for the half taken of a character cut in two.
    var functions: [String] { get }
    /// A part of the UTC time `seconds` after 1970 (whole seconds), as an integer.
    func datePart(_ part: DatePart, seconds: String) -> String
    /// The UTC date of `seconds` after 1970 as `YYYY-MM-DD` text (an Edm.Date's canonical form).
    func date(seconds: String) -> String
    /// A DateTimeOffset kept as text inside JSON (`yyyy-MM-ddTHH:mm:ss[.fffffff]Z`, as the service writes
    /// it: UTC, the fraction's trailing zeros dropped) in ticks, as columns keep it: compared as text,
    /// `…:00.5Z` would sort before `…:00Z`.
    func ticks(fromText text: String) -> String
    /// `a = b`, true also when both are null.
    func nullSafeEqual(_ a: String, _ b: String) -> String
    /// The boolean false literal.
    var falseLiteral: String { get }

    /// Statements that run `body` (statements using `NEW.`/`OLD.` rows) after each `event` on `table`.
    func trigger(name: String, table: String, event: TriggerEvent, body: [String]) -> [String]
    /// Statements that run `body` once after each insert or delete statement (`event`) on `table`, with
    /// the rows it inserted or deleted readable as the table `rows`; nil where triggers run only per row
    /// (then `trigger`).
    func statementTrigger(name: String, table: String, event: RowsEvent, rows: String, body: [String]) -> [String]?
    /// The count shard a write's transaction updates (an expression), or nil where there is one. With
    /// one count row per container, concurrent writes into one container wait for each other through
    /// their commits; spread over shards by connection, they commit side by side, and a
    /// summary adds the shards up.
    var countShard: String? { get }
    /// Whether a subquery in `FROM` may read the columns of the tables before it (`CROSS JOIN LATERAL`):
    /// then the members of many containers, a page of each, are one statement; else one per container.
    var joinsLaterally: Bool { get }
}

/// A part of a date and time (`year()`, `month()`, … in `$filter`).
public enum DatePart: String, Sendable, CaseIterable {
    case year, month, day, hour, minute, second
}

public enum TriggerEvent: String, Sendable {
    case insert = "INSERT", update = "UPDATE", delete = "DELETE"
}

/// A statement that adds rows or removes them: its rows are one table (an update's would be two).
public enum RowsEvent: Sendable {
    case insert, delete

    public var trigger: TriggerEvent {
        switch self {
        case .insert: .insert
        case .delete: .delete
        }
    }
}

extension SQLDialect {
    /// Standard SQL quoting: `"name"`, a quote inside doubled.
    public func quote(_ identifier: String) -> String {
        var sql = ""
        appendQuoted(identifier, to: &sql)
        return sql
    }

    public func appendQuoted(_ identifier: String, to sql: inout String) {
        sql += "\""
        sql += identifier.utf8.contains(UInt8(ascii: "\"")) ? identifier.replacingOccurrences(of: "\"", with: "\"\"") : identifier
        sql += "\""
    }

    public func typedPlaceholder(_ n: Int, kind: ColumnKind) -> String { placeholder(n) }

    public func ascendingNullsFirst(_ quotedColumn: String) -> String { quotedColumn + " ASC NULLS FIRST" }

    /// Quotes a constant from the model (never user input) as a SQL string literal.
    public func literal(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The fraction of a DateTimeOffset kept as text (see `ticks(fromText:)`) in ticks: its digits after the
    /// point (position 21 on), the `Z` dropped, padded to seven. The same SQL on every backend.
    static func fractionTicks(_ text: String) -> String {
        "CAST(substr(rtrim(substr(\(text), 21), 'Z') || '0000000', 1, 7) AS BIGINT)"
    }
}
