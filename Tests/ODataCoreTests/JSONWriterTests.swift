import ODataCore
import ODataModel
import Testing

/// Strings written from UTF-8 read in place come out as the same strings written from `String` would.
@Suite struct JSONWriterTests {
    static let cases: [(bytes: [UInt8], json: String)] = [
        ([], #""""#),
        (Array("plain".utf8), #""plain""#),
        (Array("a \"quote\" and \\ and\nnewline\ttab".utf8), #""a \"quote\" and \\ and\nnewline\ttab""#),
        ([0x01, 0x1F], #""\u0001\u001f""#),
        (Array("Wé 🎉".utf8), "\"Wé 🎉\""),
        // Not UTF-8: repaired to U+FFFD, never written through as invalid JSON text.
        ([0x61, 0xFF, 0x62], "\"a\u{FFFD}b\""),
        ([0xC3], "\"\u{FFFD}\""),
    ]

    @Test(arguments: cases)
    func stringFromUTF8(_ c: (bytes: [UInt8], json: String)) {
        var w = JSONWriter()
        w.beginArray()
        c.bytes.withUnsafeBufferPointer { w.string(utf8: $0) }
        c.bytes.withUnsafeBufferPointer { w.string(utf8: $0) }
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[\(c.json),\(c.json)]")
        if let s = String(validating: c.bytes, as: UTF8.self) {
            var v = JSONWriter()
            v.string(s)
            #expect(String(decoding: v.bytes, as: UTF8.self) == c.json)
        }
    }

    /// Rewound to a mark, the writer goes on as it would have from there (separators included).
    @Test func rewindForgetsWhatCameAfterTheMark() {
        var w = JSONWriter()
        w.beginArray()
        w.int(1)
        let mark = w.mark
        w.int(2)
        w.string("three")
        w.rewind(to: mark)
        w.int(4)
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[1,4]")
        var empty = JSONWriter()
        empty.beginArray()
        let start = empty.mark
        empty.int(9)
        empty.rewind(to: start)
        empty.int(5)
        empty.endArray()
        #expect(String(decoding: empty.bytes, as: UTF8.self) == "[5]")
    }

    @Test func rawBytesAreSeparatedLikeAnyValue() {
        var w = JSONWriter()
        w.beginArray()
        w.int(1)
        Array(#"{"a":2},{"b":3}"#.utf8).withUnsafeBufferPointer { w.raw(utf8: $0) }
        w.null()
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"[1,{"a":2},{"b":3},null]"#)
    }

    /// Strings are scanned eight bytes at a time: a byte to escape (or a non-ASCII byte) in every lane
    /// of a word, after a lane that borrows, and in the bytes after the last whole word, is found and
    /// written as the byte-by-byte reference writes it.
    @Test func everyLaneOfAWordIsEscaped() {
        let specials: [[UInt8]] = [[0x22], [0x5C], [0x0A], [0x00], [0x1F], Array("é".utf8), Array("🎉".utf8)]
        for special in specials {
            for length in 0..<20 {
                for at in 0...length {
                    var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    bytes.insert(contentsOf: special, at: at)
                    // A lane just under a space, and a lane just over the quote: the neighbours a borrow reaches.
                    if at > 0 { bytes[at - 1] = 0x21 }
                    var w = JSONWriter(capacity: 0)
                    bytes.withUnsafeBufferPointer { w.string(utf8: $0) }
                    #expect(String(decoding: w.bytes, as: UTF8.self) == Self.reference(bytes), "\(bytes)")
                }
            }
        }
    }

    /// What a JSON string of valid UTF-8 `bytes` is, byte by byte.
    static func reference(_ bytes: [UInt8]) -> String {
        var out = "\""
        for scalar in String(decoding: bytes, as: UTF8.self).unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out += "\\u00" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 15, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A writer is a value: a copy keeps what was written when it was made, whichever of the two writes on.
    @Test func aCopyKeepsItsOwnBytes() {
        var a = JSONWriter(capacity: 0)
        a.beginArray()
        a.int(1)
        var b = a
        b.int(2)
        a.string("x")
        a.endArray()
        b.endArray()
        #expect(String(decoding: a.bytes, as: UTF8.self) == #"[1,"x"]"#)
        #expect(String(decoding: b.bytes, as: UTF8.self) == "[1,2]")
    }

    @Test(arguments: [
        (Int64(0), "0"), (7, "7"), (-7, "-7"), (1_000_000, "1000000"), (Int64.max, "9223372036854775807"),
        (Int64.min, "-9223372036854775808"),
    ])
    func integers(_ value: Int64, _ json: String) {
        var w = JSONWriter(capacity: 0)
        w.int(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == json)
    }

    @Test(arguments: [(0.0, "0"), (-0.0, "-0"), (-3.0, "-3"), (1.5, "1.5"), (-2.5e20, "-2.5e+20")])
    func doubles(_ value: Double, _ json: String) {
        var w = JSONWriter(capacity: 0)
        w.beginArray()
        w.double(value)
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == "[\(json)]")
    }

    /// Instants outside four-digit years are written with all their digits (and a sign), as before.
    @Test(arguments: [
        (DateTimeOffset(ticks: 0), "1970-01-01T00:00:00Z"),
        (DateTimeOffset(ticks: Int64.max), "31197-09-14T02:48:05.4775807Z"),
        (DateTimeOffset(ticks: -62_135_596_800 * 10_000_000 - 1), "0000-12-31T23:59:59.9999999Z"),
        (DateTimeOffset(ticks: Int64.min), "-27258-04-19T21:11:54.5224192Z"),
    ])
    func timestamps(_ value: DateTimeOffset, _ text: String) {
        var w = JSONWriter(capacity: 0)
        w.dateTimeOffset(value)
        #expect(String(decoding: w.bytes, as: UTF8.self) == "\"\(text)\"")
        #expect(value.description == text)
    }

    /// Flags named as .NET (and so Graph) names them: the member worth exactly the value if there is one,
    /// else the members that make it up, largest first, in ascending order; bits the enum lacks left out.
    @Test(arguments: [
        (Int64(5), "greaterThanOrEqual"), (1, "equal"), (3, "equal,notEqual"), (13, "greaterThan,lessThanOrEqual"),
        (0, "notConfigured"), (64, "notConfigured"), (65, "equal"),
    ])
    func flagNames(_ mask: Int64, _ names: String) {
        let detection = EnumType(
            name: "win32LobAppDetectionOperator", isFlags: true,
            members: [("notConfigured", 0), ("equal", 1), ("notEqual", 2), ("greaterThan", 4), ("greaterThanOrEqual", 5),
                ("lessThan", 8), ("lessThanOrEqual", 9)].map { EnumType.Member(name: $0.0, value: $0.1) })
        #expect(JSONWriter.flagNames(mask, detection) == names)
    }
}
