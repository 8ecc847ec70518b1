import ODataCore

/// A store written whole as `DumpFormat` lines: table after table, parents first, each in key order a
/// page at a time (memory stays flat whatever the store holds), then when each container's counted
/// rows last changed; all of it from one snapshot (`EntityStore.withSnapshot`), so a store that is
/// served meanwhile is copied as it was when the export began.
public enum StoreExport {
    /// Rows read per statement.
    public static let pageSize = 1000

    /// Writes every row of `store` through `write` (a page of lines at a time, each ending in a newline;
    /// an answer's body waits there for its reader);
    /// `progress` hears each table's path and row count when it is done. Returns the rows written.
    @discardableResult
    public static func run(
        _ store: any EntityStore, write: ([UInt8]) async throws -> Void, progress: (String, Int) -> Void = { _, _ in }
    ) async throws -> Int {
        let layout = store.layout
        var secrets: [(name: String, value: [UInt8])] = []
        for name in DumpFormat.secretNames { secrets.append((name, try await store.secret(named: name))) }
        let header = DumpFormat.header(secrets: secrets)
        return try await store.withSnapshot { snapshot in
            try await run(snapshot, layout: layout, header: header, write: write, progress: progress)
        }
    }

    private static func run(
        _ store: any StoreSnapshot, layout: StorageLayout, header: [UInt8], write: ([UInt8]) async throws -> Void,
        progress: (String, Int) -> Void
    ) async throws -> Int {
        try await write(header + [0x0A])
        var total = 0
        for table in layout.tablesParentsFirst {
            var cursor: DumpedRow?
            var rows = 0
            while true {
                let page = try await store.dump(table, after: cursor, limit: pageSize)
                try await write(lines(page) { row, w in try DumpFormat.write(row, of: table, to: &w) })
                rows += page.count
                guard page.count == pageSize, let last = page.last else { break }
                cursor = last
            }
            total += rows
            progress(DumpFormat.path(table), rows)
        }
        var counted = 0
        var cursor: CountsUpdated?
        while true {
            let page = try await store.dumpCountsUpdated(after: cursor, limit: pageSize)
            try await write(lines(page) { value, w in try DumpFormat.write(value, layout: layout, to: &w) })
            counted += page.count
            guard page.count == pageSize, let last = page.last else { break }
            cursor = last
        }
        try await write(DumpFormat.footer(rows: total, counted: counted) + [0x0A])
        return total
    }

    /// The rows an export's last line counts, or nil when `line` is not an export's last line (an export
    /// read through a server and cut short ends with another).
    public static func rowsCounted(lastLine line: [UInt8]) -> Int? {
        guard case .object(let o)? = try? JSONParser.parse(line), o["statusgraph"] == .string("end"),
            case .number(let rows)? = o["rows"]
        else { return nil }
        return Int(rows)
    }

    /// `items` as lines, each written by `line` and ended by a newline.
    private static func lines<T>(_ items: [T], _ line: (T, inout JSONWriter) throws -> Void) rethrows -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(items.count * 512)
        for item in items {
            var w = JSONWriter(capacity: 512)
            try line(item, &w)
            w.withBytes { bytes.append(contentsOf: $0) }
            bytes.append(0x0A)
        }
        return bytes
    }
}
