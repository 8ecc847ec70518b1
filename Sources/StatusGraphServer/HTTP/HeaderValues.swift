import HTTPTypes
import ODataCore

/// Header value tests done on bytes: they run on every request, where Foundation's string searching
/// (`contains`, `trimmingCharacters`, `lowercased`) costs more than the rest of reading the header.
enum HeaderValues {
    /// A piece of a header value without the spaces, tabs and double quotes (a parameter's value may be
    /// quoted) at either end.
    static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" || c == "\"" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\"" { s.removeLast() }
        return s
    }

    /// Whether `value` contains `token` (lower-case ASCII), ignoring ASCII case.
    static func contains(_ value: some StringProtocol, lowercased token: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount)
        guard !needle.isEmpty else { return true }
        var utf8 = Array(value.utf8)
        guard utf8.count >= needle.count else { return false }
        for i in utf8.indices { utf8[i] = UTF8Bytes.lowercased(utf8[i]) }
        outer: for start in 0...(utf8.count - needle.count) {
            for j in 0..<needle.count where utf8[start + j] != needle[j] { continue outer }
            return true
        }
        return false
    }

    /// Whether a `Content-Type` value names JSON: its media type (before any `;`, spaces and tabs
    /// ignored, any case) is `application/json` or ends in `+json`. Read on bytes, as every body is.
    static func isJSON(contentType value: some StringProtocol) -> Bool {
        var utf8 = value.utf8[...]
        if let semicolon = utf8.firstIndex(of: UInt8(ascii: ";")) { utf8 = utf8[..<semicolon] }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { buffer in
            var n = 0
            for b in utf8 where b != UInt8(ascii: " ") && b != UInt8(ascii: "\t") {
                guard n < buffer.count else { return false }  // no JSON media type is this long
                buffer[n] = UTF8Bytes.lowercased(b)
                n += 1
            }
            let mediaType = UnsafeBufferPointer(rebasing: buffer[..<n])
            return mediaType.elementsEqual("application/json".utf8) || (n >= 5 && mediaType[(n - 5)...].elementsEqual("+json".utf8))
        }
    }
}

extension HTTPFields {
    /// The first field's value for `name`, or nil. HTTPFields' own subscript joins every field of the
    /// name into a new string (generic code that looks up type metadata per call); the headers read
    /// here (Authorization, Content-Type, client-request-id) carry one value.
    func first(_ name: HTTPField.Name) -> String? {
        for field in self where field.name == name { return field.value }
        return nil
    }
}
