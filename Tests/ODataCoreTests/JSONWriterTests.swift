import ODataCore
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

    @Test func rawBytesAreSeparatedLikeAnyValue() {
        var w = JSONWriter()
        w.beginArray()
        w.int(1)
        Array(#"{"a":2},{"b":3}"#.utf8).withUnsafeBufferPointer { w.raw(utf8: $0) }
        w.null()
        w.endArray()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"[1,{"a":2},{"b":3},null]"#)
    }
}
