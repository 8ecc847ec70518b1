/// Appends compact JSON to a byte buffer. The caller keeps the structure well formed; the writer
/// takes care of separators and string escaping.
///
/// Every value of every row of a page goes through here, so the writer owns one growing allocation
/// (`JSONBytes`) and writes into it directly: one capacity check per value, not one per byte as an
/// array's `append` makes. It is still a value: a copy of a writer copies its bytes when it writes
/// (hence `@unchecked Sendable`: its storage, a `ManagedBuffer`, is written only while unshared).
public struct JSONWriter: @unchecked Sendable {
    private var storage: JSONBytes
    /// How many bytes of `storage` are written (kept here, not in the class: a class's stored `var` is
    /// checked for exclusive access at run time, at every value).
    public private(set) var count = 0
    private var needsComma = false

    public init(capacity: Int = 512) { storage = JSONBytes.make(capacity: capacity) }

    /// The bytes written so far.
    public var bytes: [UInt8] { withBytes { Array($0) } }

    /// Where the writer stands, to come back to (`rewind(to:)`).
    public struct Mark: Sendable {
        fileprivate let count: Int
        fileprivate let needsComma: Bool
    }

    public var mark: Mark { Mark(count: count, needsComma: needsComma) }

    /// Forgets what was written after `mark` (a page whose read started over).
    public mutating func rewind(to mark: Mark) {
        precondition(mark.count <= count, "a mark past what was written")
        count = mark.count
        needsComma = mark.needsComma
    }

    /// Calls `body` with the bytes written so far (valid only during the call).
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    public mutating func beginObject() { separate(); append(UInt8(ascii: "{")); needsComma = false }
    public mutating func endObject() { append(UInt8(ascii: "}")); needsComma = true }
    public mutating func beginArray() { separate(); append(UInt8(ascii: "[")); needsComma = false }
    public mutating func endArray() { append(UInt8(ascii: "]")); needsComma = true }

    /// Writes `"name":`; the value follows.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a key already encoded as `"name":` bytes (precomputed at start-up).
    public mutating func key(encoded: [UInt8]) {
        encoded.withUnsafeBufferPointer { key(encoded: $0) }
    }

    /// Writes a key already encoded as `"name":` bytes, from a buffer of several.
    public mutating func key(encoded: UnsafeBufferPointer<UInt8>) {
        separate()
        append(encoded)
        needsComma = false
    }

    public mutating func string(_ value: String) { separate(); appendQuoted(value); needsComma = true }

    /// Writes UTF-8 bytes (a value read in place from storage) as a JSON string; bytes that are not
    /// valid UTF-8 are written as U+FFFD, as `String(decoding:)` repairs them.
    public mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        let special = JSONBytes.firstSpecial(utf8, from: 0, nonASCII: true)
        // ASCII with nothing to escape (the common case) needs no UTF-8 check.
        if special < utf8.count, !UTF8Bytes.isValid(utf8) { return string(String(decoding: utf8, as: UTF8.self)) }
        separate(); appendQuoted(utf8, from: special); needsComma = true
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
            if value == 0, value.sign == .minus { append(UInt8(ascii: "-")) }
            appendInteger(Int64(value))
        } else {
            var text = value.description
            text.withUTF8 { append($0) }
        }
        needsComma = true
    }

    /// Writes bytes that are already a complete JSON value.
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        if json.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for b in json { append(b) }
        }
        needsComma = true
    }

    /// Writes what another writer wrote (a complete JSON value).
    public mutating func raw(_ json: JSONWriter) { json.withBytes { raw(utf8: $0) } }

    /// Writes bytes that are already a complete JSON value (or several, comma-separated), from a buffer.
    public mutating func raw(utf8 json: UnsafeBufferPointer<UInt8>) { separate(); append(json); needsComma = true }

    /// Writes a DateTimeOffset as its JSON string, straight into the buffer.
    public mutating func dateTimeOffset(_ value: DateTimeOffset) {
        separate()
        let p = space(DateTimeOffset.maxUTF8Count + 2)
        p[0] = UInt8(ascii: "\"")
        let n = value.write(to: p + 1)
        p[n + 1] = UInt8(ascii: "\"")
        count += n + 2
        needsComma = true
    }

    /// `"name":` as bytes, for keys written on every response.
    public static func encodedKey(_ name: String) -> [UInt8] {
        var w = JSONWriter(capacity: name.utf8.count + 3)
        w.key(name)
        return w.bytes
    }

    // MARK: Writing into the buffer

    /// Room for `count` more bytes, at the end of what is written (copied first if another writer shares
    /// the bytes); the caller writes there and adds what it wrote to `count`.
    @inline(__always)
    private mutating func space(_ more: Int) -> UnsafeMutablePointer<UInt8> {
        if _slowPath(!isKnownUniquelyReferenced(&storage) || storage.room - count < more) {
            storage = storage.copy(count, adding: more)
        }
        return storage.base + count
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        space(1).pointee = byte
        count += 1
    }

    @inline(__always)
    private mutating func append(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        space(buffer.count).update(from: base, count: buffer.count)
        count += buffer.count
    }

    private mutating func append(_ s: StaticString) {
        append(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { append(UInt8(ascii: ",")) }
    }

    private mutating func appendInteger(_ value: Int64) {
        // 20 bytes hold every Int64 with its sign; digits are written from the end, then moved.
        let p = space(20)
        var n = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let written = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var i = 24
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            if value < 0 {
                i -= 1
                buffer[i] = UInt8(ascii: "-")
            }
            UnsafeMutableRawPointer(p).copyMemory(from: buffer.baseAddress! + i, byteCount: 24 - i)
            return 24 - i
        }
        count += written
    }

    private mutating func appendQuoted(_ s: String) {
        var s = s
        s.withUTF8 { appendQuoted($0, from: JSONBytes.firstSpecial($0, from: 0, nonASCII: false)) }
    }

    /// Valid UTF-8 as a JSON string, `special` the first byte that may need escaping: runs that need
    /// none are copied whole.
    private mutating func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, from special: Int) {
        if special == utf8.count {  // nothing to escape, the common case: quotes and bytes in one go
            let p = space(utf8.count + 2)
            p[0] = UInt8(ascii: "\"")
            if let base = utf8.baseAddress { (p + 1).update(from: base, count: utf8.count) }
            p[utf8.count + 1] = UInt8(ascii: "\"")
            count += utf8.count + 2
            return
        }
        append(UInt8(ascii: "\""))
        var start = 0
        var i = special
        while i < utf8.count {
            let b = utf8[i]
            guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else {  // UTF-8 beyond ASCII: as is
                i = JSONBytes.firstSpecial(utf8, from: i + 1, nonASCII: false)
                continue
            }
            append(UnsafeBufferPointer(rebasing: utf8[start..<i]))
            start = i + 1
            switch b {
            case UInt8(ascii: "\""): append("\\\"")
            case UInt8(ascii: "\\"): append("\\\\")
            case 0x0A: append("\\n")
            case 0x0D: append("\\r")
            case 0x09: append("\\t")
            default:
                append("\\u00")
                append(UTF8Bytes.hexDigit(b >> 4))
                append(UTF8Bytes.hexDigit(b))
            }
            i = JSONBytes.firstSpecial(utf8, from: i + 1, nonASCII: false)
        }
        append(UnsafeBufferPointer(rebasing: utf8[start...]))
        append(UInt8(ascii: "\""))
    }
}

/// The bytes of a `JSONWriter`, in the same allocation as the object (its header is the capacity),
/// replaced by one twice as large when full.
final class JSONBytes: ManagedBuffer<Int, UInt8> {
    static func make(capacity: Int) -> JSONBytes {
        let capacity = max(capacity, 16)
        return unsafeDowncast(JSONBytes.create(minimumCapacity: capacity) { _ in capacity }, to: JSONBytes.self)
    }

    var base: UnsafeMutablePointer<UInt8> { withUnsafeMutablePointerToElements { $0 } }
    /// The capacity, read through a pointer: `header` is a class's stored `var`, and reading it is
    /// checked for exclusive access at run time (at every value written).
    var room: Int { withUnsafeMutablePointerToHeader { $0.pointee } }

    /// A copy of the first `count` bytes, with room for `more` after them.
    func copy(_ count: Int, adding more: Int) -> JSONBytes {
        let copy = JSONBytes.make(capacity: max(room * 2, count + more))
        copy.base.update(from: base, count: count)
        return copy
    }

    /// The index of the first byte from `start` that a JSON string must escape (a control character,
    /// `"` or `\`), or with `nonASCII` that is not ASCII; `bytes.count` if none. Eight bytes at a
    /// time: a byte is flagged in the high bit of its lane, exactly for the lowest lane that matches.
    @inline(__always)
    static func firstSpecial(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, nonASCII: Bool) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let raw = UnsafeRawPointer(base)
        let n = bytes.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let asciiMask: UInt64 = nonASCII ? high : 0
        var i = start
        while i + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let quote = x ^ (ones &* 0x22)
            let backslash = x ^ (ones &* 0x5C)
            let flagged =
                ((x &- ones &* 0x20) & ~x | (quote &- ones) & ~quote | (backslash &- ones) & ~backslash) & high
                | (x & asciiMask)
            if flagged != 0 { return i + flagged.littleEndian.trailingZeroBitCount >> 3 }
            i += 8
        }
        while i < n {
            let b = base[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || (nonASCII && b >= 0x80) { return i }
            i += 1
        }
        return n
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
