/// SQLite 3.35 or later (RETURNING, upsert in triggers).
public struct SQLiteDialect: SQLDialect {
    public init() {}
    public var name: String { "sqlite" }

    public func placeholder(_ n: Int) -> String { "?" }

    /// SQLite orders nulls first ascending already, and takes no NULLS clause in an index.
    public func ascendingNullsFirst(_ quotedColumn: String) -> String { quotedColumn }

    /// SQLite compares text by its bytes (BINARY) unless told otherwise.
    public var textType: String { "TEXT" }

    /// `lower` and `upper` are replaced on every connection, and the functions that count text in UTF-16
    /// units added to it (`SQLiteSettings`, `SQLiteCaseMapping`, `CSQLiteSettings`).
    public var functions: [String] { [] }

    public func columnType(_ kind: ColumnKind) -> String {
        switch kind {
        case .text, .enumName, .json: return "TEXT"
        case .integer, .timestamp, .flags, .boolean: return "INTEGER"
        case .real: return "REAL"
        case .blob: return "BLOB"
        }
    }

    public func jsonValue(_ json: String, path: [String], kind: ColumnKind) -> String {
        "json_extract(\(json), \(literal(jsonPath(path))))"
    }

    public func jsonIsObject(_ json: String, path: [String]) -> String {
        "json_type(\(json), \(literal(jsonPath(path)))) = 'object'"
    }

    /// `$.a.b`; a label that is not a plain name (`@odata.type`) in double quotes, as SQLite's JSON paths take it.
    private func jsonPath(_ path: [String]) -> String {
        "$" + path.map { label in
            label.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
                ? "." + label : ".\"" + label + "\""
        }.joined()
    }

    public func jsonElements(_ json: String, alias: String) -> String { "json_each(\(json)) AS \(quote(alias))" }

    public func jsonArrayLength(_ json: String) -> String { "json_array_length(\(json))" }

    public func jsonElementValue(alias: String, kind: ColumnKind) -> String { "\(quote(alias)).\"value\"" }

    public func jsonElementDocument(alias: String) -> String { "\(quote(alias)).\"value\"" }

    /// The process's own `lower` and `upper`, over all of Unicode (`SQLiteCaseMapping` in StorageSQLite).
    public func lower(_ text: String) -> String { "lower(\(text))" }
    public func upper(_ text: String) -> String { "upper(\(text))" }
    public func contains(_ a: String, _ b: String) -> String { "instr(\(a), \(b)) > 0" }
    /// SQLite's `%` makes both sides integers first: the quotient is truncated instead (CAST rounds toward 0).
    public func realRemainder(_ a: String, _ b: String) -> String { "(\(a) - \(b) * CAST(\(a) / NULLIF(\(b), 0) AS INTEGER))" }
    public func trim(_ text: String, _ characters: String) -> String { "trim(\(text), \(characters))" }
    public func checkedNumber(_ arithmetic: String, integer: Bool) -> String {
        "statusgraph_checked_number(\(arithmetic), \(integer ? 1 : 0))"
    }
    public func nullSafeEqual(_ a: String, _ b: String) -> String { "(\(a) IS \(b))" }

    public func datePart(_ part: DatePart, seconds: String) -> String {
        let format: String
        switch part {
        case .year: format = "%Y"
        case .month: format = "%m"
        case .day: format = "%d"
        case .hour: format = "%H"
        case .minute: format = "%M"
        case .second: format = "%S"
        }
        return "CAST(strftime('\(format)', \(seconds), 'unixepoch') AS INTEGER)"
    }

    public func date(seconds: String) -> String { "date(\(seconds), 'unixepoch')" }
    public func ticks(fromText text: String) -> String {
        "(CAST(strftime('%s', substr(\(text), 1, 19)) AS INTEGER) * 10000000 + \(Self.fractionTicks(text)))"
    }
    public var falseLiteral: String { "0" }

    public var nowTicks: String { "CAST((julianday('now') - 2440587.5) * 864000000000 AS INTEGER)" }

    /// One shard: SQLite runs one write transaction at a time.
    public var countShard: String? { nil }
    public var joinsLaterally: Bool { false }

    public func trigger(name: String, table: String, event: TriggerEvent, body: [String]) -> [String] {
        ["CREATE TRIGGER \(quote(name)) AFTER \(event.rawValue) ON \(quote(table)) FOR EACH ROW BEGIN "
            + body.map { $0 + "; " }.joined() + "END"]
    }

    /// SQLite has row triggers only.
    public func statementTrigger(name: String, table: String, event: RowsEvent, rows: String, body: [String]) -> [String]? { nil }
}
