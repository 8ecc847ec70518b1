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
        var segments: [PathSegment] = []
        for raw in rawPath.split(separator: "/", omittingEmptySubsequences: false) {
            if raw.isEmpty { continue }  // leading, trailing or doubled slashes
            guard let text = PercentDecoding.decode(raw) else {
                throw .badRequest("The path segment '\(raw)' is not validly percent-encoded.")
            }
            segments.append(try segment(text))
        }
        return segments
    }

    static func segment(_ text: String) throws(ODataError) -> PathSegment {
        guard let open = text.firstIndex(of: "("), !text.hasPrefix("'") else { return PathSegment(text) }
        guard text.hasSuffix(")") else { throw .badRequest("The key in the segment '\(text)' is not closed with ')'.") }
        let name = String(text[..<open])
        var inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        if let eq = inner.firstIndex(of: "="), !inner.hasPrefix("'") {  // id='x'
            inner = inner[inner.index(after: eq)...]
        }
        guard !inner.isEmpty else { throw .badRequest("The segment '\(text)' has an empty key.") }
        if inner.hasPrefix("'") {
            guard inner.count >= 2, inner.hasSuffix("'") else {
                throw .badRequest("The key in the segment '\(text)' is not a closed string literal.")
            }
            let body = inner.dropFirst().dropLast()
            // Inside a string literal a quote is written twice.
            var key = ""
            var i = body.startIndex
            while i < body.endIndex {
                let c = body[i]
                if c == "'" {
                    let next = body.index(after: i)
                    guard next < body.endIndex, body[next] == "'" else {
                        throw .badRequest("The key in the segment '\(text)' has an unescaped quote.")
                    }
                    i = body.index(after: next)
                } else {
                    i = body.index(after: i)
                }
                key.append(c)
            }
            return PathSegment(name, key: key)
        }
        return PathSegment(name, key: String(inner))
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
                guard let h = it.next(), let l = it.next(), let hv = hex(h), let lv = hex(l) else { return nil }
                out.append(hv << 4 | lv)
            } else if plusAsSpace, b == UInt8(ascii: "+") {
                out.append(0x20)
            } else {
                out.append(b)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    private static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }
}
