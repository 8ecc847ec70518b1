/// PostgreSQL 12 or later (generated `CREATE OR REPLACE TRIGGER` needs 14; Debian 12 ships 15).
public struct PostgresDialect: SQLDialect {
    public init() {}
    public var name: String { "postgresql" }

    public func placeholder(_ n: Int) -> String { "$\(n)" }

    public func typedPlaceholder(_ n: Int, kind: ColumnKind) -> String { "$\(n)::\(type(kind))" }

    /// Text in the "C" collation: ordered and compared by code point, as SQLite does, not by the locale
    /// the database was made with (`en_US.utf8`, an official image's default, sorts `a` before `B`,
    /// and makes `$orderby` and `gt` answer otherwise than on SQLite); and cheaper to compare.
    public var textType: String { #"TEXT COLLATE "C""# }

    public func columnType(_ kind: ColumnKind) -> String {
        switch kind {
        case .text, .enumName: return textType
        case .json, .integer, .timestamp, .flags, .real, .boolean, .blob: return type(kind)
        }
    }

    /// The type alone, as a value is cast to it.
    private func type(_ kind: ColumnKind) -> String {
        switch kind {
        case .text, .enumName, .json: return "TEXT"
        case .integer, .timestamp, .flags: return "BIGINT"
        case .real: return "DOUBLE PRECISION"
        case .boolean: return "BOOLEAN"
        case .blob: return "BYTEA"
        }
    }

    public func jsonValue(_ json: String, path: [String], kind: ColumnKind) -> String {
        let text = "((\(json))::jsonb #>> \(literal("{" + path.joined(separator: ",") + "}")))"
        return cast(text, kind)
    }

    public func jsonIsObject(_ json: String, path: [String]) -> String {
        "jsonb_typeof((\(json))::jsonb #> \(literal("{" + path.joined(separator: ",") + "}"))) = 'object'"
    }

    public func jsonElements(_ json: String, alias: String) -> String {
        "jsonb_array_elements((\(json))::jsonb) AS \(quote(alias))(\"value\")"
    }

    public func jsonArrayLength(_ json: String) -> String { "jsonb_array_length((\(json))::jsonb)" }

    public func jsonElementValue(alias: String, kind: ColumnKind) -> String {
        cast("(\(quote(alias)).\"value\" #>> '{}')", kind)
    }

    public func jsonElementDocument(alias: String) -> String { "\(quote(alias)).\"value\"" }

    private func cast(_ text: String, _ kind: ColumnKind) -> String {
        switch kind {
        case .integer, .timestamp, .flags: return "(\(text))::bigint"
        case .real: return "(\(text))::double precision"
        case .boolean: return "(\(text))::boolean"
        case .text, .enumName: return "(\(text) COLLATE \"C\")"  // compared as the columns are (`textType`)
        case .json, .blob: return text
        }
    }

    /// In "C" a column's `lower` changes ASCII letters only: mapped by the functions `functions` makes, then
    /// compared in "C".
    public func lower(_ text: String) -> String { #"(statusgraph_lower(\#(text)) COLLATE "C")"# }
    public func upper(_ text: String) -> String { #"(statusgraph_upper(\#(text)) COLLATE "C")"# }

    /// `statusgraph_lower` and `statusgraph_upper`: case mapped as .NET's invariant culture maps it (each
    /// character by Unicode's simple mappings), whatever locale the database was made with: "C" maps
    /// ASCII only, and `tr_TR` would make `I` an `ı`. PostgreSQL maps case in a collation, and which
    /// exist depends on the server: the first of PostgreSQL 17's built-in `pg_c_utf8` and the C
    /// library's `C.utf8` that the database's encoding can use; else the database's own where its
    /// `LC_CTYPE` is a locale, ICU's root where it is "C"; else the database's own. Chosen again at each
    /// start; SQL functions, which PostgreSQL inlines into the statements that call them.
    public var functions: [String] {
        let function = { (name: String, mapping: String) in
            "EXECUTE format('CREATE OR REPLACE FUNCTION \(name)(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L', "
                + "format('SELECT \(mapping)($1 COLLATE %I)', chosen)); "
        }
        return [
            "DO $statusgraph$ DECLARE chosen text; BEGIN "
                + "SELECT collname INTO chosen FROM pg_collation WHERE collname IN ('pg_c_utf8', 'C.utf8', 'C.UTF-8') "
                + "AND collencoding IN (-1, (SELECT encoding FROM pg_database WHERE datname = current_database())) "
                + "ORDER BY collname = 'pg_c_utf8' DESC, collname LIMIT 1; "
                + "IF chosen IS NULL THEN "
                + "SELECT CASE WHEN datctype NOT IN ('C', 'POSIX') THEN 'default' "
                + "WHEN EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'und-x-icu') THEN 'und-x-icu' ELSE 'default' END "
                + "INTO chosen FROM pg_database WHERE datname = current_database(); "
                + "END IF; "
                + function("statusgraph_lower", "lower") + function("statusgraph_upper", "upper")
                + "END $statusgraph$"
        ] + textFunctions
    }

    /// Text counted in UTF-16 code units, as .NET counts it (`SQLDialect.functions`); PostgreSQL's
    /// `length`, `strpos` and `substr` count characters. A character beyond U+FFFF takes 4 bytes in
    /// UTF-8, 3 more than it counts as characters: a text whose bytes outnumber its characters by less
    /// than 3 has none, and is counted by PostgreSQL's own functions (SQL functions, inlined into the
    /// statements that call them). `statusgraph_substring_units` walks the others character by character.
    /// `substr` takes `integer`s (and refuses a negative length): its bounds are clamped to them, a null
    /// one first answered (`GREATEST` passes over nulls: a null start was taken as 0).
    var textFunctions: [String] {
        let simple = "octet_length($1) - length($1) < 3"
        let clamped = { (n: String) in "CAST(LEAST(GREATEST(\(n), 0), 2147483646) AS integer)" }
        func sql(_ signature: String, _ returns: String, _ body: String) -> String {
            "CREATE OR REPLACE FUNCTION \(signature) RETURNS \(returns) LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $statusgraph$SELECT \(body)$statusgraph$"
        }
        return [
            sql(
                "statusgraph_length(text)", "integer",
                "CASE WHEN \(simple) THEN length($1) ELSE length($1) + length(regexp_replace($1, '[^\\U00010000-\\U0010FFFF]', '', 'g')) END"),
            sql(
                "statusgraph_indexof(text, text)", "integer",
                "CASE WHEN \(simple) THEN strpos($1, $2) - 1 WHEN strpos($1, $2) = 0 THEN -1 ELSE statusgraph_length(left($1, strpos($1, $2) - 1)) END"),
            "CREATE OR REPLACE FUNCTION statusgraph_substring_units(whole text, first bigint, count bigint) RETURNS text "
                + "LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $statusgraph$ DECLARE "
                + "stop bigint; at bigint := 0; width int; c text; taken text := ''; BEGIN "
                + "IF whole IS NULL OR first IS NULL THEN RETURN NULL; END IF; "
                + "first := GREATEST(first, 0); "
                + "stop := CASE WHEN count IS NULL THEN 9223372036854775807 ELSE first + LEAST(GREATEST(count, 0), 9223372036854775807 - first) END; "
                + "FOREACH c IN ARRAY string_to_array(whole, NULL) LOOP "
                + "EXIT WHEN at >= stop; "
                + "width := CASE WHEN ascii(c) > 65535 THEN 2 ELSE 1 END; "
                + "IF at >= first AND at + width <= stop THEN taken := taken || c; "
                + "ELSIF at + width > first AND first < stop THEN taken := taken || chr(65533); END IF; "
                + "at := at + width; "
                + "END LOOP; RETURN taken; END $statusgraph$",
            sql(
                "statusgraph_substring(text, bigint)", "text",
                "CASE WHEN $2 IS NULL THEN NULL WHEN \(simple) THEN substr($1, \(clamped("$2")) + 1) ELSE statusgraph_substring_units($1, $2, NULL) END"),
            sql(
                "statusgraph_substring(text, bigint, bigint)", "text",
                "CASE WHEN $2 IS NULL OR $3 IS NULL THEN NULL WHEN \(simple) THEN substr($1, \(clamped("$2")) + 1, \(clamped("$3"))) "
                    + "ELSE statusgraph_substring_units($1, $2, $3) END"),
        ]
    }

    public func contains(_ a: String, _ b: String) -> String { "strpos(\(a), \(b)) > 0" }
    /// PostgreSQL has no `%` for doubles: `mod` of numerics, exact, then a double again.
    public func realRemainder(_ a: String, _ b: String) -> String {
        "CAST(mod(CAST(\(a) AS numeric), CAST(NULLIF(\(b), 0) AS numeric)) AS double precision)"
    }
    public func trim(_ text: String, _ characters: String) -> String { "btrim(\(text), \(characters))" }
    /// PostgreSQL fails arithmetic out of range by itself (SQLSTATE 22003).
    public func checkedNumber(_ arithmetic: String, integer: Bool) -> String { arithmetic }
    public func nullSafeEqual(_ a: String, _ b: String) -> String { "(\(a) IS NOT DISTINCT FROM \(b))" }

    public func datePart(_ part: DatePart, seconds: String) -> String {
        "CAST(EXTRACT(\(part.rawValue.uppercased()) FROM to_timestamp(\(seconds)) AT TIME ZONE 'UTC') AS integer)"
    }

    public func date(seconds: String) -> String { "to_char(to_timestamp(\(seconds)) AT TIME ZONE 'UTC', 'YYYY-MM-DD')" }
    /// The whole seconds through `timestamp` (its epoch counts them as if in UTC), the fraction as digits:
    /// `timestamp` keeps microseconds, a tick is a tenth of one.
    public func ticks(fromText text: String) -> String {
        "(CAST(EXTRACT(EPOCH FROM CAST(substr(\(text), 1, 19) AS timestamp)) AS bigint) * 10000000 + \(Self.fractionTicks(text)))"
    }
    public var falseLiteral: String { "FALSE" }

    public var nowTicks: String { "(EXTRACT(EPOCH FROM clock_timestamp()) * 10000000)::bigint" }

    /// By server process: a connection runs one transaction at a time.
    public var countShard: String? { "(pg_backend_pid() % \(Self.countShards))" }
    public var joinsLaterally: Bool { true }

    /// How many shards a container's counts are spread over.
    static let countShards = 4

    public func trigger(name: String, table: String, event: TriggerEvent, body: [String]) -> [String] {
        [
            function(name, body),
            "CREATE OR REPLACE TRIGGER \(quote(name)) AFTER \(event.rawValue) ON \(quote(table)) FOR EACH ROW EXECUTE FUNCTION \(quote(name))()",
        ]
    }

    /// A transition table: a multi-row insert (concurrent creates sharing a statement, a `$batch`'s)
    /// or delete (an app's statuses going with it, a tenant's reset) runs the body once, not once per
    /// row. A cascading delete of an app of a million statuses took 14.7 s with a trigger per row, 1.3 s
    /// without its work.
    public func statementTrigger(name: String, table: String, event: RowsEvent, rows: String, body: [String]) -> [String]? {
        let transition: String
        switch event {
        case .insert: transition = "NEW"
        case .delete: transition = "OLD"
        }
        return [
            function(name, body),
            "CREATE OR REPLACE TRIGGER \(quote(name)) AFTER \(event.trigger.rawValue) ON \(quote(table)) REFERENCING \(transition) TABLE AS \(quote(rows)) "
                + "FOR EACH STATEMENT EXECUTE FUNCTION \(quote(name))()",
        ]
    }

    /// The PL/pgSQL function a trigger runs, named as the trigger (a migration drops both by that name).
    private func function(_ name: String, _ body: [String]) -> String {
        "CREATE OR REPLACE FUNCTION \(quote(name))() RETURNS trigger LANGUAGE plpgsql AS $statusgraph$ BEGIN "
            + body.map { $0 + "; " }.joined() + "RETURN NULL; END $statusgraph$"
    }
}
