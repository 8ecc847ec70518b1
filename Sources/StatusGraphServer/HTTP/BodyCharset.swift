import ODataCore

/// The character encoding a request body declares (`Content-Type: application/json; charset=…`). JSON
/// travels in UTF-8 (RFC 8259), and so does almost every client's; those that send another encoding
/// say which (.NET's `StringContent` with `Encoding.Unicode` sends UTF-16, Java's `StringEntity` and
/// Windows PowerShell ISO-8859-1 when told so): such a body is read as its charset says, not refused
/// as broken UTF-8, and a charset this service does not read is a 415 that names it.
enum BodyCharset: Equatable {
    case utf8
    /// UTF-16 in the byte order its byte order mark gives, or its first character shows (JSON text
    /// starts with ASCII), else big-endian (RFC 2781).
    case utf16
    case utf16LittleEndian, utf16BigEndian
    case latin1, windows1252

    /// The charset a `Content-Type` value declares; nil when it declares none (UTF-8).
    static func declared(in contentType: String) throws(ODataError) -> BodyCharset? {
        guard contentType.utf8.contains(UInt8(ascii: ";")) else { return nil }  // the usual case, on every request
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, trimmed(pair[0]).lowercased() == "charset" else { continue }
            var name = trimmed(pair[1])
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") { name = name.dropFirst().dropLast() }
            switch name.lowercased() {
            case "utf-8", "utf8", "us-ascii", "ascii": return .utf8  // ASCII is UTF-8's first half
            case "utf-16": return .utf16
            case "utf-16le": return .utf16LittleEndian
            case "utf-16be": return .utf16BigEndian
            case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819": return .latin1
            case "windows-1252", "cp1252", "x-cp1252": return .windows1252
            default:
                throw ODataError(
                    .unsupportedMediaType, code: "UnsupportedMediaType",
                    message: "The charset '\(name)' is not supported; send the body in UTF-8 (UTF-16, ISO-8859-1 and windows-1252 are read too).")
            }
        }
        return nil
    }

    private static func trimmed(_ s: Substring) -> Substring {
        var s = s
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }

    /// `bytes` in this encoding, as UTF-8.
    func utf8(_ bytes: [UInt8]) throws(ODataError) -> [UInt8] {
        switch self {
        case .utf8:
            return bytes
        case .latin1:
            return Self.singleByte(bytes) { Unicode.Scalar($0) }
        case .windows1252:
            return Self.singleByte(bytes) { byte in
                guard (0x80...0x9F).contains(byte) else { return Unicode.Scalar(byte) }
                // The five bytes windows-1252 leaves undefined stand for the C1 controls, as WHATWG maps them.
                return Unicode.Scalar(Self.windows1252High[Int(byte) - 0x80]) ?? Unicode.Scalar(byte)
            }
        case .utf16, .utf16LittleEndian, .utf16BigEndian:
            guard bytes.count % 2 == 0 else {
                throw .badRequest("The request body is not valid UTF-16, as its Content-Type says: it has an odd number of bytes.")
            }
            var body = bytes[...]
            var littleEndian = self == .utf16LittleEndian
            if self == .utf16 {
                if body.starts(with: [0xFE, 0xFF]) {
                    body = body.dropFirst(2)
                } else if body.starts(with: [0xFF, 0xFE]) {
                    littleEndian = true
                    body = body.dropFirst(2)
                } else {
                    littleEndian = body.count >= 2 && body[body.startIndex] != 0 && body[body.startIndex + 1] == 0
                }
            }
            var units: [UInt16] = []
            units.reserveCapacity(body.count / 2)
            var i = body.startIndex
            while i < body.endIndex {
                let (a, b) = (UInt16(body[i]), UInt16(body[i + 1]))
                units.append(littleEndian ? a | b << 8 : a << 8 | b)
                i += 2
            }
            var out: [UInt8] = []
            out.reserveCapacity(units.count + units.count / 2)
            let failed = transcode(units.makeIterator(), from: UTF16.self, to: UTF8.self, stoppingOnError: true) { out.append($0) }
            guard !failed else {
                throw .badRequest("The request body is not valid UTF-16, as its Content-Type says: a surrogate is unpaired (after \(out.count) bytes of its text).")
            }
            return out
        }
    }

    private static func singleByte(_ bytes: [UInt8], _ scalar: (UInt8) -> Unicode.Scalar) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 { out.append(byte) } else { out.append(contentsOf: Character(scalar(byte)).utf8) }
        }
        return out
    }

    /// Windows-1252's bytes 0x80…0x9F.
    private static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
        0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
    ]
}

/// A request body read as JSON: its media type checked, its charset's text turned into UTF-8, then
/// parsed, every fault a Graph error that names it (one place for the service's bodies and the faults').
enum JSONBody {
    static func parse(_ body: [UInt8], contentType: String?, maxDepth: Int) throws(ODataError) -> JSONValue {
        var text = body
        if let contentType {
            try checkMediaType(contentType)
            if let charset = try BodyCharset.declared(in: contentType) { text = try charset.utf8(body) }
        }
        guard !text.isEmpty else { throw .badRequest("The request body is empty; send a JSON object.") }
        do {
            return try JSONParser.parse(text, maxDepth: maxDepth)
        } catch {
            throw .badRequest("The request body is not valid JSON: \(error.message) (at byte \(error.offset)).")
        }
    }

    /// A 415 unless `contentType` names JSON.
    static func checkMediaType(_ contentType: String) throws(ODataError) {
        guard HeaderValues.isJSON(contentType: contentType) else {
            throw ODataError(
                .unsupportedMediaType, code: "UnsupportedMediaType", message: "The Content-Type '\(contentType)' is not supported; send application/json.")
        }
    }
}
