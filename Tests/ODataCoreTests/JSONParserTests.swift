import ODataCore
import Testing

@Suite struct JSONParserTests {
    @Test(arguments: [
        (#"{}"#, JSONValue.object(JSONObject())),
        (#" [ ] "#, .array([])),
        (#"{"a":1,"b":[true,false,null],"c":"x"}"#,
         .object(JSONObject([("a", .number("1")), ("b", .array([.bool(true), .bool(false), .null])), ("c", .string("x"))]))),
        (#"-0.5e+10"#, .number("-0.5e+10")),
        (#""\u00e9\n\"\\\/""#, .string("é\n\"\\/")),
        (#""\ud83d\ude00""#, .string("😀")),
        (#""héllo""#, .string("héllo")),
        ("\u{FEFF}{\"a\":1}", .object(JSONObject([("a", .number("1"))]))),  // a UTF-8 byte order mark first
    ])
    func parses(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: [
        (#"{"a":1,}"#, "expected a property name"),
        (#"[1,]"#, "unexpected character"),
        (#"{"a" 1}"#, "expected ':'"),
        (#"01"#, "unexpected data after"),
        (#"1."#, "invalid number"),
        (#"tru"#, "unexpected end of data"),
        (#""abc"#, "unterminated string"),
        ("\"a\u{01}\"", "control character"),
        (#""\x""#, "invalid escape"),
        (#""\ud83d""#, "unpaired surrogate"),
        (#"{"a":1,"a":2}"#, "duplicate property 'a'"),
        ("", "unexpected end of data"),
        ("\u{FEFF}", "unexpected end of data"),
        ("{\"a\":1}\u{FEFF}", "unexpected data after"),  // a byte order mark only first
        ("\u{FEFF}\u{FEFF}1", "unexpected byte 0xEF"),
        ("é", "unexpected byte 0xC3"),
        (#"[[[[[[[[[[1]]]]]]]]]]"#, "nesting deeper than 8"),
    ])
    func rejects(_ text: String, _ phrase: String) {
        do {
            _ = try JSONParser.parse(Array(text.utf8), maxDepth: 8)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(phrase), "\(error.message)")
        }
    }

    /// Small objects are checked for duplicate keys by a scan, larger ones by a set: both must find them,
    /// wherever the repeated key falls.
    @Test(arguments: [1, JSONParser.scannedKeys - 1, JSONParser.scannedKeys, JSONParser.scannedKeys + 1, 40])
    func findsDuplicateKeysInObjectsOfEverySize(_ size: Int) throws {
        let members = (0..<size).map { "\"k\($0)\":\($0)" }
        let unique = try JSONParser.parse(Array("{\(members.joined(separator: ","))}".utf8))
        guard case .object(let o) = unique else { Issue.record("not an object"); return }
        #expect(o.members.map(\.key) == (0..<size).map { "k\($0)" })
        for repeated in Set([0, size / 2, size - 1]) {
            let text = "{\(members.joined(separator: ",")),\"k\(repeated)\":true}"
            do {
                _ = try JSONParser.parse(Array(text.utf8))
                Issue.record("accepted a repeated k\(repeated) among \(size)")
            } catch {
                #expect(error.message == "duplicate property 'k\(repeated)'" && error.offset == text.utf8.count - 6, "\(error)")
            }
        }
    }

    /// UTF-8 is validated exactly: overlong forms, surrogates, stray continuation bytes and truncated
    /// sequences are refused, in strings with and without escapes.
    @Test(arguments: [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x80], [0xE2, 0x82], [0x5C, 0x6E, 0xFF], [0xF4, 0x90, 0x80, 0x80]] as [[UInt8]])
    func rejectsInvalidUTF8(_ inner: [UInt8]) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22] + inner + [0x22]) }
    }

    @Test func keepsValidUTF8() throws {
        let text = "\"é€😀\\n\""
        #expect(try JSONParser.parse(Array(text.utf8)) == .string("é€😀\n"))
    }

    @Test func writerEscapesAndFormats() {
        var w = JSONWriter()
        w.beginObject()
        w.key("s"); w.string("a\"b\\c\n\u{01}é")
        w.key("i"); w.int(-1234567890123)
        w.key("d"); w.double(1.5)
        w.key("w"); w.double(3)
        w.key("n"); w.double(.nan)
        w.key("a"); w.beginArray(); w.null(); w.bool(true); w.endArray()
        w.endObject()
        #expect(String(decoding: w.bytes, as: UTF8.self) == #"{"s":"a\"b\\c\n\u0001é","i":-1234567890123,"d":1.5,"w":3,"n":"NaN","a":[null,true]}"#)
    }
}

@Suite struct DateTimeOffsetTests {
    @Test(arguments: [
        ("2017-01-01T00:03:19.2710393+03:00", "2016-12-31T21:03:19.2710393Z"),
        ("2016-12-31T23:59:56.035751+03:00", "2016-12-31T20:59:56.035751Z"),
        ("2000-02-29T12:00:00z", "2000-02-29T12:00:00Z"),
        ("1969-12-31T23:59:59.9999999Z", "1969-12-31T23:59:59.9999999Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("9999-12-31T23:59:59.9999999Z", "9999-12-31T23:59:59.9999999Z"),
        ("2024-06-01T10:00-14:00", "2024-06-02T00:00:00Z"),
    ])
    func roundTrips(_ input: String, _ output: String) throws {
        let d = try #require(DateTimeOffset(parsing: input))
        #expect(d.description == output)
        #expect(DateTimeOffset(parsing: output) == d)
    }

    @Test(arguments: [
        "2017-01-01", "2017-01-01T00:03:19", "2017-13-01T00:00:00Z", "2019-02-29T00:00:00Z", "2017-01-01T24:00:00Z",
        "2017-01-01T00:00:00.Z", "2017-01-01T00:00:00.12345678Z", "2017-01-01T00:00:00+3:00", "2017-01-01 00:00:00Z",
        "0000-01-01T00:00:00Z", "String (timestamp)", "2017-01-01T00:00:00Z ",
    ])
    func rejects(_ input: String) {
        #expect(DateTimeOffset(parsing: input) == nil)
    }
}
