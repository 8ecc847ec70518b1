/// Byte-level helpers for text the server reads on every request: splitting on an ASCII delimiter
/// (splitting a Substring walks it by grapheme clusters), checking UTF-8, and hexadecimal digits.
public enum UTF8Bytes {
    /// Lower-case hexadecimal digits, by value.
    public static let hexDigits: StaticString = "0123456789abcdef"

    /// The lower-case hexadecimal digit of the low four bits of `nibble`.
    @inline(__always)
    public static func hexDigit(_ nibble: some BinaryInteger) -> UInt8 {
        hexDigits.utf8Start[Int(truncatingIfNeeded: nibble) & 0xF]
    }

    /// The value of a hexadecimal digit of either case, or nil.
    @inline(__always)
    public static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: return c - 48
        case 65...70: return c - 55
        case 97...102: return c - 87
        default: return nil
        }
    }

    /// `bytes` as lower-case hexadecimal, two digits each.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        String(decoding: bytes.flatMap { [hexDigit($0 >> 4), hexDigit($0)] }, as: UTF8.self)
    }

    /// The bytes a text of hexadecimal digit pairs (either case) stands for, or nil.
    public static func bytes(hex text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        for i in stride(from: 0, to: utf8.count, by: 2) {
            guard let high = hexValue(utf8[i]), let low = hexValue(utf8[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    /// An ASCII letter in lower case; any other byte as it is.
    @inline(__always)
    public static func lowercased(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b | 0x20 : b }

    /// Whether `bytes` are valid UTF-8. Decoding repairs invalid sequences (to U+FFFD), so the bytes
    /// are valid exactly when decoding gives them back unchanged; ASCII needs no decoding. (This, not
    /// `String(validating:as:)`, which is generic and looks up type metadata at every call.)
    public static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for b in bytes { high |= b }
        return high < 0x80 || String(decoding: bytes, as: UTF8.self).utf8.elementsEqual(bytes)
    }
}

extension Substring {
    /// The parts between occurrences of the ASCII byte `delimiter`, empty parts left out.
    public func split(byte delimiter: UInt8) -> [Substring] {
        var parts: [Substring] = []
        parts.reserveCapacity(8)  // a resource path or query string rarely has more; one allocation, not four
        let utf8 = self.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: delimiter) ?? utf8.endIndex
            if start < end { parts.append(Substring(utf8[start..<end])) }
            start = end < utf8.endIndex ? utf8.index(after: end) : end
        }
        return parts
    }
}
