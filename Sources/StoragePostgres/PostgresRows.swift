import Foundation
import NIOCore
import PostgresNIO
import Storage

/// Rows as PostgreSQL sends them, read into values or viewed in place.
///
/// PostgresNIO asks for every result column in binary, unnamed and prepared statements alike; but the
/// rows of a statement prepared with `prepare(query:)` carry the description PostgreSQL gave when it
/// was prepared, which says text (formats are chosen at each execution). So cells are always read as
/// binary, whatever their description says.
extension PostgresDatabase {
    /// A row's values, which outlive it.
    static func values(_ row: PostgresRow) throws -> [SQLValue] {
        var out: [SQLValue] = []
        out.reserveCapacity(row.count)
        for cell in row { out.append(try value(cell)) }
        return out
    }

    /// Hands each row to `body` as cells that view its bytes, copied into one buffer kept for all the
    /// rows (a page of rows makes no value per cell; see `SQLRow`).
    static func walk(_ rows: [PostgresRow], _ body: (SQLRow) throws -> Void) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1024)
        var cells: [Cell] = []
        var views: [SQLCell] = []
        for row in rows {
            bytes.removeAll(keepingCapacity: true)
            cells.removeAll(keepingCapacity: true)
            for cell in row {
                guard var buffer = cell.bytes else {
                    cells.append(.null)
                    continue
                }
                if let n = integer(&buffer, cell.dataType) {
                    cells.append(.integer(n))
                } else if cell.dataType == .bytea || isText(cell.dataType) {
                    let start = bytes.count
                    buffer.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
                    cells.append(cell.dataType == .bytea ? .blob(start..<bytes.count) : .text(start..<bytes.count))
                } else {
                    switch try value(cell) {
                    case .null: cells.append(.null)
                    case .integer(let n): cells.append(.integer(n))
                    case .real(let d): cells.append(.real(d))
                    case .boolean(let b): cells.append(.boolean(b))
                    case .text(let s):
                        let start = bytes.count
                        bytes.append(contentsOf: s.utf8)
                        cells.append(.text(start..<bytes.count))
                    case .blob(let b):
                        let start = bytes.count
                        bytes.append(contentsOf: b)
                        cells.append(.blob(start..<bytes.count))
                    }
                }
            }
            try bytes.withUnsafeBufferPointer { base in
                views.removeAll(keepingCapacity: true)
                for cell in cells {
                    switch cell {
                    case .null: views.append(.null)
                    case .integer(let n): views.append(.integer(n))
                    case .real(let d): views.append(.real(d))
                    case .boolean(let b): views.append(.boolean(b))
                    case .text(let span): views.append(.text(UnsafeBufferPointer(rebasing: base[span])))
                    case .blob(let span): views.append(.blob(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(base)[span])))
                    }
                }
                try views.withUnsafeBufferPointer { try body(SQLRow(cells: $0)) }
            }
        }
    }

    /// A cell of a row being walked: a value, or where its bytes are in the row's buffer.
    private enum Cell {
        case null
        case integer(Int64)
        case real(Double)
        case boolean(Bool)
        case text(Range<Int>)
        case blob(Range<Int>)
    }

    private static func value(_ cell: PostgresCell) throws -> SQLValue {
        var cell = cell
        cell.format = .binary
        guard var buffer = cell.bytes else { return .null }
        if let n = integer(&buffer, cell.dataType) { return .integer(n) }
        switch cell.dataType {
        case .float8, .float4: return .real(try cell.decode(Double.self))
        case .numeric: return .real(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)  // not decodable as Double
        case .bool: return .boolean(try cell.decode(Bool.self))
        case .bytea: return .blob(Array(buffer: buffer))
        default: return .text(try cell.decode(String.self))
        }
    }

    /// An integer column's binary value (big-endian, of its type's width), or nil for another type.
    private static func integer(_ buffer: inout ByteBuffer, _ type: PostgresDataType) -> Int64? {
        switch (type, buffer.readableBytes) {
        case (.int8, 8): return buffer.readInteger(as: Int64.self)
        case (.int4, 4): return buffer.readInteger(as: Int32.self).map(Int64.init)
        case (.int2, 2): return buffer.readInteger(as: Int16.self).map(Int64.init)
        default: return nil
        }
    }

    /// Types whose binary form is their UTF-8 text.
    private static func isText(_ type: PostgresDataType) -> Bool {
        type == .text || type == .varchar || type == .bpchar || type == .name
    }
}
