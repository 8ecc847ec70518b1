/// Appends compact JSON to a byte buffer. The caller keeps the structure well formed; the writer
/// takes care of separators and string escaping.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { bytes.append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { bytes.append(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"name":`; the value follows.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a key already encoded as `"name":` bytes (precomputed at start-up).
    public mutating func key(encoded: [UInt8]) {
        separate()
        bytes.append(contentsOf: encoded)
        needsComma = false
    }

    /// Writes a key already encoded as `"name":` bytes, from a buffer of several.
    public mutating func key(encoded: UnsafeBufferPointer<UInt8>) {
        separate()
        bytes.append(contentsOf: encoded)
        needsComma = false
    }

    /// Makes room for `count` more bytes at once (a page of rows), instead of growing step by step.
    public mutating func reserve(_ count: Int) { bytes.reserveCapacity(bytes.count + count) }

    public mutating func string(_ value: String) { separate(); appendQuoted(value); needsComma = true }

    /// Writes UTF-8 bytes (a value read in place from storage) as a JSON string; bytes that are not
    /// valid UTF-8 are written as U+FFFD, as `String(decoding:)` repairs them.
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        guard UTF8Bytes.isValid(utf8) else { return string(String(decoding: utf8, as: UTF8.self)) }
        separate(); appendQuoted(utf8); needsComma = true
    }
    public mutating func int(_ value: Int64) { separate(); appendInteger(value); needsComma = true }
    public mutating func bool(_ value: Bool) { separate(); append(value ? "true" : "false"); needsComma = true }
    public mutating func null() { separate(); append("null"); needsComma = true }

    /// Writes a Double as OData JSON does: a number, or the strings `INF`, `-INF`, `NaN`.
    public mutating func double(_ value: Double) {
        if value.isNaN { string("NaN"); return }
        if value.isInfinite { string(value < 0 ? "-INF" : "INF"); return }
        separate()
        if value == value.rounded(.towardZero), abs(value) < 1e15 {
            appendInteger(Int64(value))
            if value == 0, value.sign == .minus { bytes.insert(UInt8(ascii: "-"), at: bytes.count - 1) }
        } else {
            append(value.description)
        }
        needsComma = true
    }

    /// Writes bytes that are already a complete JSON value.
    public mutating func raw(_ json: some Sequence<UInt8>) { separate(); bytes.append(contentsOf: json); needsComma = true }

    /// Writes bytes that are already a complete JSON value (or several, comma-separated), from a buffer.
    public mutating func raw(utf8 json: UnsafeBufferPointer<UInt8>) { separate(); bytes.append(contentsOf: json); needsComma = true }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func append(_ s: String) { bytes.append(contentsOf: s.utf8) }

    private mutating func appendInteger(_ value: Int64) {
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            while n > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            }
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { buffer in
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[i]) }
        }
    }

    private mutating func appendQuoted(_ s: String) {
        var s = s
        s.withUTF8 { appendQuoted($0) }
    }

    /// A string's UTF-8 as a JSON string: runs that need no escaping are copied whole.
    private mutating func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        var start = 0
        for (i, b) in utf8.enumerated() where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i]))
            start = i + 1
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            default:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          UTF8Bytes.hexDigit(b >> 4), UTF8Bytes.hexDigit(b)])
            }
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        bytes.append(UInt8(ascii: "\""))
    }

    /// Writes a DateTimeOffset as its JSON string, straight into the buffer.
    public mutating func dateTimeOffset(_ value: DateTimeOffset) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        value.write(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    /// `"name":` as bytes, for keys written on every response.
    public static func encodedKey(_ name: String) -> [UInt8] {
        var w = JSONWriter(capacity: name.utf8.count + 3)
        w.key(name)
        return w.bytes
    }
}

extension JSONWriter {
    /// Writes a parsed JSON value back (numbers exactly as they were written).
    public mutating func json(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): raw(n.utf8)
        case .string(let s): string(s)
        case .array(let items):
            beginArray()
            for item in items { json(item) }
            endArray()
        case .object(let o):
            beginObject()
            for (k, v) in o.members {
                key(k)
                json(v)
            }
            endObject()
        }
    }
}
