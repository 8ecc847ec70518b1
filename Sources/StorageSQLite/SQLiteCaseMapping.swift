import CSQLiteSettings
import GRDBSQLite

/// `lower` and `upper` for every connection of the process (`tolower` and `toupper` in `$filter` and
/// `$orderby`), in place of SQLite's own, which change ASCII letters only: all of Unicode, as Graph
/// (.NET's invariant culture) maps case, each character to the one it maps to where that is a single
/// character (`Ü` → `ü`; `ß` stays `ß` in upper case, as .NET keeps it, where the full mapping is `SS`).
enum SQLiteCaseMapping {
    /// `text` in lower or upper case, character by character.
    static func map(_ text: String, upper: Bool) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let mapped = (upper ? scalar.properties.uppercaseMapping : scalar.properties.lowercaseMapping).unicodeScalars
            if mapped.count == 1, let single = mapped.first { out.append(single) } else { out.append(scalar) }
        }
        return String(out)
    }

    static let lower: statusgraph_sqlite_function = { context, _, values in apply(context, values, upper: false) }
    static let upper: statusgraph_sqlite_function = { context, _, values in apply(context, values, upper: true) }

    /// SQLite copies the result (`SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func apply(_ context: UnsafeMutableRawPointer?, _ values: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, upper: Bool) {
        let context = OpaquePointer(context)
        // A number is taken as its text, as SQLite's own functions take it; null stays null.
        guard let value = values?[0].map(OpaquePointer.init), sqlite3_value_type(value) != SQLITE_NULL,
            let text = sqlite3_value_text(value)
        else {
            sqlite3_result_null(context)
            return
        }
        let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_value_bytes(value)))
        var mapped = map(String(decoding: bytes, as: UTF8.self), upper: upper)
        mapped.withUTF8 { utf8 in
            if let start = utf8.baseAddress {
                start.withMemoryRebound(to: CChar.self, capacity: utf8.count) { sqlite3_result_text(context, $0, Int32(utf8.count), transient) }
            } else {
                sqlite3_result_text(context, "", 0, transient)
            }
        }
    }
}
