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

    private let chars: [Character]
    private var i = 0
    /// Whether white space came just before the token last read (typed literals need none).
    private(set) var spaceBefore = false

    init(_ text: String) { chars = Array(text) }

    var position: Int { i }

    mutating func next() throws(ODataError) -> Token {
        spaceBefore = false
        while i < chars.count, chars[i] == " " || chars[i] == "\t" {
            i += 1
            spaceBefore = true
        }
        guard i < chars.count else { return .end }
        let c = chars[i]
        switch c {
        case "(": i += 1; return .open
        case ")": i += 1; return .close
        case ",": i += 1; return .comma
        case "/": i += 1; return .slash
        case ":": i += 1; return .colon
        case "'": return .string(try stringLiteral())
        default: break
        }
        if let guid = match(Self.isGuid, length: 36) { return .guid(guid) }
        if c.isASCIIDigit || (c == "-" && i + 1 < chars.count && chars[i + 1].isASCIIDigit) {
            if let dt = dateTimeLiteral() { return dt }
            return .number(numberLiteral())
        }
        if c.isLetter || c == "_" || c == "$" || c == "@" {
            let start = i
            while i < chars.count, chars[i].isLetter || chars[i].isASCIIDigit || chars[i] == "_" || chars[i] == "." || chars[i] == "$" || chars[i] == "@" {
                i += 1
            }
            return .identifier(String(chars[start..<i]))
        }
        throw .badRequest("Syntax error at position \(i): unexpected character '\(c)'.")
    }

    private mutating func stringLiteral() throws(ODataError) -> String {
        i += 1
        var s = ""
        while i < chars.count {
            if chars[i] == "'" {
                if i + 1 < chars.count, chars[i + 1] == "'" {
                    s.append("'")
                    i += 2
                    continue
                }
                i += 1
                return s
            }
            s.append(chars[i])
            i += 1
        }
        throw .badRequest("Syntax error: a string literal is not closed with a quote.")
    }

    private mutating func numberLiteral() -> String {
        let start = i
        if chars[i] == "-" { i += 1 }
        while i < chars.count, chars[i].isASCIIDigit || chars[i] == "." || chars[i] == "e" || chars[i] == "E"
            || ((chars[i] == "+" || chars[i] == "-") && (chars[i - 1] == "e" || chars[i - 1] == "E"))
        {
            i += 1
        }
        // OData's number suffixes (1L, 1.5M, 1.5D, 1.5F) are allowed and dropped.
        if i < chars.count, "LlMmDdFf".contains(chars[i]), i + 1 == chars.count || !chars[i + 1].isLetter { i += 1 }
        return String(chars[start..<i]).trimmingSuffix()
    }

    /// `2017-01-01T00:00:00Z` and `2017-01-01` (unquoted, as OData writes them).
    private mutating func dateTimeLiteral() -> Token? {
        var j = i
        while j < chars.count, chars[j].isASCIIDigit || "-:.TtZz+".contains(chars[j]) { j += 1 }
        let text = String(chars[i..<j])
        if DateTimeOffset(parsing: text) != nil {
            i = j
            return .dateTimeOffset(text)
        }
        if text.count == 10, PrimitiveLiterals.isDate(text) {
            i = j
            return .date(text)
        }
        return nil
    }

    private mutating func match(_ check: (String) -> Bool, length: Int) -> String? {
        guard i + length <= chars.count else { return nil }
        let text = String(chars[i..<i + length])
        guard check(text) else { return nil }
        if i + length < chars.count, chars[i + length].isLetter || chars[i + length].isASCIIDigit { return nil }
        i += length
        return text
    }

    private static func isGuid(_ s: String) -> Bool { PrimitiveLiterals.isGuid(s) }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        if let last, "LlMmDdFf".contains(last) { return String(dropLast()) }
        return self
    }
}
