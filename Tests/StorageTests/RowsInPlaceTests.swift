import Foundation
import GraphModel
import Storage
import StatusGraphTestSupport
import Testing

/// Rows handed out in place (`SQLRow`, `EntityRow`) are the rows read as values, on every backend: the
/// page writer reads the first, everything else the second.
@Suite struct RowsInPlaceTests {
    static let values: [[SQLValue]] = [
        [],
        [.null],
        [.text(""), .text("a"), .text(#"Wé "quoted" \ 🎉"#), .text(String(repeating: "long ", count: 40))],
        [.integer(0), .integer(-1), .integer(Int64.max), .integer(Int64.min)],
        [.real(0.5), .real(-1e300), .boolean(true), .boolean(false)],
        [.blob([]), .blob([0, 1, 0xFF]), .null, .text("x")],
    ]

    @Test(arguments: values)
    func cellsGiveBackTheirValues(_ values: [SQLValue]) {
        let back = SQLRow.withRow(values) { row in (row.count, row.values) }
        #expect(back.0 == values.count)
        #expect(back.1 == values)
    }

    @Test func textCellsAreTheUTF8InPlace() {
        SQLRow.withRow([.text("Wé"), .integer(7)]) { row in
            guard case .text(let utf8) = row[0] else { Issue.record("not text: \(row[0])"); return }
            #expect(Array(utf8) == Array("Wé".utf8))
            guard case .integer(7) = row[1] else { Issue.record("not 7: \(row[1])"); return }
        }
    }

    @Test func entityRowsNeedAnIdAndAType() {
        let error = SQLRow.withRow([.integer(1), .text("t")]) { row in
            (try? EntityRow(row: row, columnCount: 0, keyCount: 0)) == nil
        }
        #expect(error)
        let short = SQLRow.withRow([.text("id"), .text("t"), .null]) { row in
            (try? EntityRow(row: row, columnCount: 1, keyCount: 1)) == nil
        }
        #expect(short)
    }

    @Test func anEntityRowMaterializesWithItsSortKeys() throws {
        let entity = try SQLRow.withRow([.text("id-1"), .text("webApp"), .text("Web"), .null, .text("Web")]) { row in
            try EntityRow(row: row, columnCount: 2, keyCount: 1).entity
        }
        var expected = StoredEntity(id: "id-1", type: "webApp", values: [.text("Web"), .null])
        expected.sortKeys = [.text("Web"), .text("id-1")]
        #expect(entity == expected)
    }
}
