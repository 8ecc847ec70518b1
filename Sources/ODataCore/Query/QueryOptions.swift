/// The system query options of a request, parsed from the raw query string as the Kiota-based SDKs
/// send it (`%24filter=…` or `$filter=…`, `+` or `%20` for spaces, names case-insensitive).
public struct QueryOptions: Sendable, Equatable {
    /// Option name (lower-cased, with `$`) → decoded value.
    public private(set) var values: [String: String] = [:]
    /// The options as written, in order, for `@odata.nextLink` (without `$skiptoken`).
    public private(set) var passthrough: [(name: String, value: String)] = []

    public static func == (a: QueryOptions, b: QueryOptions) -> Bool { a.values == b.values }

    /// System query options OData defines.
    public static let known: Set<String> = [
        "$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count", "$search", "$skiptoken", "$format",
        "$apply", "$compute", "$deltatoken", "$levels", "$index", "$schemaversion", "$id",
    ]

    /// The options this server implements.
    public static let supported: Set<String> = [
        "$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$count", "$skiptoken", "$format",
    ]

    public init() {}

    /// Parses a raw (percent-encoded) query string. With `dollarOptional`, a system query option may be
    /// named without its `$` (`filter=…`), as Graph's beta endpoint takes them; other names stay custom.
    public init(parsing raw: Substring?, dollarOptional: Bool = false) throws(ODataError) {
        guard let raw, !raw.isEmpty else {
            self.init()
            return
        }
        var pairs: [(String, String)] = []
        // Split on bytes: a deep page's URL carries a long $skiptoken.
        for pair in raw.split(byte: UInt8(ascii: "&")) {
            let eq = pair.utf8.firstIndex(of: UInt8(ascii: "="))
            let rawName = eq.map { pair[..<$0] } ?? pair
            let rawValue = eq.map { pair[pair.utf8.index(after: $0)...] } ?? ""
            guard let name = PercentDecoding.decode(rawName, plusAsSpace: true),
                let value = PercentDecoding.decode(rawValue, plusAsSpace: true)
            else { throw .badRequest("The query string is not validly percent-encoded near '\(pair.prefix(60))'.") }
            // No stored value holds U+0000 (PostgreSQL's text cannot), so no option may compare with one.
            guard !name.utf8.contains(0), !value.utf8.contains(0) else {
                throw .badRequest("The query string contains %00 (U+0000) near '\(pair.prefix(60))', which no value holds.")
            }
            pairs.append((name, value))
        }
        try self.init(pairs: pairs, dollarOptional: dollarOptional)
    }

    /// Parses the options nested in an `$expand` item: `$select=a,b;$filter=…`.
    public init(nested text: Substring, dollarOptional: Bool = false) throws(ODataError) {
        var pairs: [(String, String)] = []
        for part in QueryOptions.splitTopLevel(text, separator: ";") where !part.isEmpty {
            guard let eq = part.firstIndex(of: "=") else { throw .badRequest("The $expand option '\(part)' has no value.", target: "$expand") }
            pairs.append((String(part[..<eq]), String(part[part.index(after: eq)...])))
        }
        try self.init(pairs: pairs, nested: true, dollarOptional: dollarOptional)
    }

    private init(pairs: [(String, String)], nested: Bool = false, dollarOptional: Bool) throws(ODataError) {
        for (decodedName, value) in pairs {
            var name = decodedName.trimmingCharacters(in: " ").lowercased()
            if dollarOptional, !name.hasPrefix("$"), Self.known.contains("$" + name) { name = "$" + name }
            guard name.hasPrefix("$") else { continue }  // custom options are ignored
            guard Self.known.contains(name) else {
                throw .badRequest("The query parameter '\(decodedName)' is not supported.", target: decodedName)
            }
            if name == "$search" {
                throw .badRequest("The query option '$search' is not supported on this resource.", target: name)
            }
            guard Self.supported.contains(name), !(nested && (name == "$skiptoken" || name == "$format")) else {
                throw .badRequest("The query option '\(name)' is not supported\(nested ? " inside $expand" : "").", target: name)
            }
            guard values[name] == nil else {
                throw .badRequest("The query option '\(name)' is given more than once.", target: name)
            }
            values[name] = value
            if name != "$skiptoken" { passthrough.append((name, value)) }
        }
    }

    /// Splits at `separator` outside parentheses and quotes.
    public static func splitTopLevel(_ text: Substring, separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var quoted = false
        var start = text.startIndex
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c == "'" { quoted.toggle() }
            if !quoted {
                if c == "(" { depth += 1 }
                if c == ")" { depth -= 1 }
                if c == separator, depth == 0 {
                    parts.append(text[start..<i])
                    start = text.index(after: i)
                }
            }
            i = text.index(after: i)
        }
        parts.append(text[start...])
        return parts
    }

    public subscript(name: String) -> String? { values[name] }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

/// The opaque `$skiptoken` of server-driven paging: a payload only this service can read back,
/// signed so that a tampered or forged token is refused.
public struct SkipTokenCodec: Sendable {
    private let sign: @Sendable ([UInt8]) -> [UInt8]

    /// `sign` computes a message authentication code (the service uses HMAC-SHA256 with a stored secret).
    public init(sign: @escaping @Sendable ([UInt8]) -> [UInt8]) { self.sign = sign }

    public func encode(_ payload: [UInt8]) -> String {
        Base64.encodeURLSafe(payload) + "." + Base64.encodeURLSafe(sign(payload))
    }

    public func decode(_ token: String) throws(ODataError) -> [UInt8] {
        var invalid: ODataError {
            .badRequest("The $skiptoken is not valid here; use @odata.nextLink exactly as the service returned it.", target: "$skiptoken")
        }
        let utf8 = token.utf8
        guard let dot = utf8.firstIndex(of: UInt8(ascii: ".")), !utf8[utf8.index(after: dot)...].contains(UInt8(ascii: ".")),
            let payload = Base64.decode(token[..<dot]), let mac = Base64.decode(token[utf8.index(after: dot)...])
        else {
            throw invalid
        }
        let expected = sign(payload)
        // Constant-time comparison.
        guard mac.count == expected.count, zip(mac, expected).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else { throw invalid }
        return payload
    }
}
