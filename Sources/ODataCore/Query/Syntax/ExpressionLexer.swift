/// Splits a `$filter` or `$orderby` value into tokens.
struct ExpressionLexer {
    enum Token: Equatable {
        case identifier(String)
        case string(String)
        case number(String)
        case dateTimeOffset(String)
        case date(String)
        case guid(String)
        case open, close, comma, slash, colon
        case end
    }

    /// The text's UTF-8: tokens are found byte by byte (not by grapheme clusters), and a token's text is
    /// made once, when it is returned.
    private let bytes: [UInt8]
    private let text: String
    private var i = 0
    /// Whether white space came just before the token last read (typed literals need none).
    private(set) var spaceBefore = false

    init(_ text: String) {
        self.text = text
        bytes = Array(text.utf8)
    }

    /// Where the token last read starts, after the white space before it: an offset into the text's
    /// UTF-8 (see `characterPosition`).
    private(set) var tokenStart = 0

    /// The position, in characters as written, of the UTF-8 offset `offset` of `text` (a token's start),
    /// for messages.
    static func characterPosition(_ offset: Int, in text: String) -> Int {
        let utf8 = text.utf8
        return text[..<utf8.index(utf8.startIndex, offsetBy: min(offset, utf8.count))].count
    }

    /// Why the text could not be split into tokens, and where (in characters before it, as `characterPosition`); the
    /// parser says it in the words of the option it reads.
    struct Failure: Error {
        let problem: String
        let position: Int
        /// A literal shaped as a value of a type, but not a valid one (a date out of range), rather than
        /// text that is no token at all.
        let isLiteral: Bool
    }

    private func failure(_ problem: String, at offset: Int, isLiteral: Bool = false) -> Failure {
        Failure(problem: problem, position: Self.characterPosition(offset, in: text), isLiteral: isLiteral)
    }

    mutating func next() throws(Failure) -> Token {
        spaceBefore = false
        while i < bytes.count, bytes[i] == UInt8(ascii: " ") || bytes[i] == UInt8(ascii: "\t") {
            i += 1
            spaceBefore = true
        }
        tokenStart = i
        guard i < bytes.count else { return .end }
        let c = bytes[i]
        switch c {
        case UInt8(ascii: "("): i += 1; return .open
        case UInt8(ascii: ")"): i += 1; return .close
        case UInt8(ascii: ","): i += 1; return .comma
        case UInt8(ascii: "/"): i += 1; return .slash
        case UInt8(ascii: ":"): i += 1; return .colon
        case UInt8(ascii: "'"): return .string(try stringLiteral())
        default: break
        }
        if let guid = guid() { return .guid(guid) }
        if Self.isDigit(c) || (c == UInt8(ascii: "-") && i + 1 < bytes.count && Self.isDigit(bytes[i + 1])) {
            if let dt = try dateTimeLiteral() { return dt }
            return .number(numberLiteral())
        }
        if let first = letterLength(at: i) ?? (Self.isIdentifierSymbol(c) && c != UInt8(ascii: ".") ? 1 : nil) {
            let start = i
            i += first
            while i < bytes.count {
                if Self.isDigit(bytes[i]) || Self.isIdentifierSymbol(bytes[i]) {
                    i += 1
                } else if let letter = letterLength(at: i) {
                    i += letter
                } else {
                    break
                }
            }
            return .identifier(string(start..<i))
        }
        let utf8 = text.utf8
        let character = text[utf8.index(utf8.startIndex, offsetBy: i)...].first.map(String.init) ?? ""
        throw failure("unexpected character '\(character)'", at: i)
    }

    private func string(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

    private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    /// `_`, `.`, `$` and `@`, which identifiers may hold besides letters and digits (and start with, but `.`).
    private static func isIdentifierSymbol(_ b: UInt8) -> Bool { isOne(b, of: "_.$@") }

    /// The UTF-8 length of the letter at `at`, or nil if no letter starts there (beyond ASCII, a letter
    /// is what `Character.isLetter` says of that scalar).
    private func letterLength(at j: Int) -> Int? {
        guard j < bytes.count else { return nil }
        let b = bytes[j]
        if b < 0x80 {
            return (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z")) ? 1 : nil
        }
        let length = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
        guard j + length <= bytes.count, let scalar = string(j..<(j + length)).unicodeScalars.first else { return nil }
        return Character(scalar).isLetter ? length : nil
    }

    private mutating func stringLiteral() throws(Failure) -> String {
        let opening = i
        i += 1
        var start = i
        var unescaped: [UInt8] = []  // only for a literal with doubled quotes
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "'") {
                if i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "'") {
                    unescaped += bytes[start...i]
                    i += 2
                    start = i
                    continue
                }
                let value = unescaped.isEmpty ? string(start..<i) : String(decoding: unescaped + bytes[start..<i], as: UTF8.self)
                i += 1
                return value
            }
            i += 1
        }
        throw failure("the string literal that starts here is not closed with a quote", at: opening)
    }

    private mutating func numberLiteral() -> String {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        while i < bytes.count {
            let b = bytes[i]
            let exponentSign = (b == UInt8(ascii: "+") || b == UInt8(ascii: "-"))
                && (bytes[i - 1] == UInt8(ascii: "e") || bytes[i - 1] == UInt8(ascii: "E"))
            guard Self.isDigit(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || exponentSign else { break }
            i += 1
        }
        // OData's number suffixes (1L, 1.5M, 1.5D, 1.5F) are allowed and dropped.
        if i < bytes.count, Self.isNumberSuffix(bytes[i]), letterLength(at: i + 1) == nil { i += 1 }
        let end = i > start && Self.isNumberSuffix(bytes[i - 1]) ? i - 1 : i
        return string(start..<end)
    }

    private static func isNumberSuffix(_ b: UInt8) -> Bool { isOne(b, of: "LlMmDdFf") }

    /// `2017-01-01T00:00:00Z` and `2017-01-01` (unquoted, as OData writes them). Text that starts as a
    /// date does (`YYYY-MM-DD`) and is neither fails here, naming the forms, rather than as the number
    /// its year would otherwise be read as, followed by a stray `-13`.
    private mutating func dateTimeLiteral() throws(Failure) -> Token? {
        var j = i
        while j < bytes.count, Self.isDigit(bytes[j]) || Self.isDateTimeSymbol(bytes[j]) { j += 1 }
        let text = string(i..<j)
        if DateTimeOffset(parsing: text) != nil {
            i = j
            return .dateTimeOffset(text)
        }
        if j - i == 10, PrimitiveLiterals.isDate(text) {
            i = j
            return .date(text)
        }
        // `YYYY-MM-DD` at its start, checked in place (this runs for every number literal).
        let isDateShaped =
            j - i >= 10 && (0..<10).allSatisfy { k in k == 4 || k == 7 ? bytes[i + k] == UInt8(ascii: "-") : Self.isDigit(bytes[i + k]) }
        guard isDateShaped else { return nil }
        throw failure(
            "'\(text)' is not a valid Edm.DateTimeOffset or Edm.Date; expected YYYY-MM-DDThh:mm:ss with 0 to 7 fractional "
                + "digits and Z or an offset (such as 2017-01-01T00:03:19.2710393+03:00), or YYYY-MM-DD, each field in its range",
            at: i, isLiteral: true)
    }

    private static func isDateTimeSymbol(_ b: UInt8) -> Bool { isOne(b, of: "-:.TtZz+") }

    /// Whether `b` is one of the ASCII characters of `set`.
    private static func isOne(_ b: UInt8, of set: StaticString) -> Bool {
        UnsafeBufferPointer(start: set.utf8Start, count: set.utf8CodeUnitCount).contains(b)
    }

    /// A GUID literal (36 characters not followed by a letter or digit), checked in place.
    private mutating func guid() -> String? {
        guard i + 36 <= bytes.count, PrimitiveLiterals.isGuid(utf8: bytes[i..<(i + 36)]) else { return nil }
        if i + 36 < bytes.count, Self.isDigit(bytes[i + 36]) || letterLength(at: i + 36) != nil { return nil }
        defer { i += 36 }
        return string(i..<(i + 36))
    }
}

