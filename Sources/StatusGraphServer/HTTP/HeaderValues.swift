import HTTPTypes

/// Header value tests done on bytes: they run on every request, where Foundation's string searching
/// (`contains`, `trimmingCharacters`, `lowercased`) costs more than the rest of reading the header.
enum HeaderValues {
    /// Whether `value` contains `token` (lower-case ASCII), ignoring ASCII case.
    static func contains(_ value: some StringProtocol, lowercased token: StaticString) -> Bool {
        let needle = UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount)
        guard !needle.isEmpty else { return true }
        var utf8 = Array(value.utf8)
        guard utf8.count >= needle.count else { return false }
        for i in utf8.indices where utf8[i] >= 65 && utf8[i] <= 90 { utf8[i] |= 0x20 }
        outer: for start in 0...(utf8.count - needle.count) {
            for j in 0..<needle.count where utf8[start + j] != needle[j] { continue outer }
            return true
        }
        return false
    }

    /// The media type of a `Content-Type` value (before any `;`), trimmed and lower-cased.
    static func mediaType(_ value: some StringProtocol) -> String {
        var bytes: [UInt8] = []
        for b in value.utf8 {
            if b == UInt8(ascii: ";") { break }
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") { continue }
            bytes.append(b >= 65 && b <= 90 ? b | 0x20 : b)
        }
        return String(decoding: bytes, as: UTF8.self)
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
