/// One segment of a resource path as written, before the model gives it meaning:
/// a name (an identifier, a key, a `$`-keyword or a qualified type name) and an optional key in parentheses.
public struct PathSegment: Sendable, Equatable, CustomStringConvertible {
    public let name: String
    /// The key written as `name('key')`, `name(key)` or `name(id='key')`.
    public let key: String?

    public init(_ name: String, key: String? = nil) {
        self.name = name
        self.key = key
    }

    public var description: String {
        guard let key else { return name }
        return "\(name)('\(key.replacingOccurrences(of: "'", with: "''"))')"
    }
}

/// Splits a percent-encoded resource path (after the version) into segments.
public enum PathParser {
    public static func parse(_ rawPath: Substring) throws(ODataError) -> [PathSegment] {
        // Leading, trailing and doubled slashes leave no segment.
        let parts = rawPath.split(byte: UInt8(ascii: "/"))
        var segments: [PathSegment] = []
        segments.reserveCapacity(parts.count)
        for raw in parts {
            guard let text = PercentDecoding.decode(raw) else {
                throw .badRequest("The path segment '\(raw)' is not validly percent-encoded.")
            }
            // No name or key holds U+0000 (PostgreSQL's text cannot), on either backend.
            guard !text.utf8.contains(0) else { throw .badRequest("The path segment '\(raw)' contains %00 (U+0000), which no name or key holds.") }
            segments.append(try segment(text))
        }
        return segments
    }

    /// One decoded segment: `name`, `name('key')`, `name(key)` or `name(id='key')`. Read as UTF-8 bytes
    /// (every delimiter is ASCII), which keeps this per-request step free of Foundation's string searching.
    static func segment(_ text: String) throws(ODataError) -> PathSegment {
        let quote = UInt8(ascii: "'")
        // Most segments are plain names or ids (the URL form `/mobileApps/{id}`): no copy of their bytes.
        guard text.utf8.contains(UInt8(ascii: "(")) else { return PathSegment(text) }
        let bytes = Array(text.utf8)
        guard let open = bytes.firstIndex(of: UInt8(ascii: "(")), bytes.first != quote else { return PathSegment(text) }
        guard bytes.last == UInt8(ascii: ")") else { throw .badRequest("The key in the segment '\(text)' is not closed with ')'.") }
        let name = String(decoding: bytes[..<open], as: UTF8.self)
        var inner = bytes[(open + 1)..<(bytes.count - 1)]
        if inner.first != quote, let eq = inner.firstIndex(of: UInt8(ascii: "=")) {  // id='x'
            inner = inner[(eq + 1)...]
        }
        guard !inner.isEmpty else { throw .badRequest("The segment '\(text)' has an empty key.") }
        guard inner.first == quote else { return PathSegment(name, key: String(decoding: inner, as: UTF8.self)) }
        guard inner.count >= 2, inner.last == quote else {
            throw .badRequest("The key in the segment '\(text)' is not a closed string literal.")
        }
        // Inside a string literal a quote is written twice.
        var key: [UInt8] = []
        key.reserveCapacity(inner.count - 2)
        var i = inner.startIndex + 1
        let end = inner.endIndex - 1
        while i < end {
            if inner[i] == quote {
                guard i + 1 < end, inner[i + 1] == quote else {
                    throw .badRequest("The key in the segment '\(text)' has an unescaped quote.")
                }
                i += 1
            }
            key.append(inner[i])
            i += 1
        }
        return PathSegment(name, key: String(decoding: key, as: UTF8.self))
    }
}

/// RFC 3986 percent-decoding that refuses malformed escapes and invalid UTF-8.
public enum PercentDecoding {
    public static func decode(_ s: Substring, plusAsSpace: Bool = false) -> String? {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusAsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(s)
        }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        var it = s.utf8.makeIterator()
        while let b = it.next() {
            if b == UInt8(ascii: "%") {
                guard let h = it.next(), let l = it.next(), let hv = UTF8Bytes.hexValue(h), let lv = UTF8Bytes.hexValue(l) else { return nil }
                out.append(hv << 4 | lv)
            } else if plusAsSpace, b == UInt8(ascii: "+") {
                out.append(0x20)
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
