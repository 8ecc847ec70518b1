import ODataCore
import ODataModel

/// The file `statusgraph export` writes and `statusgraph import` reads: JSON Lines, one stored row per
/// line, backend-neutral, so a store moves between SQLite and PostgreSQL (or to another machine) whole.
///
///     {"statusgraph":"export","format":1,"secrets":{"paging":"<64 hex digits>"}}
///     {"path":"mobileApps","key":["<tenant>","<id>"],"type":"win32LobApp","values":{"displayName":"7-Zip",…}}
///     {"path":"mobileApps/deviceStatuses","key":["<tenant>","<app id>","<id>"],"type":"mobileAppInstallStatus","values":{…}}
///     {"counted":"mobileApps/deviceStatuses","tenant":"<tenant>","parent":"<app id>","updated":17964803314484884}
///     {"statusgraph":"end","rows":2,"counted":1}
///
/// `path` is the table's containment path (navigation names from the singleton, "" for the singleton);
/// `key` the tenant, the containing entities' ids and the row's id; `values` the stored columns by name,
/// null ones left out: text, enum names and JSON as strings, integers, flags and timestamps (100 ns
/// ticks since 1970) as numbers, doubles as numbers or `NaN`/`INF`/`-INF`, booleans, binary as base64.
/// Parents come before what they contain. Summary counts are not in it (a store keeps them from its
/// rows), but when each container's counted rows last changed is (a summary's `lastUpdateDateTime`):
/// `counted` lines, after the rows. The last line counts both kinds, so a cut-off file is noticed.
/// The first line carries the store's secrets (`EntityStore.secret(named:)`: the one that signs paging
/// links), so that links issued before a move are taken after it; a reader of the format without them
/// ignores the member.
enum DumpFormat {
    static let version = 1
    /// The secrets an export carries.
    static let secretNames = ["paging"]

    static func header(secrets: [(name: String, value: [UInt8])]) -> [UInt8] {
        var w = JSONWriter(capacity: 160)
        w.beginObject()
        w.key("statusgraph"); w.string("export")
        w.key("format"); w.int(Int64(version))
        w.key("secrets")
        w.beginObject()
        for (name, value) in secrets { w.key(name); w.string(UTF8Bytes.hex(value)) }
        w.endObject()
        w.endObject()
        return w.bytes
    }

    /// The secrets of a first line; none when it has no `secrets` member (a file of an earlier version).
    static func readSecrets(_ header: JSONObject) throws -> [(name: String, value: [UInt8])] {
        guard let member = header["secrets"] else { return [] }
        guard case .object(let secrets) = member else { throw TransferError("\"secrets\" is not an object") }
        return try secrets.members.map { name, value in
            guard secretNames.contains(name) else { throw TransferError("\"\(name)\" is not a secret this version keeps") }
            guard case .string(let text) = value, text.utf8.count == 64, let bytes = UTF8Bytes.bytes(hex: text) else {
                throw TransferError("the secret \"\(name)\" is not 64 hexadecimal digits")
            }
            return (name, bytes)
        }
    }

    static func footer(rows: Int, counted: Int) -> [UInt8] {
        var w = JSONWriter(capacity: 64)
        w.beginObject()
        w.key("statusgraph"); w.string("end")
        w.key("rows"); w.int(Int64(rows))
        w.key("counted"); w.int(Int64(counted))
        w.endObject()
        return w.bytes
    }

    static func write(_ counted: CountsUpdated, layout: StorageLayout, to w: inout JSONWriter) throws {
        guard let table = layout.table(named: counted.source) else {
            throw StorageError(.internalError, "summary counts are kept for \(counted.source), which is no table")
        }
        w.beginObject()
        w.key("counted"); w.string(path(table))
        w.key("tenant"); w.string(counted.tenant)
        w.key("parent"); w.string(counted.parent)
        w.key("updated"); w.int(counted.ticks)
        w.endObject()
    }

    /// A `counted` line's value, checked against the layout.
    static func readCounted(_ object: JSONObject, layout: StorageLayout) throws(TransferError) -> CountsUpdated {
        guard case .string(let path)? = object["counted"],
            let table = table(path, in: layout), !table.feeds.isEmpty
        else { throw TransferError("\"counted\" must name the path of a table whose rows are counted") }
        guard case .string(let tenant)? = object["tenant"], !tenant.isEmpty, case .string(let parent)? = object["parent"], !parent.isEmpty,
            case .number(let n)? = object["updated"], let ticks = Int64(n)
        else { throw TransferError("a \"counted\" line needs a \"tenant\", a \"parent\" and an \"updated\" time (ticks)") }
        return CountsUpdated(tenant: tenant, source: table.name, parent: parent, ticks: ticks)
    }

    /// The table's `path` as a line writes it.
    static func path(_ table: StorageTable) -> String { table.path.joined(separator: "/") }

    /// The table a line's `path` names.
    static func table(_ path: String, in layout: StorageLayout) -> StorageTable? {
        layout.table(path: path.isEmpty ? [] : path.split(separator: "/", omittingEmptySubsequences: false).map(String.init))
    }

    static func write(_ row: DumpedRow, of table: StorageTable, to w: inout JSONWriter) throws {
        w.beginObject()
        w.key("path"); w.string(path(table))
        w.key("key")
        w.beginArray()
        w.string(row.scope.tenant)
        for parent in row.scope.parents { w.string(parent) }
        w.string(row.entity.id)
        w.endArray()
        w.key("type"); w.string(row.entity.type)
        w.key("values")
        w.beginObject()
        for (column, value) in zip(table.columns, row.entity.values) where value != .null {
            w.key(column.name)
            try write(value, kind: column.kind, column: column.name, to: &w)
        }
        w.endObject()
        w.endObject()
    }

    static func write(_ value: SQLValue, kind: ColumnKind, column: String, to w: inout JSONWriter) throws {
        switch (kind, value) {
        case (.text, .text(let s)), (.enumName, .text(let s)), (.json, .text(let s)): w.string(s)
        case (.integer, .integer(let n)), (.timestamp, .integer(let n)), (.flags, .integer(let n)): w.int(n)
        case (.real, .real(let d)): w.double(d)
        case (.real, .integer(let n)): w.int(n)
        case (.boolean, .boolean(let b)): w.bool(b)
        case (.boolean, .integer(let n)): w.bool(n != 0)
        case (.blob, .blob(let bytes)): w.string(Base64.encode(bytes))
        default: throw StorageError(.internalError, "the column \(column) holds \(value), not a value of its kind \(kind)")
        }
    }

    /// A line's row, checked against the layout: its table, key, type, and each value's kind.
    static func read(_ line: JSONValue, layout: StorageLayout) throws(TransferError) -> (StorageTable, DumpedRow) {
        guard case .object(let object) = line, case .string(let path)? = object["path"] else {
            throw TransferError("a row needs a \"path\" (a table's containment path)")
        }
        guard let table = table(path, in: layout) else {
            throw TransferError("no table has the path \"\(path)\"")
        }
        guard case .array(let keyValues)? = object["key"], keyValues.count == table.depth + 2 else {
            throw TransferError("a row of \"\(path)\" needs a \"key\" of \(table.depth + 2) strings: the tenant, \(table.depth == 0 ? "" : "its containers' ids, ")its id")
        }
        let key = try keyValues.map { value throws(TransferError) -> String in
            guard case .string(let s) = value, !s.isEmpty, !s.utf8.contains(0) else { throw TransferError("a key holds something other than a non-empty string") }
            return s
        }
        guard case .string(let type)? = object["type"], table.family.contains(type) else {
            throw TransferError("a row of \"\(path)\" needs a \"type\" that table keeps (\(table.family.sorted().joined(separator: ", ")))")
        }
        var values = [SQLValue](repeating: .null, count: table.columns.count)
        if let given = object["values"] {
            guard case .object(let members) = given else { throw TransferError("\"values\" must be an object") }
            for (name, value) in members.members {
                guard let index = table.columnIndex(name) else { throw TransferError("\"\(path)\" has no column \"\(name)\"") }
                values[index] = try read(value, column: table.columns[index], service: layout.service)
            }
        }
        let scope = Scope(tenant: key[0], parents: Array(key[1..<(key.count - 1)]))
        return (table, DumpedRow(scope: scope, entity: StoredEntity(id: key[key.count - 1], type: type, values: values)))
    }

    /// A value of `column`, checked as a write would have made it: of the column's kind, an enum's member
    /// one version or another declares, a time within DateTimeOffset's range, JSON of the value's shape.
    static func read(_ value: JSONValue, column: StorageTable.Column, service: ServiceModel) throws(TransferError) -> SQLValue {
        let kind = column.kind
        switch (kind, value) {
        case (_, .null): return .null
        case (.text, .string(let s)):
            guard !s.utf8.contains(0) else { break }
            return .text(s)
        case (.enumName, .string(let s)):
            guard case .enumeration(let name) = column.type.element,
                service.versions.values.contains(where: { $0.enumTypes[name]?.member(named: s) != nil })
            else {
                throw TransferError("the column \"\(column.name)\" (enum) holds \(text(value)), not a member of \(column.type.element)")
            }
            return .text(s)
        case (.json, .string(let s)):
            // Written into answers as kept, and read by $filter: JSON of the value's shape, or an answer
            // would not be JSON and a filter on it would fail.
            let parsed = try? JSONParser.parse(Array(s.utf8))
            switch (parsed, column.type.isCollection) {
            case (.array?, true), (.object?, false): return .text(s)
            default:
                let shape = column.type.isCollection ? "a JSON array" : "a JSON object"
                throw TransferError("the column \"\(column.name)\" (json) holds text that is not \(shape): \(text(value))")
            }
        case (.timestamp, .number(let n)):
            guard let ticks = Int64(n) else { break }
            guard (DateTimeOffset.minValue.ticks...DateTimeOffset.maxValue.ticks).contains(ticks) else {
                throw TransferError("the column \"\(column.name)\" (timestamp) holds \(n), beyond the years 1 to 9999 in 100 ns ticks since 1970")
            }
            return .integer(ticks)
        case (.integer, .number(let n)), (.flags, .number(let n)):
            if let integer = Int64(n) { return .integer(integer) }
        case (.real, .number(let n)):
            if let d = Double(n) { return .real(d) }
        case (.real, .string("NaN")): return .real(.nan)
        case (.real, .string("INF")): return .real(.infinity)
        case (.real, .string("-INF")): return .real(-.infinity)
        case (.boolean, .bool(let b)): return .boolean(b)
        case (.blob, .string(let s)):
            if let bytes = Base64.decode(s) { return .blob(bytes) }
        default: break
        }
        throw TransferError("the column \"\(column.name)\" (\(kind)) cannot hold \(value.typeName) \(text(value))")
    }

    /// A value as JSON text, for messages (at most 100 bytes of it).
    static func text(_ value: JSONValue) -> String {
        var w = JSONWriter(capacity: 64)
        w.json(value)
        let bytes = w.bytes
        return String(decoding: bytes.prefix(100), as: UTF8.self) + (bytes.count > 100 ? "…" : "")
    }
}

/// Why an export or import stopped; an import's names the line.
public struct TransferError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
